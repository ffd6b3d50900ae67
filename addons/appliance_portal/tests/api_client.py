# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The API client of the tests: every reply is validated against the
schema the OpenAPI document declares for its operation and status."""
import datetime as dt
import itertools
import json
import re

from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction, TransactionError

from .tools import MODEL_CODE, PASSWORD

try:
    import jsonschema_rs
except ImportError:
    jsonschema_rs = None

_counter = itertools.count(1)
PASSWORD_CUSTOMER = 'Secret-Pass-1!x'
# A PNG of one pixel
PNG = ('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk'
    '+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')


def unique():
    return next(_counter)


class ReplyChecker:
    "Validate the replies with the schemas of the OpenAPI document"

    def __init__(self, document):
        self.document = document
        self.operations = []
        for path, item in document['paths'].items():
            pattern = re.compile('^' + re.sub(r'\\{\w+\\}', '[^/]+',
                    re.escape(path)) + '$')
            for method, operation in item.items():
                if method != 'servers':
                    self.operations.append(
                        (pattern, method.upper(), operation))
        self.validators = {}
        self.checked = 0

    def operation(self, method, path):
        path = '/' + path.split('?', 1)[0]
        for pattern, method_, operation in self.operations:
            if method_ == method and pattern.match(path):
                return operation

    def check(self, method, path, status, payload):
        "Return the errors of payload against the document"
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method} {path} is not in the document"]
        responses = operation['responses']
        response = responses.get(str(status))
        if response is None:
            return [f"{method} {path}: {status} is not documented"]
        if '$ref' in response:
            response = self.document['components']['responses'][
                response['$ref'].rsplit('/', 1)[1]]
        content = response.get('content', {}).get('application/json')
        if content is None:
            return [] if payload in (None, '') else [
                f"{method} {path} {status}: a body is not documented"]
        key = json.dumps(content['schema'], sort_keys=True)
        if key not in self.validators:
            self.validators[key] = jsonschema_rs.Draft202012Validator({
                    **content['schema'],
                    'components': self.document['components'],
                    }, validate_formats=True)
        self.checked += 1
        return [f"{method} {path} {status}: {e.message} at "
            f"{'/'.join(map(str, e.instance_path))}"
            for e in self.validators[key].iter_errors(payload)]


class ApiMixin:
    "Helpers to call the API; every reply is checked against the document"
    used_slots = set()
    checker = None

    def url(self, path):
        return f'/{self.db_name}/api/v1/{path}'

    def reply_checker(self):
        if jsonschema_rs is None:
            return None
        if ApiMixin.checker is None:
            response = self.client().get(self.url('openapi.json'))
            ApiMixin.checker = ReplyChecker(json.loads(response.get_data()))
        return ApiMixin.checker

    def call(self, method, path, body=None, token=None, headers=None,
            raw=None, content_type='application/json', status=None):
        client = self.client()
        headers = dict(headers or {})
        if token:
            headers.setdefault('Authorization', f'Bearer {token}')
        kwargs = {'headers': headers}
        if raw is not None:
            kwargs['data'] = raw
            kwargs['content_type'] = content_type
        elif body is not None:
            kwargs['json'] = body
        response = client.open(self.url(path), method=method, **kwargs)
        data = response.get_data(as_text=True)
        try:
            payload = json.loads(data) if data else None
        except ValueError:
            payload = data
        if status is not None:
            self.assertEqual(response.status_code, status,
                msg=f'{method} {path}: {payload}')
        self.check_reply(method, path, response, payload)
        self.last_response = response
        return response.status_code, payload

    def check_reply(self, method, path, response, payload):
        if response.status_code >= 400 or response.status_code == 201:
            self.assertTrue(
                response.content_type.startswith('application/json'),
                msg=f'{method} {path}: {response.content_type}')
        checker = self.reply_checker()
        if checker is None or path == 'openapi.json':
            return
        if checker.operation(method, path) is None:
            # Unknown paths answer the error shape
            self.assertIn('error', payload)
            return
        errors = checker.check(method, path, response.status_code, payload)
        self.assertEqual(errors, [], msg=f'{method} {path}: {payload}')

    def assertError(self, result, status, code=None):
        got, payload = result
        self.assertEqual(got, status, msg=payload)
        self.assertIn('error', payload)
        self.assertTrue(payload['error']['message'])
        if code:
            self.assertEqual(payload['error']['code'], code)
        return payload['error']

    def confirmation_token(self, email):
        "The token of the last confirmation email sent to email"
        for message in reversed(self.emails):
            if message['To'] == email:
                body = message.get_body(('html',)).get_content()
                found = re.search(r'token=([0-9a-f]+)', body)
                if found:
                    return found.group(1)
        self.fail(f"no confirmation email to {email}")

    def signup(self, confirm=True, **values):
        """Sign up; with confirm, confirm the email and return the session
        token and the body"""
        n = unique()
        body = {
            'email': f'customer{n}@example.com',
            'password': PASSWORD_CUSTOMER,
            'name': f"Customer {n}",
            'mobile': f'+86 139{n:08d}',
            'address': {'subdivision': 'CN-ZJ', 'city': "杭州",
                'street': f"文一路 {n} 号"},
            'privacy_consent': True,
            }
        body.update(values)
        self.call('POST', 'auth/signup', body, status=202)
        if not confirm:
            return None, body
        _, session = self.call('POST', 'auth/validate-email', {
                'token': self.confirmation_token(body['email'])},
            status=200)
        return session['token'], body

    def register(self, token, **values):
        body = {
            'model_code': MODEL_CODE,
            'serial_number': f'GR{unique():06d}',
            'sale_date': (dt.date.today() - dt.timedelta(days=30)
                ).isoformat(),
            'purchase_channel': 'online',
            }
        body.update(values)
        status, data = self.call('POST', 'appliances', body, token=token)
        self.assertEqual(status, 201, msg=data)
        return data

    def free_slot(self, token, appliance=None, exclude=(), later=False):
        "A slot no other test booked; with later, of a day after today"
        path = 'slots' + (f'?appliance={appliance}' if appliance else '')
        _, slots = self.call('GET', path, token=token, status=200)
        used = ApiMixin.used_slots
        today = dt.date.today().isoformat()
        for slot in slots:
            if later and slot['date'] <= today:
                continue
            if (slot['id'] not in exclude and slot['id'] not in used
                    and slot['available'] >= 1
                    and slot['id'] not in {
                        self.ids['tiny_slot'], self.ids['today_slot']}):
                used.add(slot['id'])
                return slot['id']
        self.fail("no free slot")

    def book(self, token, appliance, kind='repair', slot=None, today=False,
            later=False):
        """Book a visit; today books the slot of today, when work may start,
        later a slot of a day after today"""
        if today:
            slot = self.ids['today_slot']
        slot = slot or self.free_slot(token, appliance, later=later)
        return self.call('POST', 'service-requests', {
                'kind': kind, 'appliance': appliance,
                'description': "空调不制冷", 'slot': slot,
                }, token=token, status=201)[1]

    def staff_token(self, login):
        _, data = self.call('POST', 'staff/login', {
                'login': login, 'password': PASSWORD}, status=200)
        return {'Authorization': f"Session {data['token']}"}

    def started_visit(self, engineer_login='engineer'):
        """Book a repair of today, dispatch and start it; return the
        customer token, the request, the order id and the engineer's
        headers"""
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'], today=True)
        order_id = request['visits'][0]['id']
        agent = self.staff_token('agent')
        engineer = self.staff_token(engineer_login)
        self.call('POST', f'staff/work-orders/{order_id}/dispatch',
            {'engineer': self.ids['engineer']}, headers=agent, status=200)
        self.call('POST', f'staff/work-orders/{order_id}/progress',
            {'action': 'start'}, headers=engineer, status=200)
        return token, request, order_id, engineer

    def in_transaction(self, func, *args):
        extras = {}
        while True:
            with Transaction().start(DB_NAME, 0, context={
                        'company': self.ids['company']},
                    **extras) as transaction:
                try:
                    result = func(*args)
                except TransactionError as error:
                    # e.g. the table lock of a singleton's creation
                    transaction.rollback()
                    error.fix(extras)
                    continue
                transaction.commit()
            return result

    def count(self, model, domain=None):
        "The number of records of model (to tell nothing was saved)"
        def count():
            return Pool().get(model).search(domain or [], count=True)
        return self.in_transaction(count)

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Tests of the JSON API through trytond's WSGI application."""
import base64
import datetime as dt
import itertools
import json
import unittest
from decimal import Decimal
from unittest.mock import patch

import trytond.config as config
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction, TransactionError

from .tools import (
    FEATURES, MODEL_CODE, PASSWORD, resolve_request, setup_portal_data)

_counter = itertools.count(1)
PNG = base64.b64encode(
    b'\x89PNG\r\n\x1a\n' + b'\x00' * 32).decode('ascii')


def unique():
    return next(_counter)


class ApiMixin:
    "Helpers to call the API"
    used_slots = set()

    def setUp(self):
        super().setUp()
        sendmail = patch(
            'trytond.modules.web_user.user.send_message_transactional')
        self.sent = sendmail.start()
        self.addCleanup(sendmail.stop)

    def url(self, path):
        return f'/{self.db_name}/api/v1/{path}'

    def call(self, method, path, body=None, token=None, headers=None,
            raw=None, status=None):
        client = self.client()
        headers = dict(headers or {})
        if token:
            headers.setdefault('Authorization', f'Bearer {token}')
        kwargs = {'headers': headers}
        if raw is not None:
            kwargs['data'] = raw
            kwargs['content_type'] = 'application/json'
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
        return response.status_code, payload

    def assertError(self, result, status, code=None):
        got, payload = result
        self.assertEqual(got, status, msg=payload)
        self.assertIn('error', payload)
        self.assertTrue(payload['error']['message'])
        if code:
            self.assertEqual(payload['error']['code'], code)
        return payload['error']

    def signup(self, **values):
        n = unique()
        body = {
            'email': f'customer{n}@example.com',
            'password': 'Secret-Pass-1',
            'name': f"Customer {n}",
            'mobile': f'+86 139{n:08d}',
            'address': {'subdivision': 'CN-ZJ', 'city': "杭州",
                'street': f"文一路 {n} 号"},
            }
        body.update(values)
        status, data = self.call('POST', 'auth/signup', body)
        self.assertEqual(status, 201, msg=data)
        return data['token'], body

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

    def free_slot(self, token, appliance=None, exclude=()):
        "A slot no other test booked: an engineer takes 2 visits a window"
        path = 'slots' + (f'?appliance={appliance}' if appliance else '')
        path += ('&' if appliance else '?') + 'to=2100-01-01'
        _, slots = self.call('GET', path, token=token, status=200)
        used = ApiMixin.used_slots
        for slot in slots:
            if (slot['id'] not in exclude and slot['id'] not in used
                    and slot['available'] >= 1
                    and slot['id'] != self.ids['tiny_slot']):
                used.add(slot['id'])
                return slot['id']
        self.fail("no free slot")

    def book(self, token, appliance, kind='repair', slot=None):
        slot = slot or self.free_slot(token, appliance)
        return self.call('POST', 'service-requests', {
                'kind': kind, 'appliance': appliance,
                'description': "空调不制冷", 'slot': slot,
                }, token=token, status=201)[1]

    def staff_token(self, login):
        _, data = self.call('POST', 'staff/login', {
                'login': login, 'password': PASSWORD}, status=200)
        return {'Authorization': f"Session {data['token']}"}

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


class PortalApiTestCase(ApiMixin, RouteTestCase):
    "Test the portal API"
    module = 'appliance_portal'
    extras = FEATURES
    language = 'zh_CN'
    ids = None

    @classmethod
    def setUpDatabase(cls):
        cls.ids = setup_portal_data()

    def setUp(self):
        super().setUp()
        # Failed logins sleep 2**n - 1 seconds: keep the tests fast
        self._max_attempt = config.get('session', 'max_attempt', default='5')
        self.addCleanup(
            config.set, 'session', 'max_attempt', self._max_attempt)

    # Accounts

    def test_signup_login_me_logout(self):
        "Sign up, sign in, read me and sign out"
        token, body = self.signup(language='zh_CN')
        _, me = self.call('GET', 'me', token=token, status=200)
        self.assertEqual(me['email'], body['email'])
        self.assertEqual(me['mobile'][:3], '+86')
        self.assertFalse(me['email_valid'])
        self.assertEqual(me['language'], 'zh_CN')
        self.assertEqual(me['address']['subdivision'], 'CN-ZJ')
        self.assertTrue(me['customer_number'])

        def source():
            Party = Pool().get('party.party')
            party, = Party.search([('mobile_number', '=', me['mobile'])])
            return party.customer_source
        self.assertEqual(self.in_transaction(source), 'portal')

        _, session = self.call('POST', 'auth/login', {
                'email': body['email'].upper(),
                'password': body['password']}, status=200)
        self.assertEqual(session['token_type'], 'Bearer')
        self.assertTrue(session['expires_at'].endswith('Z'))
        self.call('POST', 'auth/logout', token=session['token'], status=204)
        self.assertError(self.call('GET', 'me', token=session['token']),
            401, 'not_authenticated')
        self.call('GET', 'me', token=token, status=200)

    def test_not_authenticated(self):
        "Customer endpoints need a valid bearer token"
        for method, path in [('GET', 'me'), ('GET', 'appliances'),
                ('GET', 'service-requests'), ('POST', 'auth/logout'),
                ('GET', 'slots')]:
            with self.subTest(path=path):
                status, data = self.call(method, path)
                self.assertError((status, data), 401, 'not_authenticated')
        self.assertError(self.call('GET', 'me', token='x' * 64), 401)
        self.assertError(self.call('GET', 'me', headers={
                    'Authorization': 'Basic YWRtaW46YWRtaW4='}), 401)

    def test_signup_errors(self):
        "Sign-up refuses bad or duplicate data"
        token, body = self.signup()
        for values, status in [
                ({'email': 'not an email'}, 422),
                ({'email': body['email']}, 422),
                ({'mobile': body['mobile']}, 422),
                ({'mobile': '12'}, 422),
                ({'password': 'short'}, 400),
                ({'name': 42}, 400),
                ({'address': {'subdivision': 'XX-YY'}}, 422),
                ]:
            with self.subTest(values=values):
                n = unique()
                data = {
                    'email': f'other{n}@example.com',
                    'password': 'Secret-Pass-1',
                    'name': "Other",
                    'mobile': f'+86 137{n:08d}',
                    }
                data.update(values)
                self.assertError(
                    self.call('POST', 'auth/signup', data), status)
        error = self.assertError(self.call('POST', 'auth/signup', {
                    'email': 'x@example.com'}), 400, 'malformed')
        self.assertIn('password', error['message'])
        self.assertError(self.call('POST', 'auth/signup', raw='{"email":'),
            400, 'malformed')
        self.assertError(self.call('POST', 'auth/signup', raw='[1, 2]'),
            400, 'malformed')
        self.assertError(self.call('POST', 'auth/signup', {
                    'email': 'a\x00@example.com', 'password': 'Secret-Pass-1',
                    'name': "A", 'mobile': '13900000000'}), 400)

    def test_signup_mobile_of_existing_customer(self):
        "A mobile already on a customer entered by an agent is refused"
        n = unique()
        mobile = f'+86 136{n:08d}'

        def create():
            Party = Pool().get('party.party')
            Party.create([{'name': "Agent customer", 'mobile_number': mobile,
                        'customer_source': 'agent'}])
        self.in_transaction(create)
        error = self.assertError(self.call('POST', 'auth/signup', {
                    'email': f'dup{n}@example.com',
                    'password': 'Secret-Pass-1', 'name': "Dup",
                    'mobile': mobile}), 422)
        self.assertIn('customer service', error['message'])

    def test_login_errors_and_throttling(self):
        "Wrong credentials answer 401, then 429 after too many"
        token, body = self.signup()
        config.set('session', 'max_attempt', '1')
        self.assertError(self.call('POST', 'auth/login', {
                    'email': body['email'], 'password': 'wrong-password'}),
            401, 'invalid_credentials')
        self.assertError(self.call('POST', 'auth/login', {
                    'email': body['email'], 'password': 'wrong-password'}),
            401, 'invalid_credentials')
        self.assertError(self.call('POST', 'auth/login', {
                    'email': body['email'], 'password': body['password']}),
            429, 'too_many_attempts')
        self.assertError(self.call('POST', 'auth/login', {
                    'email': body['email']}), 400, 'malformed')
        # Control characters never reach the models
        self.assertError(self.call('POST', 'auth/login', {
                    'email': 'a\rb@example.com', 'password': 'x'}),
            400, 'malformed')

    def test_reset_password(self):
        "Reset the password with the token of the email"
        token, body = self.signup()
        self.call('POST', 'auth/reset-password', {'email': body['email']},
            status=202)
        self.call('POST', 'auth/reset-password', {
                'email': 'nobody@example.com'}, status=202)

        def reset_token():
            User = Pool().get('web.user')
            user, = User.search([('email', '=', body['email'])])
            return user.reset_password_token
        reset = self.in_transaction(reset_token)
        self.assertTrue(reset)
        self.assertError(self.call('POST', 'auth/set-password', {
                    'email': body['email'], 'token': 'wrong',
                    'password': 'New-Secret-2'}), 422)
        self.call('POST', 'auth/reset-password', {'email': body['email']},
            status=202)
        reset = self.in_transaction(reset_token)
        self.call('POST', 'auth/set-password', {
                'email': body['email'], 'token': reset,
                'password': 'New-Secret-2'}, status=200)
        self.call('POST', 'auth/login', {
                'email': body['email'], 'password': 'New-Secret-2'},
            status=200)

    def test_validate_email(self):
        "The token of the validation email validates the address"
        token, body = self.signup()

        def email_token():
            User = Pool().get('web.user')
            user, = User.search([('email', '=', body['email'])])
            return user.email_token
        self.assertError(self.call('POST', 'auth/validate-email', {
                    'token': 'wrong'}), 422)
        self.call('POST', 'auth/validate-email', {
                'token': self.in_transaction(email_token)}, status=200)
        _, me = self.call('GET', 'me', token=token, status=200)
        self.assertTrue(me['email_valid'])
        self.call('POST', 'auth/resend-validation', token=token, status=200)

    def test_me_patch(self):
        "Change profile, preferences and password"
        token, body = self.signup()
        _, me = self.call('PATCH', 'me', {
                'name': "新名字", 'language': 'zh_CN',
                'notification_consent': False, 'marketing_consent': True,
                'address': {'city': "宁波", 'district': "鄞州区"},
                }, token=token, status=200)
        self.assertEqual(me['name'], "新名字")
        self.assertEqual(me['language'], 'zh_CN')
        self.assertFalse(me['notification_consent'])
        self.assertTrue(me['marketing_consent'])
        self.assertEqual(me['address']['city'], "宁波")
        self.assertEqual(me['address']['subdivision'], 'CN-ZJ')
        self.assertError(self.call('PATCH', 'me', {
                    'password': 'Another-Pass-3',
                    'current_password': 'wrong'}, token=token), 422)
        self.call('PATCH', 'me', {
                'password': 'Another-Pass-3',
                'current_password': body['password']}, token=token,
            status=200)
        self.call('POST', 'auth/login', {
                'email': body['email'], 'password': 'Another-Pass-3'},
            status=200)
        other, other_body = self.signup()
        self.assertError(self.call('PATCH', 'me', {
                    'mobile': other_body['mobile']}, token=token), 422)
        self.assertError(self.call('PATCH', 'me', {
                    'notification_consent': 'no'}, token=token), 400)

    def test_error_language(self):
        "Errors are translated by Accept-Language"
        _, data = self.call('GET', 'me', headers={
                'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.5'})
        self.assertEqual(data['error']['code'], 'not_authenticated')
        self.assertIn('登录', data['error']['message'])
        _, data = self.call('GET', 'me', headers={
                'Accept-Language': 'en-US'})
        self.assertIn('Sign in', data['error']['message'])
        token, _ = self.signup(language='zh_CN')
        # Without Accept-Language the customer's language is used
        _, data = self.call('GET', 'appliances/999999', token=token)
        self.assertEqual(data['error']['message'], "未找到。")

    def test_unknown_paths(self):
        "Unknown paths, methods and databases answer JSON errors"
        self.assertError(self.call('GET', 'nothing/here'), 404, 'not_found')
        self.assertError(self.call('DELETE', 'me'), 405,
            'method_not_allowed')
        client = self.client()
        response = client.get('/no_such_database/api/v1/me')
        self.assertEqual(response.status_code, 404)
        self.assertEqual(
            json.loads(response.get_data())['error']['code'], 'not_found')

    def test_reference_data(self):
        "Subdivisions and models for the forms"
        _, subdivisions = self.call('GET', 'subdivisions', status=200)
        self.assertIn('CN-ZJ', [s['code'] for s in subdivisions])
        _, models = self.call('GET', 'appliance-models?q=KFR', status=200)
        self.assertEqual(models[0]['model_code'], MODEL_CODE)
        self.assertEqual(models[0]['serial_example'], 'GR123456')

    # Appliances

    def test_appliances(self):
        "Register appliances and read warranty and history"
        token, _ = self.signup()
        appliance = self.register(token, invoice_photo=PNG,
            invoice_photo_name='invoice.png', invoice_reference='INV-1')
        self.assertTrue(appliance['in_warranty'])
        self.assertEqual(appliance['invoice_photos'], ['invoice.png'])
        kinds = sorted(c['kind'] for c in appliance['coverages'])
        self.assertEqual(kinds, ['component', 'unit'])
        sale = dt.date.fromisoformat(appliance['sale_date'])
        unit, = [c for c in appliance['coverages'] if c['kind'] == 'unit']
        self.assertEqual(unit['start_date'], sale.isoformat())
        self.assertEqual(appliance['warranty_end_date'], unit['end_date'])

        old = self.register(token, sale_date='2015-01-01')
        self.assertFalse(old['in_warranty'])

        _, page = self.call('GET', 'appliances?limit=1', token=token,
            status=200)
        self.assertEqual(page['total'], 2)
        self.assertEqual(len(page['items']), 1)
        _, page = self.call('GET', 'appliances?limit=1&offset=1',
            token=token, status=200)
        self.assertEqual(page['items'][0]['id'], old['id'])
        _, page = self.call('GET', 'appliances?in_warranty=false',
            token=token, status=200)
        self.assertEqual([a['id'] for a in page['items']], [old['id']])
        future = (dt.datetime.utcnow() + dt.timedelta(hours=1)).isoformat()
        _, page = self.call('GET', f'appliances?updated_since={future}Z',
            token=token, status=200)
        self.assertEqual(page['total'], 0)
        self.assertError(self.call('GET', 'appliances?limit=1000',
                token=token), 400)
        self.assertError(self.call('GET', 'appliances?updated_since=x',
                token=token), 400)

        _, detail = self.call('GET', f"appliances/{appliance['id']}",
            token=token, status=200)
        self.assertEqual(detail['serial_number'], appliance['serial_number'])
        self.assertEqual(detail['service_history'], [])
        self.assertError(self.call('GET', 'appliances/999999', token=token),
            404, 'not_found')

    def test_appliance_validation(self):
        "The registry rules answer 422"
        token, _ = self.signup()
        appliance = self.register(token)
        tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
        for values in [
                {'serial_number': appliance['serial_number']},
                {'serial_number': 'BAD-SERIAL'},
                {'sale_date': tomorrow},
                {'model_code': 'NO-SUCH-MODEL'},
                {'installation_date': '2000-01-01'},
                ]:
            with self.subTest(values=values):
                body = {
                    'model_code': MODEL_CODE,
                    'serial_number': f'GR{unique():06d}',
                    'sale_date': '2024-05-01',
                    }
                body.update(values)
                self.assertError(self.call('POST', 'appliances', body,
                        token=token), 422, 'validation')
        for values in [{'sale_date': '2024-13-01'},
                {'serial_number': None}, {'invoice_photo': '***'},
                {'purchase_channel': 'street'}]:
            with self.subTest(values=values):
                body = {'model_code': MODEL_CODE, 'serial_number': 'GR1',
                    'sale_date': '2024-05-01'}
                body.update(values)
                self.assertError(self.call('POST', 'appliances', body,
                        token=token), 400, 'malformed')
        _, page = self.call('GET', 'appliances', token=token, status=200)
        self.assertEqual(page['total'], 1)

    # Slots and requests

    def test_slots(self):
        "Slots of the customer's region from today on"
        token, _ = self.signup()
        appliance = self.register(token)
        _, slots = self.call('GET', f"slots?appliance={appliance['id']}",
            token=token, status=200)
        self.assertTrue(slots)
        today = dt.date.today().isoformat()
        self.assertTrue(all(s['date'] >= today for s in slots))
        self.assertTrue(all(s['available'] > 0 for s in slots))
        last = (dt.date.today() + dt.timedelta(days=2)).isoformat()
        _, window = self.call('GET', f'slots?from=2000-01-01&to={last}',
            token=token, status=200)
        self.assertTrue(all(s['date'] <= last for s in window))
        self.assertLess(len(window), len(slots))
        self.assertError(self.call('GET', 'slots?from=tomorrow',
                token=token), 400)
        self.assertError(self.call('GET', 'slots?appliance=999999',
                token=token), 404)
        # Outside any service region: nothing to book
        other, _ = self.signup(address={'subdivision': 'CN-JS'})
        _, none = self.call('GET', 'slots', token=other, status=200)
        self.assertEqual(none, [])

    def test_repair_booking(self):
        "Book, follow, reschedule and cancel a repair"
        token, _ = self.signup()
        appliance = self.register(token)
        slot = self.free_slot(token, appliance['id'])
        request = self.book(token, appliance['id'], slot=slot)
        self.assertEqual(request['state'], 'in_progress')
        self.assertEqual(request['kind'], 'repair')
        visit, = request['visits']
        self.assertEqual(visit['state'], 'scheduled')
        self.assertEqual(visit['slot'], slot)
        self.assertTrue(visit['next_step'])
        self.assertEqual(len(request['timeline']), 1)
        self.assertTrue(request['can_cancel'])
        self.assertTrue(request['can_reschedule'])

        _, page = self.call('GET', 'service-requests', token=token,
            status=200)
        self.assertEqual([r['id'] for r in page['items']], [request['id']])
        _, page = self.call('GET', 'service-requests?kind=complaint',
            token=token, status=200)
        self.assertEqual(page['total'], 0)

        other = self.free_slot(token, appliance['id'], exclude=[slot])
        _, moved = self.call('POST',
            f"service-requests/{request['id']}/reschedule", {'slot': other},
            token=token, status=200)
        self.assertEqual(moved['visits'][0]['slot'], other)
        self.assertEqual(len(moved['timeline']), 2)
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/reschedule",
                {'slot': other}, token=token), 422)
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/reschedule",
                {'slot': 'x'}, token=token), 400)

        _, cancelled = self.call('POST',
            f"service-requests/{request['id']}/cancel", token=token,
            status=200)
        self.assertEqual(cancelled['state'], 'cancelled')
        self.assertEqual(cancelled['visits'][0]['state'], 'cancelled')
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/cancel", token=token),
            409, 'wrong_state')
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/reschedule",
                {'slot': slot}, token=token), 409, 'wrong_state')

    def test_slot_full(self):
        "The last place goes to one customer; the other gets 409"
        token_a, _ = self.signup()
        token_b, _ = self.signup()
        appliance_a = self.register(token_a)
        appliance_b = self.register(token_b)
        tiny = self.ids['tiny_slot']
        self.book(token_a, appliance_a['id'], slot=tiny)
        error = self.assertError(self.call('POST', 'service-requests', {
                    'kind': 'repair', 'appliance': appliance_b['id'],
                    'description': "Broken", 'slot': tiny},
                token=token_b), 409, 'slot_full')
        self.assertTrue(error['message'])
        _, page = self.call('GET', 'service-requests', token=token_b,
            status=200)
        self.assertEqual(page['total'], 0)
        # Rescheduling into the full slot is refused too
        request = self.book(token_b, appliance_b['id'])
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/reschedule",
                {'slot': tiny}, token=token_b), 409, 'slot_full')

    def test_request_validation(self):
        "Bad service requests are refused with nothing saved"
        token, _ = self.signup()
        appliance = self.register(token)
        for body, status in [
                ({'kind': 'repair', 'description': "x"}, 422),
                ({'kind': 'repair', 'description': "x",
                    'appliance': appliance['id']}, 422),
                ({'kind': 'repair', 'description': "x",
                    'appliance': appliance['id'], 'slot': 999999}, 422),
                ({'kind': 'teleport', 'description': "x"}, 400),
                ({'kind': 'repair'}, 400),
                ({'kind': 'repair', 'description': "x",
                    'appliance': 999999}, 404),
                ]:
            with self.subTest(body=body):
                self.assertError(self.call('POST', 'service-requests', body,
                        token=token), status)
        _, page = self.call('GET', 'service-requests', token=token,
            status=200)
        self.assertEqual(page['total'], 0)

    def test_consultation_and_complaint(self):
        "Consultations and complaints get their replies"
        token, _ = self.signup()
        _, consultation = self.call('POST', 'service-requests', {
                'kind': 'consultation',
                'description': "How do I clean the filter?\nIt smells."},
            token=token, status=201)
        self.assertEqual(consultation['state'], 'open')
        self.assertEqual(consultation['visits'], [])
        self.assertIsNone(consultation['reply'])
        self.assertError(self.call('POST',
                f"service-requests/{consultation['id']}/satisfaction",
                {'satisfaction': 5}, token=token), 409)
        self.in_transaction(resolve_request, consultation['id'],
            "Rinse it with water every month.")
        _, answered = self.call('GET',
            f"service-requests/{consultation['id']}", token=token,
            status=200)
        self.assertEqual(answered['state'], 'resolved')
        self.assertEqual(answered['reply'], "Rinse it with water every month.")
        _, rated = self.call('POST',
            f"service-requests/{consultation['id']}/satisfaction",
            {'satisfaction': 4}, token=token, status=200)
        self.assertEqual(rated['satisfaction'], '4')
        self.assertError(self.call('POST',
                f"service-requests/{consultation['id']}/satisfaction",
                {'satisfaction': 9}, token=token), 400)
        _, complaint = self.call('POST', 'service-requests', {
                'kind': 'complaint', 'description': "Engineer was late"},
            token=token, status=201)
        self.assertEqual(complaint['kind'], 'complaint')

    def test_quote_decision(self):
        "Out-of-warranty work: the customer sees the charges and decides"
        token, _ = self.signup()
        appliance = self.register(token, sale_date='2015-06-01')
        self.assertFalse(appliance['in_warranty'])
        request = self.book(token, appliance['id'])
        visit = request['visits'][0]
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/quote",
                {'decision': 'accept'}, token=token), 409, 'wrong_state')

        def propose(order_id):
            pool = Pool()
            WorkOrder = pool.get('appliance.work_order')
            Template = pool.get('product.template')
            Configuration = pool.get('appliance.configuration')
            ModelData = pool.get('ir.model.data')
            fee, = Template.create([{
                        'name': "Call-out fee", 'type': 'service',
                        'default_uom': ModelData.get_id('product', 'uom_unit'),
                        'list_price': Decimal(50),
                        'products': [('create', [{}])],
                        }])
            config = Configuration(1)
            config.call_out_product = fee.products[0]
            config.save()
            order = WorkOrder(order_id)
            WorkOrder.compute_charges([order])
            WorkOrder.propose_quote([order])
            config.call_out_product = None
            config.save()
        self.in_transaction(propose, visit['id'])
        _, proposed = self.call('GET', f"service-requests/{request['id']}",
            token=token, status=200)
        visit = proposed['visits'][0]
        self.assertEqual(visit['quote_state'], 'proposed')
        self.assertEqual(visit['warranty_status'], 'not_covered')
        self.assertEqual(len(visit['charges']), 1)
        self.assertEqual(Decimal(visit['quote_amount']), Decimal(50))
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/quote",
                {'decision': 'maybe'}, token=token), 400)
        _, accepted = self.call('POST',
            f"service-requests/{request['id']}/quote",
            {'decision': 'accept'}, token=token, status=200)
        self.assertEqual(accepted['visits'][0]['quote_state'], 'accepted')
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/quote",
                {'decision': 'decline'}, token=token), 409)

    def test_static_pages(self):
        "trytond serves the portal and the engineer pages"
        client = self.client()
        for path, marker in [('portal/', 'app.js'),
                ('engineer/', 'engineer.js'),
                ('portal/common.js', 'createClient'),
                ('portal/app.css', '--brand')]:
            with self.subTest(path=path):
                response = client.get(f'/{self.db_name}/{path}')
                self.assertEqual(response.status_code, 200)
                self.assertIn(marker, response.get_data(as_text=True))
        self.assertIn('script-src', client.get(
                f'/{self.db_name}/portal/').headers[
                'Content-Security-Policy'])
        for path in ['portal/../tryton.cfg', 'portal/nothing.js',
                'engineer/%2e%2e/api.py']:
            with self.subTest(path=path):
                self.assertEqual(client.get(
                        f'/{self.db_name}/{path}').status_code, 404)
        self.assertEqual(client.get(
                '/no_such_database/portal/').status_code, 404)
        self.assertEqual(client.get(
                f'/{self.db_name}/portal').status_code, 302)

    # Staff

    def test_staff_authentication(self):
        "Staff sign in by session, login or user application key"
        headers = self.staff_token('agent')
        _, me = self.call('GET', 'staff/me', headers=headers, status=200)
        self.assertEqual(me['login'], 'agent')
        # Errors in the language of the header, else of the user
        error = self.assertError(self.call('GET', 'staff/work-orders/999999',
                headers={**headers, 'Accept-Language': 'en'}), 404)
        self.assertEqual(error['message'], "Not found.")
        self.assertFalse(me['engineer'])
        basic = base64.b64encode(f'engineer:{PASSWORD}'.encode()).decode()
        _, me = self.call('GET', 'staff/me', headers={
                'Authorization': f'Basic {basic}'}, status=200)
        self.assertTrue(me['engineer'])

        def application_key():
            UserApplication = Pool().get('res.user.application')
            application, = UserApplication.create([{
                        'user': self.ids['agent'], 'application': 'rest',
                        'state': 'validated'}])
            return application.key
        key = self.in_transaction(application_key)
        self.call('GET', 'staff/me', token=key, status=200)
        self.assertError(self.call('GET', 'staff/me', token='nope'), 401)
        self.assertError(self.call('POST', 'staff/login', {
                    'login': 'agent', 'password': 'wrong'}), 401,
            'invalid_credentials')
        token, _ = self.signup()
        # A customer token is no staff credential
        self.assertError(self.call('GET', 'staff/work-orders', token=token),
            401)
        self.call('POST', 'staff/logout', headers=headers, status=204)
        self.assertError(self.call('GET', 'staff/me', headers=headers), 401)

    def test_staff_work_order_flow(self):
        "Dispatch, progress, complete and rate through the staff API"
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'])
        order_id = request['visits'][0]['id']
        agent = self.staff_token('agent')
        engineer = self.staff_token('engineer')
        engineer2 = self.staff_token('engineer2')

        _, page = self.call('GET', 'staff/work-orders?state=scheduled',
            headers=agent, status=200)
        self.assertIn(order_id, [o['id'] for o in page['items']])
        _, page = self.call('GET',
            f"staff/work-orders?request={request['id']}&limit=5",
            headers=agent, status=200)
        self.assertEqual(page['total'], 1)
        self.assertError(self.call('GET', 'staff/work-orders?state=bogus',
                headers=agent), 400)

        # Engineers may not dispatch
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/dispatch',
                {'engineer': self.ids['engineer']}, headers=engineer), 404)
        _, order = self.call('POST', f'staff/work-orders/{order_id}/dispatch',
            {'engineer': self.ids['engineer']}, headers=agent, status=200)
        self.assertEqual(order['state'], 'dispatched')
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/dispatch',
                {'engineer': self.ids['engineer']}, headers=agent), 409)

        # Only the assigned engineer sees the order
        _, mine = self.call('GET', 'staff/work-orders?mine=true&open=true'
            '&order=appointment', headers=engineer, status=200)
        self.assertIn(order_id, [o['id'] for o in mine['items']])
        _, theirs = self.call('GET', 'staff/work-orders', headers=engineer2,
            status=200)
        self.assertNotIn(order_id, [o['id'] for o in theirs['items']])
        self.assertError(self.call('GET', f'staff/work-orders/{order_id}',
                headers=engineer2), 404)

        _, detail = self.call('GET', f'staff/work-orders/{order_id}',
            headers=engineer, status=200)
        self.assertEqual(detail['appliance']['id'], appliance['id'])
        self.assertTrue(detail['in_warranty'])
        self.assertIn('depart', detail['actions'])

        self.call('POST', f'staff/work-orders/{order_id}/progress',
            {'action': 'depart', 'note': "Leaving now", 'public': True},
            headers=engineer, status=200)
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/complete', {},
                headers=engineer), 409, 'wrong_state')
        self.call('POST', f'staff/work-orders/{order_id}/progress',
            {'action': 'start'}, headers=engineer, status=200)
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/progress',
                {'action': 'start'}, headers=engineer), 409, 'wrong_state')
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/progress',
                {'action': 'fly'}, headers=engineer), 400)

        _, customer_view = self.call('GET',
            f"service-requests/{request['id']}", token=token, status=200)
        self.assertEqual(customer_view['engineer'], '王师傅')
        descriptions = [e['description'] for e in customer_view['timeline']]
        self.assertIn("Leaving now", descriptions)
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/cancel", token=token),
            409, 'wrong_state')

        if 'fault_type' in self.ids:
            # A repair needs its fault type: nothing is saved without
            self.assertError(self.call('POST',
                    f'staff/work-orders/{order_id}/complete',
                    {'labour_hours': 1.5}, headers=engineer), 422)
            self.assertError(self.call('POST',
                    f'staff/work-orders/{order_id}/complete',
                    {'fault_type': 'NOPE', 'labour_hours': 1},
                    headers=engineer), 422)
            _, fault_types = self.call('GET',
                f'staff/fault-types?work_order={order_id}',
                headers=engineer, status=200)
            self.assertEqual(fault_types[0]['code'], self.ids['fault_type'])
        body = {
            'labour_hours': 1.5,
            'root_cause': "Capacitor worn out",
            'notes': "Replaced the capacitor",
            'parts': [{'code': 'CAP35', 'quantity': 1}],
            'all_steps_done': True,
            'extra_steps': ["Cleaned the filter"],
            'photos': [{'name': 'after.png', 'data': PNG}],
            'signature': PNG,
            }
        if 'fault_type' in self.ids:
            body['fault_type'] = self.ids['fault_type']
        _, done = self.call('POST', f'staff/work-orders/{order_id}/complete',
            body, headers=engineer, status=200)
        self.assertEqual(done['state'], 'done')
        self.assertEqual(done['parts'][0]['code'], 'CAP35')

        _, record = self.call('GET', f"staff/maintenance-record?serial="
            f"{appliance['serial_number'].lower()}", headers=agent,
            status=200)
        entry, = record
        self.assertEqual(entry['history'][0]['id'], order_id)
        self.assertEqual(entry['history'][0]['root_cause'],
            "Capacitor worn out")
        self.assertError(self.call('GET', 'staff/maintenance-record',
                headers=agent), 400)

        _, detail = self.call('GET', f"appliances/{appliance['id']}",
            token=token, status=200)
        self.assertEqual(detail['service_history'][0]['state'], 'done')

        _, rated = self.call('POST',
            f"service-requests/{request['id']}/rating", {
                'overall': 5, 'punctuality': 4, 'attitude': 5, 'quality': 5,
                'comment': "准时，专业"}, token=token, status=201)
        self.assertEqual(rated['visits'][0]['rating']['punctuality'], 4)
        self.assertFalse(rated['visits'][0]['can_rate'])
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/rating",
                {'overall': 3}, token=token), 409, 'already_rated')
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/rating',
                {'overall': 3}, headers=engineer), 409, 'already_rated')
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/rating",
                {'overall': 6}, token=token), 400)

    def test_staff_create_order_and_rating_on_device(self):
        "Staff create the order of a request; the customer rates on site"
        token, _ = self.signup()
        appliance = self.register(token)
        agent = self.staff_token('agent')
        engineer = self.staff_token('engineer')
        _, consultation = self.call('POST', 'service-requests', {
                'kind': 'consultation', 'description': "Noise"},
            token=token, status=201)
        self.assertError(self.call('POST',
                f"staff/service-requests/{consultation['id']}/work-orders",
                {}, headers=agent), 409, 'wrong_state')
        request = self.book(token, appliance['id'], kind='maintenance')
        slot = self.free_slot(token, appliance['id'])
        _, order = self.call('POST',
            f"staff/service-requests/{request['id']}/work-orders",
            {'slot': slot}, headers=agent, status=201)
        self.assertEqual(order['state'], 'scheduled')
        self.assertEqual(order['kind'], 'maintenance')
        self.assertError(self.call('POST',
                f"staff/service-requests/{request['id']}/work-orders",
                {'slot': self.ids['tiny_slot']}, headers=agent), 409)
        self.assertError(self.call('POST',
                'staff/service-requests/999999/work-orders', {},
                headers=agent), 404)
        _, engineers = self.call('GET', 'staff/engineers', headers=agent,
            status=200)
        self.assertIn(self.ids['engineer'], [e['id'] for e in engineers])
        order_id = order['id']
        self.call('POST', f'staff/work-orders/{order_id}/dispatch',
            {'engineer': self.ids['engineer']}, headers=agent, status=200)
        self.call('POST', f'staff/work-orders/{order_id}/progress',
            {'action': 'start'}, headers=engineer, status=200)
        self.call('POST', f'staff/work-orders/{order_id}/complete',
            {'labour_hours': 0.5, 'all_steps_done': True},
            headers=engineer, status=200)
        status, rated = self.call('POST',
            f'staff/work-orders/{order_id}/rating',
            {'overall': 5, 'comment': "Great"}, headers=engineer)
        self.assertEqual(status, 201, msg=rated)
        self.assertEqual(rated['rating']['overall'], 5)

    def test_staff_auto_dispatch(self):
        "Dispatch without a named engineer chooses one"
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'])
        order_id = request['visits'][0]['id']
        agent = self.staff_token('agent')
        status, order = self.call('POST',
            f'staff/work-orders/{order_id}/dispatch', {}, headers=agent)
        self.assertEqual(status, 200, msg=order)
        self.assertEqual(order['state'], 'dispatched')
        self.assertIn(order['engineer'],
            [self.ids['engineer'], self.ids['engineer2']])

    def test_staff_waiting_and_cancel(self):
        "The engineer waits for parts; customer service cancels"
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'])
        order_id = request['visits'][0]['id']
        agent = self.staff_token('agent')
        engineer = self.staff_token('engineer')
        self.call('POST', f'staff/work-orders/{order_id}/dispatch',
            {'engineer': self.ids['engineer']}, headers=agent, status=200)
        self.call('POST', f'staff/work-orders/{order_id}/progress',
            {'action': 'start'}, headers=engineer, status=200)
        _, order = self.call('POST', f'staff/work-orders/{order_id}/progress',
            {'action': 'wait_parts', 'note': "Compressor ordered"},
            headers=engineer, status=200)
        self.assertEqual(order['state'], 'waiting')
        self.assertIn('resume', order['actions'])
        self.assertFalse(order['timeline'][-1]['public'])
        _, order = self.call('POST', f'staff/work-orders/{order_id}/progress',
            {'action': 'cancel'}, headers=agent, status=200)
        self.assertEqual(order['state'], 'cancelled')
        _, view = self.call('GET', f"service-requests/{request['id']}",
            token=token, status=200)
        self.assertNotIn("Compressor ordered",
            [e['description'] for e in view['timeline']])

    def test_staff_forbidden(self):
        "Engineers may not call what their group may not do"
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'])
        order_id = request['visits'][0]['id']
        agent = self.staff_token('agent')
        self.call('POST', f'staff/work-orders/{order_id}/dispatch',
            {'engineer': self.ids['engineer']}, headers=agent, status=200)
        engineer = self.staff_token('engineer')
        # The engineer sees the order but may not cancel it
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/progress',
                {'action': 'cancel'}, headers=engineer), 403, 'forbidden')
        self.assertError(self.call('POST',
                f"staff/service-requests/{request['id']}/work-orders", {},
                headers=engineer), 403, 'forbidden')

    # Isolation

    def test_cross_customer_isolation(self):
        "Customer B can never read nor change customer A's records"
        token_a, _ = self.signup()
        token_b, _ = self.signup()
        appliance = self.register(token_a)
        request = self.book(token_a, appliance['id'])
        slot = self.free_slot(token_b)
        a_id, r_id = appliance['id'], request['id']
        for method, path, body in [
                ('GET', f'appliances/{a_id}', None),
                ('GET', f'slots?appliance={a_id}', None),
                ('GET', f'service-requests/{r_id}', None),
                ('POST', f'service-requests/{r_id}/cancel', None),
                ('POST', f'service-requests/{r_id}/reschedule',
                    {'slot': slot}),
                ('POST', f'service-requests/{r_id}/rating', {'overall': 1}),
                ('POST', f'service-requests/{r_id}/satisfaction',
                    {'satisfaction': 1}),
                ('POST', f'service-requests/{r_id}/quote',
                    {'decision': 'decline'}),
                ('POST', 'service-requests', {'kind': 'repair',
                        'appliance': a_id, 'description': "mine now",
                        'slot': slot}),
                ]:
            with self.subTest(method=method, path=path):
                status, data = self.call(method, path, body, token=token_b)
                self.assertEqual(status, 404, msg=data)
                self.assertNotIn(appliance['serial_number'],
                    json.dumps(data))
        for path in ['appliances', 'service-requests']:
            _, page = self.call('GET', path, token=token_b, status=200)
            self.assertEqual(page['total'], 0)
        # A's records are unchanged
        _, still = self.call('GET', f'service-requests/{r_id}',
            token=token_a, status=200)
        self.assertEqual(still['state'], request['state'])
        self.assertEqual(still['visits'][0]['slot'],
            request['visits'][0]['slot'])

    # OpenAPI

    def test_openapi(self):
        "The OpenAPI document lists every route"
        from ..api import ROUTES
        _, document = self.call('GET', 'openapi.json', status=200)
        self.assertEqual(document['openapi'][:2], '3.')
        for entry in ROUTES:
            if not entry['public']:
                continue
            path = '/' + entry['path']
            for converter in ['<int:appliance_id>', '<int:request_id>',
                    '<int:order_id>']:
                path = path.replace(converter,
                    '{' + converter[5:-1] + '}')
            with self.subTest(path=path):
                self.assertIn(entry['method'].lower(),
                    document['paths'][path])
        self.assertIn('Error', document['components']['schemas'])
        self.assertIn('/model/{name}', document['paths'])

        def refs(value):
            if isinstance(value, dict):
                for key, item in value.items():
                    if key == '$ref':
                        yield item
                    else:
                        yield from refs(item)
            elif isinstance(value, list):
                for item in value:
                    yield from refs(item)
        for ref in set(refs(document)):
            _, _, kind, name = ref.split('/')
            self.assertIn(name, document['components'][kind])


if __name__ == '__main__':
    unittest.main()

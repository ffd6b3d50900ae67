# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
"""Each control of issue 14 §9 proven by trying to break it, through the
JSON API as an attacker would.

- SQL meta-characters, control characters and oversized input in EVERY
  field of every API body and query (the fields are read from the routes'
  pydantic models, so a new field is tried too): never a 5xx; control
  characters and oversized text refused with 422 (or 413) naming the
  field, in the caller's language (zh_CN tried); SQL meta-characters are
  only text (stored as sent, or refused as invalid); nothing is left
  behind by a refused request (the counts of the records do not move) and
  the tables are still there.
- A wrong, an expired and a replayed TOTP code, and a reused recovery
  code, at the customer login of the API.
- A reused and an expired password reset link, a reused SMS reset code.
- An expired role: its user signs in but the staff routes refuse it.
- A brute-force burst on the staff login: throttled (429) even with the
  right password, and the administrators alerted.

The other items of §9 are tested where their code is:

- wrong, expired and replayed TOTP of the staff, reused recovery code:
  appliance_security test_module (test_totp_login,
  test_recovery_code_single_use, test_web_user_login_log_and_totp);
- expired and reused reset link (staff and web users): appliance_security
  test_reset_password_single_use, test_reset_password_expired,
  test_web_user_reset_email_token, test_web_user_reset_sms;
- expired role: appliance_security test_role_expired;
- brute force per account and per IP: appliance_security
  test_brute_force_throttled_and_alerted, test_ip_throttled; the portal's
  test_login_errors_and_throttling;
- a customer token on staff routes and the reverse, customer A on B's
  ids: tests/test_access_routes.py (every route);
- a raw database read: appliance_security test_field_encryption
  (test_raw_database_holds_ciphertext);
- a revoked trusted device: appliance_security test_trusted_device.
"""
import datetime as dt
import json
import re
import time
import unittest
from unittest.mock import patch

from trytond.modules.appliance_portal.api import ROUTES
from trytond.modules.appliance_portal.tests.api_client import ApiMixin, unique
from trytond.modules.appliance_portal.tests.tools import (
    MODEL_CODE, PASSWORD, PortalTestMixin, set_config)
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase

MISSING_ID = 2 ** 31 - 2
SQL = [
    "' OR '1'='1' --",
    "1; DROP TABLE web_user; --",
    '" UNION SELECT password_hash FROM res_user --',
    "%' AND 1=(SELECT COUNT(*) FROM ir_model) AND '%'='",
    ]
CONTROLS = ['a\x00b', 'a\x1bb', 'a\x7fb']
# Records a refused request must not leave behind
COUNTED = ['web.user', 'party.party', 'appliance.appliance',
    'appliance.service.request', 'appliance.work_order',
    'appliance.rating']
CJK = re.compile('[\u4e00-\u9fff]')


def resolve(schema, defs):
    while '$ref' in schema:
        schema = defs[schema['$ref'].rsplit('/', 1)[1]]
    return schema


def options(schema, defs):
    "The schemas a value may follow (anyOf without null)"
    schema = resolve(schema, defs)
    if 'anyOf' in schema:
        return [resolve(s, defs) for s in schema['anyOf']
            if s.get('type') != 'null']
    return [schema]


def string_fields(schema, defs, prefix=()):
    """The (path, schema) of every text field of a JSON schema, nested
    objects and lists included"""
    for option in options(schema, defs):
        kind = option.get('type')
        if kind == 'string' and 'enum' not in option:
            yield prefix, option
        elif kind == 'object':
            for name, child in option.get('properties', {}).items():
                yield from string_fields(child, defs, prefix + (name,))
        elif kind == 'array' and 'items' in option:
            yield from string_fields(option['items'], defs, prefix + (0,))


def example(schema, defs, name=''):
    "A value the schema accepts"
    schema = options(schema, defs)[0]
    if 'const' in schema:
        return schema['const']
    if 'enum' in schema:
        return schema['enum'][0]
    kind = schema.get('type')
    if kind == 'object':
        return {key: example(child, defs, key)
            for key, child in schema.get('properties', {}).items()
            if key in schema.get('required', [])}
    if kind == 'array':
        return [example(schema['items'], defs, name)
            for _ in range(schema.get('minItems', 0))]
    if kind == 'integer':
        return max(1, schema.get('minimum', 1))
    if kind == 'number':
        return 1
    if kind == 'boolean':
        return True
    return TEXTS.get(name) or TEXTS.get(schema.get('format')) or 'x' * max(
        1, schema.get('minLength', 1))


TEXTS = {
    'email': 'fuzz@example.com',
    'password': 'Fuzz-Secret-9!q',
    'new_password': 'Fuzz-Secret-8!q',
    'mobile': '+86 13900000000',
    'model_code': MODEL_CODE,
    'serial_number': 'GR000001',
    'date': dt.date.today().isoformat(),
    'sale_date': (dt.date.today() - dt.timedelta(days=10)).isoformat(),
    'date-time': dt.datetime.now().replace(microsecond=0).isoformat(),
    }


def set_path(value, path, leaf, schema, defs):
    """A copy of value with leaf at path; the containers missing on the way
    are made as the schema wants them (a list gets one valid item)"""
    if not path:
        return leaf
    key, rest = path[0], path[1:]
    schema = next((o for o in options(schema, defs)
            if o.get('type') == ('array' if isinstance(key, int)
                else 'object')), {})
    if isinstance(key, int):
        child = schema.get('items', {})
        items = list(value) if isinstance(value, list) else []
        if not items:
            items.append(example(child, defs))
        items[key] = set_path(items[key], rest, leaf, child, defs)
        return items
    child = schema.get('properties', {}).get(key, {})
    result = dict(value) if isinstance(value, dict) else {}
    if key not in result and rest:
        result[key] = example(child, defs, key)
    result[key] = set_path(result.get(key), rest, leaf, child, defs)
    return result


class SecurityBreaksTestCase(PortalTestMixin, ApiMixin, RouteTestCase):
    "Try to break each control through the API"

    def setUp(self):
        super().setUp()
        # The throttling of the logins is tried on its own
        set_config(self, 'session', 'max_attempt', '100000')

    def counts(self):
        def count():
            pool = Pool()
            counts = {}
            for name in COUNTED:
                try:
                    Model = pool.get(name)
                except KeyError:
                    # A module the portal does not activate
                    continue
                counts[name] = Model.search([], count=True)
            return counts
        return self.in_transaction(count)

    def headers_for(self, entry, customer, staff):
        if entry.auth == 'customer':
            return {'Authorization': f'Bearer {customer}'}
        if entry.auth == 'staff':
            return dict(staff)
        return {}

    def path_of(self, entry):
        return re.sub(r'<int:\w+>', str(MISSING_ID), entry.path)

    # Every field

    def test_every_field(self):
        """SQL meta-characters, control characters and oversized text in
        every field of every body and query"""
        # The answers that must not tell an account exists wait a random
        # time: not here
        sleep = patch('time.sleep')
        sleep.start()
        self.addCleanup(sleep.stop)
        customer, _ = self.signup()
        staff = self.staff_token('agent')
        tried = 0
        for entry in ROUTES:
            if entry.path in {'auth/logout', 'staff/logout'}:
                continue
            headers = self.headers_for(entry, customer, staff)
            for where, model in [('body', entry.body),
                    ('query', entry.query)]:
                if model is None:
                    continue
                schema = model.model_json_schema()
                defs = schema.get('$defs', {})
                base = example(schema, defs)
                for path, field in string_fields(schema, defs):
                    name = '.'.join(map(str, path))
                    for kind, value in self.payloads(field):
                        with self.subTest(route=f'{entry.method} '
                                f'{entry.path}', field=name, kind=kind):
                            self.try_value(entry, headers, where,
                                set_path(base, path, value, schema, defs),
                                name, kind)
                            tried += 1
        self.assertGreater(tried, 200)
        print(f"\n{tried} values tried in the fields of {len(ROUTES)} "
            "routes, no 5xx")
        # The tables are all there and readable
        self.assertTrue(all(isinstance(n, int)
                for n in self.counts().values()))

    def payloads(self, field):
        for value in SQL:
            yield 'sql', value
        for value in CONTROLS:
            yield 'control', value
        limit = field.get('maxLength')
        if limit:
            yield 'oversized', 'x' * (limit + 1)
        yield 'huge', 'x' * 200_000

    def try_value(self, entry, headers, where, data, name, kind):
        path = self.path_of(entry)
        body = None
        if where == 'query':
            from urllib.parse import urlencode
            path += '?' + urlencode(
                {k: v for k, v in data.items() if not isinstance(v, dict)})
            if entry.method in {'POST', 'PATCH', 'PUT'}:
                body = example(*self._schema(entry.body)) if entry.body else {}
        else:
            body = data
        before = self.counts()
        status, payload = self.call(entry.method, path, body,
            headers={**headers, 'Accept-Language': 'zh-CN'})
        where_ = f'{entry.method} {path} {name} {kind}: {status} {payload}'
        self.assertLess(status, 500, msg=where_)
        if status >= 400:
            self.assertIn('error', payload, msg=where_)
            message = payload['error']['message']
            self.assertTrue(message, msg=where_)
            # Translated: in Chinese for a zh-CN caller
            self.assertRegex(message, CJK, msg=where_)
            self.assertEqual(self.counts(), before,
                msg=f"{where_}: records left behind")
        if kind in {'control', 'oversized'}:
            self.assertIn(status, {413, 422}, msg=where_)
            if status == 422 and payload['error'].get('field'):
                self.assertEqual(payload['error']['field'], name, msg=where_)
        elif kind == 'huge':
            self.assertIn(status, {413, 414, 422, 431}, msg=where_)
        text = json.dumps(payload, ensure_ascii=False)
        # Never an SQL error nor a trace in the answer
        for leak in ['Traceback', 'syntax error', 'psycopg', 'sqlite3',
                'OperationalError']:
            self.assertNotIn(leak, text, msg=where_)

    @staticmethod
    def _schema(model):
        schema = model.model_json_schema()
        return schema, schema.get('$defs', {})

    def test_sql_text_stored_as_sent(self):
        "SQL meta-characters in a name are kept as text, to the byte"
        token, _ = self.signup()
        for value in SQL:
            with self.subTest(value=value):
                _, me = self.call('PATCH', 'me', {'name': value},
                    token=token, status=200)
                self.assertEqual(me['name'], value)
                _, again = self.call('GET', 'me', token=token, status=200)
                self.assertEqual(again['name'], value)
        self.assertGreater(self.count('web.user'), 0)

    def test_id_in_path(self):
        "SQL and oversized ids in a path are not found, never an error"
        token, _ = self.signup()
        for value in ["1'%20OR%20'1'='1", '1;DROP', '-1', '0',
                str(2 ** 31), str(2 ** 64), '1e3', '%00']:
            for path in [f'appliances/{value}',
                    f'service-requests/{value}/cancel']:
                with self.subTest(path=path):
                    method = 'GET' if path.startswith('appl') else 'POST'
                    status, payload = self.call(method, path, token=token)
                    self.assertEqual(status, 404, msg=payload)

    # Second factor of the customers

    def enrol_totp(self, email):
        import pyotp

        def enrol():
            User = Pool().get('web.user')
            user, = User.search([('email', '=', email)])
            secret = user.totp_enrol()['secret']
            codes = user.totp_confirm(pyotp.TOTP(secret).at(
                    time.time() - 30))
            return secret, codes
        secret, codes = self.in_transaction(enrol)
        return pyotp.TOTP(secret), codes

    def login_log(self, login):
        def reasons():
            Log = Pool().get('appliance.security.login.log')
            return [r.reason for r in Log.search([('login', '=', login)],
                    order=[('id', 'DESC')], limit=1)]
        return self.in_transaction(reasons)

    def test_totp_wrong_expired_replayed(self):
        "A wrong, an expired and a replayed code are refused at the login"
        _, body = self.signup()
        totp, codes = self.enrol_totp(body['email'])
        credentials = {'login': body['email'], 'password': body['password']}
        valid = {totp.at(time.time() + d) for d in (-30, 0, 30)}
        wrong = next(c for c in ['000000', '111111', '222222']
            if c not in valid)
        expired = totp.at(time.time() - 300)
        for kind, code in [('wrong', wrong), ('expired', expired)]:
            with self.subTest(kind=kind):
                if code in valid:
                    continue
                self.assertError(self.call('POST', 'auth/login', {
                            **credentials, 'code': code}),
                    401, 'invalid_credentials')
                self.assertEqual(self.login_log(body['email']),
                    ['wrong_totp'])
        code = totp.now()
        _, session = self.call('POST', 'auth/login', {
                **credentials, 'code': code}, status=200)
        self.assertTrue(session['token'])
        # Replayed
        self.assertError(self.call('POST', 'auth/login', {
                    **credentials, 'code': code}),
            401, 'invalid_credentials')
        self.assertEqual(self.login_log(body['email']), ['replayed_totp'])
        # The right code with a wrong password
        self.assertError(self.call('POST', 'auth/login', {
                    'login': body['email'], 'password': 'Wrong-Pass-1!x',
                    'code': totp.at(time.time() + 30)}),
            401, 'invalid_credentials')

    def test_recovery_code_reused(self):
        "A recovery code signs in once"
        _, body = self.signup()
        _, codes = self.enrol_totp(body['email'])
        credentials = {'login': body['email'], 'password': body['password']}
        self.call('POST', 'auth/login', {**credentials, 'code': codes[0]},
            status=200)
        self.assertError(self.call('POST', 'auth/login', {
                    **credentials, 'code': codes[0]}),
            401, 'invalid_credentials')
        self.call('POST', 'auth/login', {**credentials, 'code': codes[1]},
            status=200)

    # Password reset

    def reset_token(self, email):
        def token():
            User = Pool().get('web.user')
            user, = User.search([('email', '=', email)])
            return user.reset_password_token
        return self.in_transaction(token)

    def test_reset_link_reused_and_expired(self):
        "A reset link works once and not after it expired"
        _, body = self.signup()
        self.call('POST', 'auth/reset-password', {'email': body['email']},
            status=202)
        token = self.reset_token(body['email'])
        new = {'email': body['email'], 'token': token,
            'password': 'Reset-Secret-4!x'}
        self.call('POST', 'auth/set-password', new, status=200)
        error = self.assertError(self.call('POST', 'auth/set-password', {
                    **new, 'password': 'Reset-Secret-5!x'},
                headers={'Accept-Language': 'zh-CN'}), 422)
        self.assertRegex(error['message'], CJK)
        # The reused link changed nothing
        self.call('POST', 'auth/login', {
                'login': body['email'], 'password': 'Reset-Secret-4!x'},
            status=200)

        self.call('POST', 'auth/reset-password', {'email': body['email']},
            status=202)
        token = self.reset_token(body['email'])

        def expire():
            User = Pool().get('web.user')
            user, = User.search([('email', '=', body['email'])])
            user.reset_password_token_expire = (
                dt.datetime.now() - dt.timedelta(minutes=1))
            user.save()
        self.in_transaction(expire)
        self.assertError(self.call('POST', 'auth/set-password', {
                    'email': body['email'], 'token': token,
                    'password': 'Reset-Secret-6!x'}), 422)
        self.assertError(self.call('POST', 'auth/login', {
                    'login': body['email'],
                    'password': 'Reset-Secret-6!x'}),
            401, 'invalid_credentials')

    def test_reset_sms_code_reused(self):
        "An SMS reset code works once"
        _, body = self.signup()
        self.call('POST', 'auth/reset-password', {'mobile': body['mobile']},
            status=202)
        code = ''.join(c for c in self.sms[-1]['text'] if c.isdigit())[:6]
        values = {'mobile': body['mobile'], 'code': code,
            'password': 'Sms-Secret-7!x'}
        self.call('POST', 'auth/set-password-sms', values, status=200)
        self.assertError(self.call('POST', 'auth/set-password-sms', {
                    **values, 'password': 'Sms-Secret-8!x'}), 422)
        self.call('POST', 'auth/login', {
                'login': body['email'], 'password': 'Sms-Secret-7!x'},
            status=200)

    # Roles

    def test_expired_role(self):
        """A user whose role ended signs in but may no more list the work
        orders; the same role current lets them"""
        login = f'expired{unique()}'

        def create(from_date, to_date):
            pool = Pool()
            User = pool.get('res.user')
            Role = pool.get('res.role')
            UserRole = pool.get('res.user.role')
            ModelData = pool.get('ir.model.data')
            role, = Role.create([{'name': f"Desk {unique()}",
                        'groups': [('add', [ModelData.get_id(
                                        'appliance',
                                        'group_customer_service')])]}])
            users = User.search([('login', '=', login)])
            if not users:
                users = User.create([{
                            'login': login, 'name': login,
                            'password': PASSWORD,
                            'companies': [('add', [self.ids['company']])],
                            'company': self.ids['company']}])
                User.write(users, {'password_change_required': False})
            user, = users
            UserRole.create([{'user': user.id, 'role': role.id,
                        'from_date': from_date, 'to_date': to_date}])
            return [g.id for g in User(user.id).groups]
        now = dt.datetime.now()
        groups = self.in_transaction(
            create, now - dt.timedelta(days=10), now - dt.timedelta(days=1))
        self.assertEqual(groups, [])
        headers = self.staff_token(login)
        self.assertError(self.call('GET', 'staff/work-orders',
                headers=headers), 403, 'forbidden')
        groups = self.in_transaction(
            create, now - dt.timedelta(days=1), now + dt.timedelta(days=1))
        self.assertTrue(groups)
        self.call('GET', 'staff/work-orders', headers=headers, status=200)

    # Brute force

    def test_staff_login_burst(self):
        """A burst of wrong passwords on one staff account: the right one
        is refused (429) and the administrators are alerted"""
        set_config(self, 'session', 'max_attempt', '3')

        def configure():
            Configuration = Pool().get('appliance.security.configuration')
            config = Configuration(1)
            config.alert_account = 3
            config.throttle_account = 5
            config.save()
        self.in_transaction(configure)
        statuses = []
        for _ in range(8):
            status, payload = self.call('POST', 'staff/login', {
                    'login': 'manager', 'password': 'guess-guess-1'})
            self.assertIn(status, {401, 429}, msg=payload)
            statuses.append(status)
        self.assertIn(429, statuses)
        status, payload = self.call('POST', 'staff/login', {
                'login': 'manager', 'password': PASSWORD})
        self.assertEqual(status, 429, msg=payload)
        self.assertTrue(int(self.last_response.headers['Retry-After']))

        def alerts():
            Alert = Pool().get('appliance.security.login.alert')
            return [(a.scope, a.key) for a in Alert.search([])]
        self.assertIn(('account', 'manager'), self.in_transaction(alerts))


if __name__ == '__main__':
    unittest.main()

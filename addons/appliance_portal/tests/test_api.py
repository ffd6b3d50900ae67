# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Tests of the JSON API through trytond's WSGI application.  Every reply
is checked against the schema the OpenAPI document declares for it."""
import base64
import datetime as dt
import json
import unittest
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase

from .api_client import PASSWORD_CUSTOMER, PNG, ApiMixin, unique
from .tools import (
    MODEL_CODE, PASSWORD, PortalTestMixin, resolve_request, set_config)


class PortalApiTestCase(PortalTestMixin, ApiMixin, RouteTestCase):
    "Test the portal API"

    # Accounts

    def test_signup_confirm_login_me_logout(self):
        "Sign up, confirm the email (signed in), sign in, read me, sign out"
        token, body = self.signup(language='zh_CN')
        _, me = self.call('GET', 'me', token=token, status=200)
        self.assertEqual(me['email'], body['email'])
        self.assertEqual(me['mobile'][:3], '+86')
        self.assertTrue(me['email_valid'])
        self.assertEqual(me['language'], 'zh_CN')
        self.assertEqual(me['address']['subdivision'], 'CN-ZJ')
        self.assertTrue(me['customer_number'])
        self.assertEqual(me['privacy_policy_version'], self.call(
                'GET', 'privacy-policy', status=200)[1]['version'])
        self.assertTrue(me['privacy_consent_date'])

        def source():
            Party = Pool().get('party.party')
            party, = Party.search([('mobile_number', '=', me['mobile'])])
            return party.customer_source
        self.assertEqual(self.in_transaction(source), 'portal')

        _, session = self.call('POST', 'auth/login', {
                'login': body['email'].upper(),
                'password': body['password']}, status=200)
        self.assertEqual(session['token_type'], 'Bearer')
        self.call('POST', 'auth/logout', token=session['token'], status=204)
        self.assertError(self.call('GET', 'me', token=session['token']),
            401, 'not_authenticated')
        self.call('GET', 'me', token=token, status=200)

    def test_login_by_mobile(self):
        "The mobile number signs in as well as the email"
        _, body = self.signup()
        for login in [body['mobile'], body['mobile'].replace('+86 ', '')]:
            with self.subTest(login=login):
                self.call('POST', 'auth/login', {
                        'login': login, 'password': body['password']},
                    status=200)

    def test_signup_unconfirmed_cannot_sign_in(self):
        "An account signs in once its email address is confirmed"
        _, body = self.signup(confirm=False)
        error = self.assertError(self.call('POST', 'auth/login', {
                    'login': body['email'], 'password': body['password']}),
            403, 'forbidden')
        self.assertIn('email', error['message'])
        self.call('POST', 'auth/resend-validation',
            {'email': body['email']}, status=202)
        self.call('POST', 'auth/validate-email', {
                'token': self.confirmation_token(body['email'])}, status=200)
        self.call('POST', 'auth/login', {
                'login': body['email'], 'password': body['password']},
            status=200)

    def test_signup_does_not_reveal_accounts(self):
        """Sign-up answers the same for a known email or mobile, and their
        owner is told instead"""
        _, body = self.signup()
        emails, sms = len(self.emails), len(self.sms)
        n = unique()
        status, known_email = self.call('POST', 'auth/signup', {
                **body, 'mobile': f'+86 137{n:08d}'})
        self.assertEqual((status, known_email), (202, {'ok': True}))
        message = self.emails[-1]
        self.assertEqual(message['To'], body['email'])
        self.assertIn('already', message['Subject'].lower())
        self.assertEqual(len(self.emails), emails + 1)

        status, known_mobile = self.call('POST', 'auth/signup', {
                **body, 'email': f'other{n}@example.com'})
        self.assertEqual((status, known_mobile), (202, {'ok': True}))
        self.assertEqual(len(self.sms), sms + 1)
        self.assertEqual(self.sms[-1]['to'],
            body['mobile'].replace(' ', ''))
        # No account for the other email: nothing was sent to it
        self.assertNotIn(f'other{n}@example.com',
            [m['To'] for m in self.emails])
        self.assertEqual(self.count('web.user', [
                    ('email', '=', f'other{n}@example.com')]), 0)

    def test_signup_errors(self):
        "Sign-up refuses bad data with the field"
        for values, status, field in [
                ({'email': 'not an email'}, 422, 'email'),
                ({'mobile': '12'}, 422, 'mobile'),
                ({'password': 'password'}, 422, None),
                ({'password': '12345678'}, 422, None),
                ({'password': 'aaaaaaaa'}, 422, None),
                ({'password': 'Password1'}, 422, None),
                ({'name': 42}, 422, 'name'),
                ({'name': '   '}, 422, 'name'),
                ({'name': 'A\u0085B'}, 422, 'name'),
                ({'name': 'A\u009bB'}, 422, 'name'),
                ({'address': {'street': 'x\u0085'}}, 422, 'address.street'),
                ({'address': {'subdivision': 'XX-YY'}}, 422,
                    'address.subdivision'),
                ({'role': 'admin'}, 422, 'role'),
                ({'privacy_consent': False}, 422, 'privacy_consent'),
                ]:
            with self.subTest(values=values):
                n = unique()
                data = {
                    'email': f'other{n}@example.com',
                    'password': PASSWORD_CUSTOMER,
                    'name': f"Other {n}",
                    'mobile': f'+86 137{n:08d}',
                    'privacy_consent': True,
                    }
                data.update(values)
                error = self.assertError(
                    self.call('POST', 'auth/signup', data), status)
                if field:
                    self.assertEqual(error.get('field'), field)
        error = self.assertError(self.call('POST', 'auth/signup', {
                    'email': 'x@example.com'}), 422, 'validation')
        self.assertIn('password', error['message'])
        self.assertError(self.call('POST', 'auth/signup', raw='{"email":'),
            400, 'malformed')
        self.assertError(self.call('POST', 'auth/signup', raw='[1, 2]'),
            400, 'malformed')

    def test_password_same_as_name_refused(self):
        "A password equal to the name is refused"
        n = unique()
        self.assertError(self.call('POST', 'auth/signup', {
                    'email': f'name{n}@example.com',
                    'password': f'Zhang Wei Long {n}',
                    'name': f'Zhang Wei Long {n}',
                    'mobile': f'+86 135{n:08d}',
                    'privacy_consent': True}), 422, 'validation')

    def test_login_errors_and_throttling(self):
        "Wrong credentials answer 401, then 429 with Retry-After"
        _, body = self.signup()
        for _ in range(4):
            self.assertError(self.call('POST', 'auth/login', {
                        'login': body['email'],
                        'password': 'wrong-password'}),
                401, 'invalid_credentials')
        self.assertError(self.call('POST', 'auth/login', {
                    'login': body['email'], 'password': body['password']}),
            429, 'too_many_attempts')
        self.assertTrue(int(self.last_response.headers['Retry-After']))
        self.assertError(self.call('POST', 'auth/login', {
                    'login': body['email']}), 422, 'validation')
        # Control characters never reach the models
        self.assertError(self.call('POST', 'auth/login', {
                    'login': 'a\rb@example.com', 'password': 'x'}),
            422, 'validation')

    def test_second_factor(self):
        "A customer with an authenticator app is asked for its code"
        import pyotp
        token, body = self.signup()

        def enrol():
            User = Pool().get('web.user')
            user, = User.search([('email', '=', body['email'])])
            secret = user.totp_enrol()['secret']
            user.totp_confirm(pyotp.TOTP(secret).now())
            return secret
        secret = self.in_transaction(enrol)
        credentials = {'login': body['email'], 'password': body['password']}
        self.assertError(self.call('POST', 'auth/login', credentials),
            401, 'second_factor_required')
        self.assertError(self.call('POST', 'auth/login', {
                    **credentials, 'code': '000000'}),
            401, 'invalid_credentials')
        # The code of the set-up is spent: the next one
        self.call('POST', 'auth/login', {
                **credentials, 'code': pyotp.TOTP(secret).at(
                    dt.datetime.now() + dt.timedelta(seconds=30))},
            status=200)

    def test_reset_password_revokes_sessions(self):
        "Reset the password with the token of the email: sessions end"
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
                    'password': 'New-Secret-2!x'}), 422)
        self.assertError(self.call('POST', 'auth/set-password', {
                    'email': body['email'], 'token': reset,
                    'password': 'password'}), 422)
        self.call('POST', 'auth/set-password', {
                'email': body['email'], 'token': reset,
                'password': 'New-Secret-2!x'}, status=200)
        self.assertError(self.call('GET', 'me', token=token), 401)
        self.call('POST', 'auth/login', {
                'login': body['email'], 'password': 'New-Secret-2!x'},
            status=200)

    def test_reset_password_by_sms(self):
        "A code by SMS resets the password"
        _, body = self.signup()
        self.call('POST', 'auth/reset-password', {'mobile': body['mobile']},
            status=202)
        text = self.sms[-1]['text']
        code = ''.join(c for c in text if c.isdigit())[:6]
        self.assertError(self.call('POST', 'auth/set-password-sms', {
                    'mobile': body['mobile'], 'code': '000000',
                    'password': 'Sms-Secret-3!x'}), 422)
        self.call('POST', 'auth/set-password-sms', {
                'mobile': body['mobile'], 'code': code,
                'password': 'Sms-Secret-3!x'}, status=200)
        self.call('POST', 'auth/login', {
                'login': body['mobile'], 'password': 'Sms-Secret-3!x'},
            status=200)
        self.assertError(self.call('POST', 'auth/reset-password', {
                    'email': body['email'], 'mobile': body['mobile']}), 422)

    def test_me_patch(self):
        "Change profile, preferences and password; other sessions end"
        token, body = self.signup()
        _, other_session = self.call('POST', 'auth/login', {
                'login': body['email'], 'password': body['password']},
            status=200)
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
                    'password': 'Another-Pass-3!x',
                    'current_password': 'wrong'}, token=token), 422)
        self.assertError(self.call('PATCH', 'me', {
                    'password': '12345678',
                    'current_password': body['password']}, token=token), 422)
        self.call('PATCH', 'me', {
                'password': 'Another-Pass-3!x',
                'current_password': body['password']}, token=token,
            status=200)
        # The session that changed it goes on, the others end
        self.call('GET', 'me', token=token, status=200)
        self.assertError(self.call('GET', 'me',
                token=other_session['token']), 401)
        self.call('POST', 'auth/login', {
                'login': body['email'], 'password': 'Another-Pass-3!x'},
            status=200)
        _, other_body = self.signup()
        self.assertError(self.call('PATCH', 'me', {
                    'mobile': other_body['mobile']}, token=token), 422)
        for values in [{'notification_consent': 'no'}, {'name': '   '},
                {'name': None}, {'name': 'x\u0085'}, {'email': 'a@b.cn'}]:
            with self.subTest(values=values):
                self.assertError(self.call('PATCH', 'me', values,
                        token=token), 422, 'validation')
        self.assertError(self.call('PATCH', 'me', token=token), 400,
            'malformed')
        _, me = self.call('GET', 'me', token=token, status=200)
        self.assertEqual(me['name'], "新名字")

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

    def test_reference_data(self):
        "Subdivisions, regions and models with their serial rule"
        _, subdivisions = self.call('GET', 'subdivisions', status=200)
        self.assertIn('CN-ZJ', [s['code'] for s in subdivisions])
        self.assertError(self.call('GET', 'subdivisions?parent=CN-ZJ'),
            422, 'validation')
        _, models = self.call('GET', 'appliance-models?q=KFR', status=200)
        self.assertEqual(models[0]['model_code'], MODEL_CODE)
        self.assertEqual(models[0]['serial_example'], 'GR123456')
        self.assertEqual(models[0]['serial_pattern'], r'GR\d{6}')
        self.assertIn('GR123456', models[0]['serial_rule'])
        _, regions = self.call('GET', 'regions', status=200)
        self.assertEqual(regions[0]['subdivisions'], ['CN-ZJ'])

    # Appliances

    def test_appliances(self):
        "Register appliances and read warranty and history"
        token, _ = self.signup()
        appliance = self.register(token, invoice_photo=PNG,
            invoice_photo_name='../发票 invoice.JPG', invoice_reference='INV-1')
        self.assertTrue(self.last_response.headers['Location'].endswith(
                f"/api/v1/appliances/{appliance['id']}"))
        self.assertTrue(appliance['in_warranty'])
        # The name is cleaned and its extension is the image's
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
        for query in ['limit=1000', 'updated_since=x', 'colour=red',
                'updated_since=9999-12-31T23:59:59-05:00']:
            with self.subTest(query=query):
                self.assertError(self.call('GET', f'appliances?{query}',
                        token=token), 422, 'validation')

        _, detail = self.call('GET', f"appliances/{appliance['id']}",
            token=token, status=200)
        self.assertEqual(detail['serial_number'], appliance['serial_number'])
        self.assertEqual(detail['service_history'], [])
        self.assertError(self.call('GET', 'appliances/999999', token=token),
            404, 'not_found')

    def test_appliance_validation(self):
        "The registry rules and the schema answer 422; nothing is saved"
        token, _ = self.signup()
        appliance = self.register(token)
        tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
        for values in [
                {'serial_number': appliance['serial_number']},
                {'serial_number': 'BAD-SERIAL'},
                {'sale_date': tomorrow},
                {'installation_date': tomorrow},
                {'installation_date': '3000-01-01'},
                {'installation_date': '9990-01-01'},
                {'installation_date': '9999-12-31'},
                {'sale_date': '0001-01-01'},
                {'production_date': '1900-01-01'},
                {'model_code': 'NO-SUCH-MODEL'},
                {'installation_date': '2000-01-01'},
                {'sale_date': '2024-13-01'},
                {'sale_date': '10000-01-01'},
                {'serial_number': None},
                {'invoice_photo': '***'},
                {'invoice_photo': base64.b64encode(b'MZ\x90\x00').decode()},
                {'invoice_photo': PNG, 'invoice_photo_name': 'a\x00.png'},
                {'purchase_channel': 'street'},
                {'serial_number': 'GR\u0085123'},
                {'customer': 1},
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
        for query in ['from=tomorrow', 'from=0001-01-01', 'to=9999-12-31']:
            with self.subTest(query=query):
                self.assertError(self.call('GET', f'slots?{query}',
                        token=token), 422)
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
        self.assertTrue(self.last_response.headers['Location'].endswith(
                f"/api/v1/service-requests/{request['id']}"))
        self.assertEqual(request['state'], 'in_progress')
        self.assertEqual(request['kind'], 'repair')
        visit, = request['visits']
        self.assertEqual(visit['state'], 'scheduled')
        self.assertEqual(visit['slot'], slot)
        self.assertTrue(visit['next_step'])
        self.assertEqual(request['next_step'], visit['next_step'])
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
                {'slot': str(other)}, token=token), 422)

        _, cancelled = self.call('POST',
            f"service-requests/{request['id']}/cancel", token=token,
            status=200)
        self.assertEqual(cancelled['state'], 'cancelled')
        self.assertIsNone(cancelled['next_step'])
        self.assertEqual(cancelled['visits'][0]['state'], 'cancelled')
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/cancel", token=token),
            409, 'wrong_state')
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/reschedule",
                {'slot': slot}, token=token), 409, 'wrong_state')

    def test_booking_needs_confirmed_email(self):
        "An address not confirmed books no visit: it may ask questions"
        _, body = self.signup(confirm=False)

        def confirm_later():
            User = Pool().get('web.user')
            user, = User.search([('email', '=', body['email'])])
            key = user.new_session()
            return key, user.id
        token, _ = self.in_transaction(confirm_later)
        _, page = self.call('GET', 'appliances', token=token, status=200)
        appliance = self.register(token)
        error = self.assertError(self.call('POST', 'service-requests', {
                    'kind': 'repair', 'appliance': appliance['id'],
                    'description': "Broken", 'slot': self.free_slot(
                        token, appliance['id'])}, token=token),
            403, 'forbidden')
        self.assertIn('email', error['message'])
        self.call('POST', 'service-requests', {
                'kind': 'consultation', 'description': "How?"},
            token=token, status=201)

    def test_slot_full(self):
        "The last place goes to one customer; the other gets 409"
        token_a, _ = self.signup()
        token_b, _ = self.signup()
        appliance_a = self.register(token_a)
        appliance_b = self.register(token_b)
        tiny = self.ids['tiny_slot']
        requests = self.count('appliance.service.request')
        orders = self.count('appliance.work_order')
        self.book(token_a, appliance_a['id'], slot=tiny)
        error = self.assertError(self.call('POST', 'service-requests', {
                    'kind': 'repair', 'appliance': appliance_b['id'],
                    'description': "Broken", 'slot': tiny},
                token=token_b), 409, 'slot_full')
        self.assertNotIn('WO', error['message'])
        self.assertEqual(self.count('appliance.service.request'),
            requests + 1)
        self.assertEqual(self.count('appliance.work_order'), orders + 1)
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
                ({'kind': 'teleport', 'description': "x"}, 422),
                ({'kind': 'repair'}, 422),
                ({'kind': 'repair', 'description': "  "}, 422),
                ({'kind': 'repair', 'description': "x",
                    'appliance': 999999}, 404),
                ({'kind': 'complaint', 'description': "x",
                    'work_order': 999999}, 404),
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
        self.assertTrue(consultation['next_step'])
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
        self.assertNotEqual(answered['next_step'],
            consultation['next_step'])
        _, rated = self.call('POST',
            f"service-requests/{consultation['id']}/satisfaction",
            {'satisfaction': 4}, token=token, status=200)
        self.assertEqual(rated['satisfaction'], '4')
        self.assertIsNone(rated['next_step'])
        self.assertError(self.call('POST',
                f"service-requests/{consultation['id']}/satisfaction",
                {'satisfaction': 9}, token=token), 422)

    def test_complaint_about_a_visit(self):
        """A complaint names the visit and its appliance; cancelled, it
        waits for no reply"""
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'])
        order_id = request['visits'][0]['id']
        _, complaint = self.call('POST', 'service-requests', {
                'kind': 'complaint', 'description': "Engineer was late",
                'work_order': order_id}, token=token, status=201)
        self.assertEqual(complaint['kind'], 'complaint')
        self.assertEqual(complaint['work_order'],
            request['visits'][0]['number'])
        self.assertEqual(complaint['appliance']['id'], appliance['id'])
        _, cancelled = self.call('POST',
            f"service-requests/{complaint['id']}/cancel", token=token,
            status=200)
        self.assertIsNone(cancelled['next_step'])

    def test_quote_decision(self):
        "Out-of-warranty work: staff propose the quote, the customer decides"
        token, _ = self.signup()
        appliance = self.register(token, sale_date='2015-06-01')
        self.assertFalse(appliance['in_warranty'])
        request = self.book(token, appliance['id'])
        visit = request['visits'][0]
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/quote",
                {'decision': 'accept'}, token=token), 409, 'wrong_state')

        def call_out_fee():
            pool = Pool()
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
        self.in_transaction(call_out_fee)
        agent = self.staff_token('agent')
        _, order = self.call('POST', f"staff/work-orders/{visit['id']}/quote",
            headers=agent, status=200)
        self.assertEqual(order['quote_state'], 'proposed')
        self.assertError(self.call('POST',
                f"staff/work-orders/{visit['id']}/quote", headers=agent),
            409, 'wrong_state')
        _, proposed = self.call('GET', f"service-requests/{request['id']}",
            token=token, status=200)
        visit = proposed['visits'][0]
        self.assertEqual(visit['quote_state'], 'proposed')
        self.assertEqual(visit['warranty_status'], 'not_covered')
        self.assertEqual(len(visit['charges']), 1)
        self.assertEqual(Decimal(visit['quote_amount']), Decimal(50))
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/quote",
                {'decision': 'maybe'}, token=token), 422)
        _, accepted = self.call('POST',
            f"service-requests/{request['id']}/quote",
            {'decision': 'accept'}, token=token, status=200)
        self.assertEqual(accepted['visits'][0]['quote_state'], 'accepted')
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/quote",
                {'decision': 'decline'}, token=token), 409)

    def test_static_pages(self):
        "trytond serves the portal and the engineer pages with ETag"
        client = self.client()
        for path, marker in [('portal/', 'app.js'),
                ('engineer/', 'engineer.js'),
                ('portal/common.js', 'createClient'),
                ('portal/app.css', '--brand')]:
            with self.subTest(path=path):
                response = client.get(f'/{self.db_name}/{path}')
                self.assertEqual(response.status_code, 200)
                self.assertIn(marker, response.get_data(as_text=True))
                etag = response.headers['ETag']
                again = client.get(f'/{self.db_name}/{path}',
                    headers={'If-None-Match': etag})
                self.assertEqual(again.status_code, 304)
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

    def test_staff_login_prompts(self):
        "The staff login asks for a new password, then a second factor"
        import pyotp
        login = f'new{unique()}'

        def create_user():
            pool = Pool()
            User = pool.get('res.user')
            user, = User.create([{'login': login, 'name': login,
                        'password': 'First-Secret-1!x'}])
            User.write([user], {'password_change_required': True})
            return user.id
        user_id = self.in_transaction(create_user)
        credentials = {'login': login, 'password': 'First-Secret-1!x'}
        self.assertError(self.call('POST', 'staff/login', credentials),
            401, 'new_password_required')
        error = self.assertError(self.call('POST', 'staff/login', {
                    **credentials, 'new_password': 'password'}),
            401, 'new_password_required')
        self.assertTrue(error['message'])
        self.call('POST', 'staff/login', {
                **credentials, 'new_password': 'Second-Secret-2!x'},
            status=200)

        def enrol():
            pool = Pool()
            TOTP = pool.get('appliance.security.totp')
            User = pool.get('res.user')
            user = User(user_id)
            pending = TOTP.start(user)
            TOTP.confirm(user, pyotp.TOTP(pending.secret).now())
            return pending.secret
        secret = self.in_transaction(enrol)
        set_config(self, 'session', 'authentications', 'password+totp')
        credentials = {'login': login, 'password': 'Second-Secret-2!x'}
        self.assertError(self.call('POST', 'staff/login', credentials),
            401, 'second_factor_required')
        self.call('POST', 'staff/login', {
                **credentials, 'totp_code': pyotp.TOTP(secret).at(
                    dt.datetime.now() + dt.timedelta(seconds=30))},
            status=200)

    def test_staff_work_order_flow(self):
        "Dispatch, follow and complete a visit as staff; rate it"
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'], today=True)
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
                headers=agent), 422)

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
                {'action': 'fly'}, headers=engineer), 422)

        _, customer_view = self.call('GET',
            f"service-requests/{request['id']}", token=token, status=200)
        self.assertEqual(customer_view['engineer'], '王师傅')
        descriptions = [e['description'] for e in customer_view['timeline']]
        self.assertIn("Leaving now", descriptions)
        # The customer never reads the engineer's full name
        self.assertNotIn("王建国", json.dumps(customer_view,
                ensure_ascii=False))
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
        _, parts = self.call('GET',
            f'staff/parts?work_order={order_id}', headers=engineer,
            status=200)
        self.assertEqual([p['code'] for p in parts], ['CAP35'])
        # A whole appliance is no part
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/complete', {
                    'labour_hours': 1, 'fault_type': self.ids.get(
                        'fault_type'),
                    'parts': [{'code': MODEL_CODE, 'quantity': 1}]},
                headers=engineer), 422)
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
                headers=agent), 422)

        _, detail = self.call('GET', f"appliances/{appliance['id']}",
            token=token, status=200)
        self.assertEqual(detail['service_history'][0]['state'], 'done')

        _, before = self.call('GET', f"service-requests/{request['id']}",
            token=token, status=200)
        self.assertTrue(before['can_rate'])
        self.assertTrue(before['next_step'])
        _, rated = self.call('POST',
            f"service-requests/{request['id']}/rating", {
                'overall': 5, 'punctuality': 4, 'attitude': 5, 'quality': 5,
                'comment': "准时，专业"}, token=token, status=201)
        self.assertEqual(rated['visits'][0]['rating']['punctuality'], 4)
        self.assertFalse(rated['visits'][0]['can_rate'])
        self.assertFalse(rated['can_rate'])
        self.assertNotEqual(rated['next_step'], before['next_step'])
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/rating",
                {'overall': 3}, token=token), 409, 'already_rated')
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/rating',
                {'overall': 3}, headers=engineer), 409, 'already_rated')
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/rating",
                {'overall': 6}, token=token), 422)

    def test_no_work_before_the_appointment_day(self):
        "An engineer starts nor completes before the day; a manager may"
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'], later=True)
        order_id = request['visits'][0]['id']
        agent = self.staff_token('agent')
        engineer = self.staff_token('engineer')
        manager = self.staff_token('manager')
        self.call('POST', f'staff/work-orders/{order_id}/dispatch',
            {'engineer': self.ids['engineer']}, headers=agent, status=200)
        for body in [{'action': 'start'},
                {'action': 'start', 'override_early': True}]:
            with self.subTest(body=body):
                error = self.assertError(self.call('POST',
                        f'staff/work-orders/{order_id}/progress', body,
                        headers=engineer), 422, 'validation')
                self.assertIn(request['visits'][0]['number'],
                    error['message'])
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/progress',
                {'action': 'start'}, headers=manager), 422)
        _, order = self.call('POST', f'staff/work-orders/{order_id}/progress',
            {'action': 'start', 'override_early': True}, headers=manager,
            status=200)
        self.assertEqual(order['state'], 'in_progress')

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

        def maintenance_request():
            pool = Pool()
            Request = pool.get('appliance.service.request')
            Appliance = pool.get('appliance.appliance')
            appliance_ = Appliance(appliance['id'])
            request, = Request.create([{
                        'kind': 'maintenance', 'channel': 'phone',
                        'customer': appliance_.customer.id,
                        'appliance': appliance_.id,
                        'address': appliance_.customer.addresses[0].id,
                        'description': "Yearly cleaning"}])
            return {'id': request.id}
        request = self.in_transaction(maintenance_request)
        _, order = self.call('POST',
            f"staff/service-requests/{request['id']}/work-orders",
            {'slot': self.ids['today_slot']}, headers=agent, status=201)
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
        wang, = [e for e in engineers if e['id'] == self.ids['engineer']]
        self.assertEqual([r['code'] for r in wang['regions']], ['HZ'])
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

    def test_staff_answers_requests(self):
        "Staff answer a consultation, the customer says how satisfied"
        token, _ = self.signup()
        agent = self.staff_token('agent')
        engineer = self.staff_token('engineer')
        _, consultation = self.call('POST', 'service-requests', {
                'kind': 'consultation', 'description': "Which filter?"},
            token=token, status=201)
        path = f"staff/service-requests/{consultation['id']}"
        self.assertError(self.call('POST', f'{path}/close',
                headers=agent), 409, 'wrong_state')
        self.assertError(self.call('POST', f'{path}/resolve',
                {'reply': "  "}, headers=agent), 422)
        self.assertError(self.call('POST', f'{path}/resolve',
                {'reply': "The blue one"}, headers=engineer), 404)
        _, resolved = self.call('POST', f'{path}/resolve',
            {'reply': "The blue one"}, headers=agent, status=200)
        self.assertEqual(resolved['state'], 'resolved')
        self.call('POST',
            f"service-requests/{consultation['id']}/satisfaction",
            {'satisfaction': 5}, token=token, status=200)
        _, closed = self.call('POST', f'{path}/close', headers=agent,
            status=200)
        self.assertEqual(closed['state'], 'closed')
        self.assertEqual(closed['satisfaction'], '5')

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
        token, request, order_id, engineer = self.started_visit()
        agent = self.staff_token('agent')
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

    def plan_route_day(self):
        """A region of Jiangsu with an engineer of its own and three visits
        of a day booked around the engineer's home base; return the
        engineer's headers, the customer tokens and the orders by point"""
        day = dt.date.today() + dt.timedelta(days=25)
        base = (32.05, 118.75)
        step = 0.05
        # A at the north, B at the north-east, C at the east of the base,
        # booked in the order A, C, B: the best route goes A, B, C or C, B, A
        points = {
            'A': (base[0] + step, base[1]),
            'C': (base[0], base[1] + step),
            'B': (base[0] + step, base[1] + step),
            }

        def setup():
            pool = Pool()
            Subdivision = pool.get('country.subdivision')
            Region = pool.get('appliance.service.region')
            Slot = pool.get('appliance.slot')
            Party = pool.get('party.party')
            Employee = pool.get('company.employee')
            User = pool.get('res.user')
            ModelData = pool.get('ir.model.data')
            Configuration = pool.get('appliance.configuration')
            jiangsu, = Subdivision.search([('code', '=', 'CN-JS')])
            region, = Region.create([{
                        'name': "南京", 'code': 'NJ',
                        'subdivisions': [('add', [jiangsu.id])],
                        }])
            slot, = Slot.create([{
                        'region': region.id, 'date': day,
                        'start_time': dt.time(9), 'end_time': dt.time(17),
                        'capacity': 5,
                        }])
            party, = Party.create([{'name': "孙路线"}])
            employee, = Employee.create([{
                        'party': party.id, 'company': self.ids['company'],
                        'service_engineer': True,
                        'service_regions': [('add', [region.id])],
                        'skills': [('create', [{
                                        'category': self.ids['category'],
                                        'level': '4'}])],
                        'working_days': ['0', '1', '2', '3', '4', '5', '6'],
                        'daily_capacity': 10,
                        'base_latitude': base[0],
                        'base_longitude': base[1],
                        }])
            user, = User.create([{
                        'login': 'engineer_route', 'name': "孙路线",
                        'password': PASSWORD,
                        'groups': [('add', [ModelData.get_id(
                                        'appliance', 'group_engineer')])],
                        'companies': [('add', [self.ids['company']])],
                        'company': self.ids['company'],
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        }])
            User.write([user], {'password_change_required': False})
            config = Configuration(1)
            config.route_time_limit = 1
            config.save()
            return slot.id, employee.id
        slot, employee = self.in_transaction(setup)

        tokens, orders = {}, {}
        for name in 'ACB':
            token, _ = self.signup(address={
                    'subdivision': 'CN-JS', 'city': "南京",
                    'street': f"中山路 {unique()} 号"})
            appliance = self.register(token)
            request = self.book(token, appliance['id'], slot=slot)
            tokens[name] = token
            orders[name] = (request['id'], request['visits'][0]['id'])

            def locate(mobile, point):
                Party = Pool().get('party.party')
                Address = Pool().get('party.address')
                party, = Party.search([('mobile_number', '=', mobile)])
                Address.write(list(party.addresses), {
                        'latitude': round(point[0], 6),
                        'longitude': round(point[1], 6)})
            _, me = self.call('GET', 'me', token=token, status=200)
            self.in_transaction(locate, me['mobile'], points[name])
        return day, employee, tokens, orders

    def test_staff_route_order_and_arrival_window(self):
        """The engineer lists the day in the order of the planned route;
        the customer sees the narrowed arrival window once announced"""
        day, employee, tokens, orders = self.plan_route_day()
        engineer = self.staff_token('engineer_route')
        url = f'staff/work-orders?mine=true&date={day}&order=route'

        # Nothing is the engineer's before the day is planned
        _, page = self.call('GET', url, headers=engineer, status=200)
        self.assertEqual(page['items'], [])

        def plan():
            Route = Pool().get('appliance.route')
            result = Route.plan(day)
            route, = result['routes']
            return route.id, [o.id for o in route.stops]
        route_id, stops = self.in_transaction(plan)
        order_ids = {n: o for n, (_, o) in orders.items()}
        self.assertEqual(len(stops), 3)
        # B, the corner, is in the middle of the best route
        self.assertEqual(stops[1], order_ids['B'])

        _, page = self.call('GET', url, headers=engineer, status=200)
        items = page['items']
        self.assertEqual([o['id'] for o in items], stops)
        self.assertNotEqual(
            [o['id'] for o in items], sorted(o['id'] for o in items))
        self.assertEqual([o['planned_sequence'] for o in items], [1, 2, 3])
        arrivals = [dt.datetime.fromisoformat(o['planned_arrival'])
            for o in items]
        self.assertEqual(arrivals, sorted(arrivals))
        for order in items:
            self.assertEqual(order['engineer'], employee)
            self.assertEqual(order['state'], 'dispatched')
            self.assertGreater(order['travel_km'], 0)
            self.assertGreater(order['travel_minutes'], 0)
            # In the company's time zone, as every date time of the API
            self.assertEqual(
                arrivals[0].utcoffset(),
                dt.datetime.fromisoformat(
                    order['appointment_start']).utcoffset())
        _, detail = self.call('GET', f'staff/work-orders/{stops[0]}',
            headers=engineer, status=200)
        self.assertEqual(detail['planned_sequence'], 1)

        # The customer is told the window once the route is announced
        request_id, order_id = orders['A']
        _, request = self.call('GET', f'service-requests/{request_id}',
            token=tokens['A'], status=200)
        visit, = request['visits']
        self.assertIsNone(visit['arrival_window_start'])
        self.assertIsNone(visit['arrival_window_end'])

        def announce():
            Route = Pool().get('appliance.route')
            Route.announce([Route(route_id)])
        self.in_transaction(announce)
        for name, (request_id, order_id) in orders.items():
            _, request = self.call('GET', f'service-requests/{request_id}',
                token=tokens[name], status=200)
            visit, = request['visits']
            start = dt.datetime.fromisoformat(visit['arrival_window_start'])
            end = dt.datetime.fromisoformat(visit['arrival_window_end'])
            self.assertLess(start, end)
            self.assertLessEqual(end - start, dt.timedelta(minutes=30))
            self.assertLessEqual(
                dt.datetime.fromisoformat(visit['appointment_start']), start)
            self.assertLessEqual(
                end, dt.datetime.fromisoformat(visit['appointment_end']))
            # and in the timeline
            self.assertTrue(any(f"{start:%H:%M}" in (e['description'] or '')
                    for e in request['timeline']), msg=request['timeline'])

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
        order_id = request['visits'][0]['id']
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
                ('POST', 'service-requests', {'kind': 'complaint',
                        'work_order': order_id, 'description': "x"}),
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
        "The OpenAPI document lists every route with its schemas"
        from ..api import ROUTES
        _, document = self.call('GET', 'openapi.json', status=200)
        self.assertEqual(document['openapi'], '3.1.0')
        for entry in ROUTES:
            if not entry.public:
                continue
            path = '/' + entry.path
            for converter in ['<int:appliance_id>', '<int:request_id>',
                    '<int:order_id>']:
                path = path.replace(converter,
                    '{' + converter[5:-1] + '}')
            with self.subTest(path=path):
                operation = document['paths'][path][entry.method.lower()]
                if entry.body is not None:
                    self.assertIn('requestBody', operation)
        self.assertIn('Error', document['components']['schemas'])
        self.assertFalse(document['components']['schemas']['Signup'][
                'additionalProperties'])
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

    def test_replies_checked(self):
        "The replies of this suite are checked against the document"
        if self.reply_checker() is None:
            self.skipTest("jsonschema_rs is not installed")
        before = self.reply_checker().checked
        token, _ = self.signup()
        self.call('GET', 'me', token=token, status=200)
        self.assertGreater(self.reply_checker().checked, before)
        errors = self.reply_checker().check('GET', 'me', 200, {'id': 1})
        self.assertTrue(errors)

    def test_foreign_origin_refused(self):
        "A foreign Origin is a 403, in JSON under the API, never a 5xx"
        token, _ = self.signup()
        for origin in ['https://evil.example', 'enrolment_required']:
            with self.subTest(origin=origin):
                self.assertError(self.call('GET', 'me', token=token,
                        headers={'Origin': origin}), 403, 'forbidden')
                self.assertError(self.call('GET', 'staff/me',
                        headers={'Origin': origin}), 403, 'forbidden')
                response = self.client().get(f'/{self.db_name}/',
                    headers={'Origin': origin})
                self.assertEqual(response.status_code, 403)


if __name__ == '__main__':
    unittest.main()

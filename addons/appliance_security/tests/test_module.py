# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import base64
import datetime as dt
import time
from contextlib import contextmanager
from unittest.mock import patch

import pyotp
from lxml import etree

import trytond.config as config
from trytond.exceptions import LoginException, RateLimitException
from trytond.model.exceptions import AccessError
from trytond.modules.appliance_security import wsgi
from trytond.modules.appliance_security.exceptions import (
    PasswordStrengthError, SecondFactorRequired, TOTPError)
from trytond.modules.appliance_security.sms import LoggingSMSAdapter
from trytond.pool import Pool
from trytond.pyson import PYSONDecoder
from trytond.res.user import PasswordError
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

GOOD = 'violet-harbour-tractor-42'
OTHER_GOOD = 'quiet-lantern-orbit-77'
REQUEST = {'remote_addr': '203.0.113.7', 'user_agent': 'TestAgent/1.0'}


def set_config(test, section, option, value):
    if not config.has_section(section):
        config.add_section(section)

        def remove():
            config.remove_section(section)
            config._cache_clear()
        test.addCleanup(remove)
    else:
        previous = config.get(section, option)
        test.addCleanup(config.set, section, option, previous)
    config.set(section, option, value)


@contextmanager
def request(**values):
    with Transaction().set_context(_request={**REQUEST, **values}):
        yield


def create_user(login='jdoe', password=GOOD, **values):
    pool = Pool()
    User = pool.get('res.user')
    user, = User.create([{
                'login': login, 'name': values.pop('name', 'Jane Doe'),
                'password': password, **values}])
    User.write([user], {'password_change_required': False})
    return user


def enrol_totp(user):
    pool = Pool()
    TOTP = pool.get('appliance.security.totp')
    pending = TOTP.start(user)
    totp = pyotp.TOTP(pending.secret)
    # The enrolment spends the code of the previous period
    TOTP.confirm(user, totp.at(time.time() - 30))
    return totp


def wrong_code(totp):
    valid = {totp.at(time.time() + d) for d in (-30, 0, 30)}
    return next(c for c in ('000000', '111111', '222222') if c not in valid)


class ApplianceSecurityTestCase(ModuleTestCase):
    "Test Appliance Security module"
    module = 'appliance_security'

    def setUp(self):
        super().setUp()
        # trytond delays failed logins at the end of the transaction
        sleep = patch('time.sleep')
        sleep.start()
        self.addCleanup(sleep.stop)
        set_config(self, 'session', 'authentications', 'password')
        LoggingSMSAdapter.sent.clear()

    def methods(self, value):
        set_config(self, 'session', 'authentications', value)

    def log(self, **domain):
        pool = Pool()
        LoginLog = pool.get('appliance.security.login.log')
        return LoginLog.search(
            [(k, '=', v) for k, v in domain.items()],
            order=[('id', 'DESC')])

    def test_request_info_middleware(self):
        "Test the middleware keeps the user agent and the session key"
        from werkzeug.test import EnvironBuilder
        seen = []

        def app(environ, start_response):
            seen.append(wsgi.current())
            return []

        middleware = wsgi.RequestInfoMiddleware(app)
        token = base64.b64encode(b'jdoe:5:key-1').decode()
        cookie = {
            'User-Agent': 'Firefox/140.0',
            'Cookie': 'tryton_session=jdoe:5:key-2',
            }
        authorization = {
            'User-Agent': 'x' * 600,
            'Authorization': f'Session {token}',
            }
        for headers, expected in [
                (cookie, wsgi.RequestInfo('Firefox/140.0', 'key-2')),
                (authorization, wsgi.RequestInfo('x' * 512, 'key-1')),
                ({}, wsgi.RequestInfo(None, None)),
                ]:
            environ = EnvironBuilder(headers=headers).get_environ()
            middleware(environ, lambda *a: None)
            self.assertEqual(seen[-1], expected)
        self.assertEqual(wsgi.current(), wsgi.RequestInfo())

    # Passwords

    @with_transaction()
    def test_weak_passwords_refused(self):
        "Test weak passwords are refused with the reason"
        pool = Pool()
        User = pool.get('res.user')
        user = User(login='wang.fang', name='Wang Fang',
            email='fang@example.com')
        for password in ['password', '12345678', 'aaaaaaaa', 'Password1',
                'qwertyuiop']:
            with self.subTest(password=password):
                with self.assertRaisesRegex(
                        PasswordError, 'too easy to guess'):
                    User.validate_password(password, [user])
        for password, reason in [
                ('wang.fang#2024!xyz', 'login'),
                ('Wang Fang Rocks 77!', 'name'),
                ('fang@example.com!!', 'email'),
                ('xx-fang-violet-harbour', 'email')]:
            with self.subTest(password=password):
                with self.assertRaisesRegex(
                        PasswordStrengthError, reason):
                    User.validate_password(password, [user])
        User.validate_password(GOOD, [user])

    @with_transaction()
    def test_password_minimum_score(self):
        "Test the minimum score is configurable"
        pool = Pool()
        User = pool.get('res.user')
        Configuration = pool.get('appliance.security.configuration')
        config_ = Configuration(1)
        config_.password_min_score = 0
        config_.save()
        User.validate_password('Password1', [])

    @with_transaction()
    def test_long_password_scored(self):
        "Test a password longer than zxcvbn scores is accepted"
        pool = Pool()
        User = pool.get('res.user')
        User.validate_password('Xq7!vLp2#Rt9' * 12, [])

    @with_transaction()
    def test_web_user_password_rule(self):
        "Test web users get the same rule"
        pool = Pool()
        WebUser = pool.get('web.user')
        web_user, = WebUser.create([{'email': 'li.lei@example.com'}])
        with self.assertRaises(PasswordError):
            WebUser.write([web_user], {'password': 'Password1'})
        with self.assertRaises(PasswordStrengthError):
            WebUser.write([web_user], {'password': 'li.lei-violet-harbour'})
        WebUser.write([web_user], {'password': GOOD})

    @with_transaction()
    def test_password_change_logged(self):
        "Test who changed a password and the flag of the first login"
        pool = Pool()
        User = pool.get('res.user')
        PasswordLog = pool.get('appliance.security.password.log')
        with Transaction().set_user(0):
            user, = User.create([{'login': 'jdoe', 'password': GOOD}])
        self.assertTrue(user.password_change_required)
        log, = PasswordLog.search([('user', '=', user.id)])
        self.assertEqual((log.event, log.how), ('changed', 'system'))

        admin = User.search([('login', '=', 'admin')])[0]
        with Transaction().set_user(admin.id):
            User.write([user], {'password': OTHER_GOOD})
        self.assertTrue(user.password_change_required)
        log = PasswordLog.search([('user', '=', user.id)])[0]
        self.assertEqual((log.how, log.author), ('admin', admin))

        with Transaction().set_user(user.id):
            User.write([User(user.id)], {'password': GOOD + 'x'})
        user = User(user.id)
        self.assertFalse(user.password_change_required)
        log = PasswordLog.search([('user', '=', user.id)])[0]
        self.assertEqual(log.how, 'self')

    @with_transaction()
    def test_logs_append_only(self):
        "Test the logs can be neither changed nor deleted"
        pool = Pool()
        User = pool.get('res.user')
        PasswordLog = pool.get('appliance.security.password.log')
        LoginLog = pool.get('appliance.security.login.log')
        create_user()
        User.get_login('jdoe', {'password': 'wrong'})
        for Log in [PasswordLog, LoginLog]:
            record = Log.search([])[0]
            with self.assertRaises(AccessError):
                Log.write([record], {'ip_address': '1.2.3.4'})
            with self.assertRaises(AccessError):
                Log.delete([record])

    # Forced change and reset

    @with_transaction()
    def test_first_login_forces_change(self):
        "Test a password set by an administrator is changed at first login"
        pool = Pool()
        User = pool.get('res.user')
        PasswordLog = pool.get('appliance.security.password.log')
        user, = User.create([{'login': 'jdoe', 'password': GOOD}])

        with self.assertRaises(LoginException) as cm:
            User.get_login('jdoe', {'password': GOOD})
        self.assertEqual(cm.exception.name, 'new_password')

        with self.assertRaises(LoginException) as cm:
            User.get_login('jdoe', {
                    'password': GOOD, 'new_password': 'Password1'})
        self.assertEqual(cm.exception.name, 'new_password')
        self.assertIn('too easy to guess', cm.exception.message)
        with self.assertRaises(LoginException) as cm:
            User.get_login('jdoe', {'password': GOOD, 'new_password': GOOD})
        self.assertIn('differ', cm.exception.message)

        self.assertEqual(User.get_login('jdoe', {
                    'password': GOOD, 'new_password': OTHER_GOOD}), user.id)
        self.assertFalse(User(user.id).password_change_required)
        self.assertEqual(
            PasswordLog.search([('user', '=', user.id)])[0].how,
            'first_login')
        self.assertEqual(
            User.get_login('jdoe', {'password': OTHER_GOOD}), user.id)
        self.assertIsNone(User.get_login('jdoe', {'password': GOOD}))

    @with_transaction()
    def test_first_login_demo(self):
        "Test the demo keeps its passwords"
        pool = Pool()
        User = pool.get('res.user')
        set_config(self, 'appliance_security', 'demo', 'True')
        user, = User.create([{'login': 'jdoe', 'password': GOOD}])
        self.assertEqual(User.get_login('jdoe', {'password': GOOD}), user.id)

    @with_transaction()
    def test_reset_password_single_use(self):
        "Test the reset password is changed at once and works once"
        pool = Pool()
        User = pool.get('res.user')
        PasswordLog = pool.get('appliance.security.password.log')
        user = create_user(email='jdoe@example.com')
        with patch('trytond.res.user.send_message_transactional'):
            User.reset_password([user])
        log = PasswordLog.search([('user', '=', user.id)])[0]
        self.assertEqual(
            (log.event, log.how), ('reset_requested', 'reset_email'))
        temporary = User(user.id).password_reset

        with self.assertRaises(LoginException) as cm:
            User.get_login('jdoe', {'password': temporary})
        self.assertEqual(cm.exception.name, 'new_password')
        self.assertEqual(User.get_login('jdoe', {
                    'password': temporary, 'new_password': OTHER_GOOD}),
            user.id)
        log = PasswordLog.search([('user', '=', user.id)])[0]
        self.assertEqual((log.event, log.how), ('changed', 'reset_email'))
        # Reused
        self.assertIsNone(User.get_login('jdoe', {
                    'password': temporary, 'new_password': GOOD}))

    @with_transaction()
    def test_reset_password_expired(self):
        "Test an expired reset password is refused"
        pool = Pool()
        User = pool.get('res.user')
        user = create_user(email='jdoe@example.com')
        with patch('trytond.res.user.send_message_transactional'):
            User.reset_password([user])
        temporary = User(user.id).password_reset
        User.write([user], {
                'password_reset_expire': (
                    dt.datetime.now() - dt.timedelta(minutes=1))})
        self.assertIsNone(User.get_login('jdoe', {
                    'password': temporary, 'new_password': OTHER_GOOD}))

    # Second factor

    @with_transaction()
    def test_totp_login(self):
        "Test login with TOTP: missing, wrong, expired, replayed, right"
        pool = Pool()
        User = pool.get('res.user')
        self.methods('password+totp')
        user = create_user()
        totp = enrol_totp(user)
        with request():
            with self.assertRaises(SecondFactorRequired):
                User.get_login('jdoe', {'password': GOOD})
            self.assertIsNone(User.get_login('jdoe', {
                        'password': GOOD, 'totp_code': wrong_code(totp)}))
            self.assertEqual(self.log()[0].reason, 'wrong_totp')
            expired = totp.at(time.time() - 120)
            self.assertIsNone(User.get_login('jdoe', {
                        'password': GOOD, 'totp_code': expired}))
            code = totp.now()
            self.assertEqual(User.get_login('jdoe', {
                        'password': GOOD, 'totp_code': code}), user.id)
            success = self.log()[0]
            self.assertEqual(
                (success.result, success.method, success.ip_address,
                    success.user_agent),
                ('success', 'password+totp', '203.0.113.7', 'TestAgent/1.0'))
            self.assertIsNone(User.get_login('jdoe', {
                        'password': GOOD, 'totp_code': code}))
            self.assertEqual(self.log()[0].reason, 'replayed_totp')
            # The wrong password is refused before the code
            self.assertIsNone(User.get_login('jdoe', {
                        'password': 'wrong', 'totp_code': totp.now()}))
            self.assertEqual(self.log()[0].reason, 'wrong_password')

    @with_transaction()
    def test_totp_enrolment_needs_code(self):
        "Test the set-up is confirmed only by a right code"
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        user = create_user()
        pending = TOTP.start(user)
        self.assertIsNone(TOTP.get_confirmed(user))
        totp = pyotp.TOTP(pending.secret)
        with self.assertRaises(TOTPError):
            TOTP.confirm(user, wrong_code(totp))
        self.assertIsNone(TOTP.get_confirmed(user))
        TOTP.confirm(user, totp.now())
        self.assertEqual(TOTP.get_confirmed(user), pending)

    @with_transaction()
    def test_recovery_code_single_use(self):
        "Test a recovery code logs in once"
        pool = Pool()
        User = pool.get('res.user')
        RecoveryCode = pool.get('appliance.security.recovery_code')
        self.methods('password+totp')
        user = create_user()
        enrol_totp(user)
        codes = RecoveryCode.generate(user)
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(set(codes)), 10)
        self.assertTrue(all(
                not r.code_hash.startswith(codes[0][:4])
                for r in RecoveryCode.search([])))
        self.assertEqual(User.get_login('jdoe', {
                    'password': GOOD, 'totp_code': codes[0].upper()}),
            user.id)
        self.assertEqual(self.log()[0].method, 'password+recovery')
        self.assertIsNone(User.get_login('jdoe', {
                    'password': GOOD, 'totp_code': codes[0]}))
        self.assertEqual(self.log()[0].reason, 'wrong_recovery_code')
        self.assertEqual(RecoveryCode.count_left(user), 9)

    @with_transaction()
    def test_trusted_device(self):
        "Test a trusted device skips the code until it is revoked"
        pool = Pool()
        User = pool.get('res.user')
        UserDevice = pool.get('res.user.device')
        self.methods('password+totp?device_cookie')
        user = create_user()
        totp = enrol_totp(user)
        with Transaction().set_user(user.id), request():
            cookie = UserDevice.renew(None)
        device, = UserDevice.search([('login', '=', 'jdoe')])
        self.assertEqual(device.user_agent, 'TestAgent/1.0')
        self.assertEqual(User(user.id).trusted_devices, (device,))

        self.assertEqual(User.get_login('jdoe', {
                    'password': GOOD, 'device_cookie': cookie}), user.id)
        self.assertEqual(self.log()[0].method, 'password+device')
        with self.assertRaises(SecondFactorRequired):
            User.get_login('jdoe', {
                    'password': GOOD, 'device_cookie': 'forged'})

        # Revoked from the preferences
        with Transaction().set_user(user.id):
            User.set_preferences({
                    'trusted_devices': [('delete', [device.id])]})
        self.assertFalse(UserDevice.search([]))
        with self.assertRaises(SecondFactorRequired):
            User.get_login('jdoe', {
                    'password': GOOD, 'device_cookie': cookie})
        self.assertEqual(User.get_login('jdoe', {
                    'password': GOOD, 'device_cookie': cookie,
                    'totp_code': totp.now()}), user.id)

    @with_transaction()
    def test_own_devices_only(self):
        "Test a user sees only the own trusted devices"
        pool = Pool()
        UserDevice = pool.get('res.user.device')
        jdoe = create_user()
        other = create_user(login='other', name='Other')
        UserDevice.create([
                {'login': 'jdoe', 'cookie': 'a'},
                {'login': 'other', 'cookie': 'b'}])
        with Transaction().set_user(jdoe.id), \
                Transaction().set_context(_check_access=True):
            devices = UserDevice.search([])
            self.assertEqual([d.login for d in devices], ['jdoe'])
        with Transaction().set_user(other.id), \
                Transaction().set_context(_check_access=True):
            self.assertEqual(
                [d.login for d in UserDevice.search([])], ['other'])

    @with_transaction()
    def test_mfa_mandatory_after_grace(self):
        "Test a user of the groups cannot log in without a second factor"
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        Configuration = pool.get('appliance.security.configuration')
        self.methods('password+totp')
        group, = Group.create([{'name': "Service Managers"}])
        config_ = Configuration(1)
        config_.mfa_groups = [group]
        config_.mfa_grace_days = 7
        config_.save()
        user = create_user(groups=[('add', [group.id])])
        self.assertTrue(user.mfa_mandatory)

        # Within the grace period: the password is enough, the set-up opens
        self.assertEqual(User.get_login('jdoe', {'password': GOOD}), user.id)
        self.assertIn(self._setup_action(), self._actions(user))

        config_.mfa_grace_days = 0
        config_.save()
        user = User(user.id)
        self.assertTrue(user.mfa_overdue)
        with self.assertRaises(SecondFactorRequired) as cm:
            User.get_login('jdoe', {'password': GOOD})
        self.assertIn('one-time code', cm.exception.message)
        self.assertIsNone(User.get_login('jdoe', {
                    'password': GOOD, 'totp_code': 'abcd-efgh-jkmn'}))
        # The device cookie sao got at an earlier login is no second factor
        self.methods('password+totp?device_cookie')
        with Transaction().set_user(user.id):
            cookie = pool.get('res.user.device').renew(None)
        with self.assertRaises(SecondFactorRequired):
            User.get_login('jdoe', {'password': GOOD, 'device_cookie': cookie})

        # The administrator resets it: a one-time code lets in once
        Reset = pool.get('appliance.security.mfa.reset', type='wizard')
        session_id, _, _ = Reset.create()
        with Transaction().set_context(
                active_model='res.user', active_id=user.id,
                active_ids=[user.id]):
            reset = Reset(session_id)
            code = reset.default_done(None)['code']
        self.assertEqual(User.get_login('jdoe', {
                    'password': GOOD, 'totp_code': code}), user.id)
        self.assertIsNone(User.get_login('jdoe', {
                    'password': GOOD, 'totp_code': code}))

        enrol_totp(User(user.id))
        self.assertFalse(User(user.id).mfa_overdue)
        self.assertNotIn(self._setup_action(), self._actions(user))

    def _actions(self, user):
        "The actions run at login"
        pool = Pool()
        User = pool.get('res.user')
        Avatar = pool.get('ir.avatar')
        # The avatar is made in a transaction of its own that would commit
        # the test data into the in-memory SQLite database
        with patch.object(Avatar, 'get', return_value=None), \
                Transaction().set_user(user.id):
            return User.get_preferences()['actions']

    def _setup_action(self):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action')
        return Action.get_action_id(ModelData.get_id(
                'appliance_security', 'wizard_mfa_setup'))

    @with_transaction()
    def test_password_only_chain_refused(self):
        "Test a password-only chain does not bypass an enrolled factor"
        pool = Pool()
        User = pool.get('res.user')
        self.methods('password+totp,password')
        user = create_user()
        totp = enrol_totp(user)
        self.assertIsNone(User.get_login('jdoe', {
                    'password': GOOD, 'totp_code': wrong_code(totp)}))
        self.assertEqual(
            [r.reason for r in self.log()[:2]],
            ['second_factor_required', 'wrong_totp'])

    @with_transaction()
    def test_sms_second_factor(self):
        "Test the SMS code through the logging adapter"
        pool = Pool()
        User = pool.get('res.user')
        self.methods('password+totp,password+sms')
        set_config(self, 'authentication_sms', 'function',
            'trytond.modules.appliance_security.sms.send_sms')
        user = create_user(mobile='+8613800138000')
        self.assertTrue(User(user.id).mfa_enrolled)
        with self.assertRaises(LoginException) as cm:
            User.get_login('jdoe', {'password': GOOD})
        self.assertEqual(cm.exception.name, 'sms_code')
        sms, = LoggingSMSAdapter.sent
        self.assertEqual(sms['to'], '+8613800138000')
        code = sms['text'].split()[-1].strip('.')
        wrong = '000000' if code != '000000' else '111111'
        with self.assertRaises(LoginException):
            User.get_login('jdoe', {'password': GOOD, 'sms_code': wrong})
        self.assertEqual(self.log()[0].reason, 'wrong_sms_code')
        code = ''.join(c for c in sms['text'] if c.isdigit())
        self.assertEqual(User.get_login('jdoe', {
                    'password': GOOD, 'sms_code': code}), user.id)
        self.assertEqual(self.log()[0].method, 'password+sms')

    # Throttling and alerts

    @with_transaction()
    def test_brute_force_throttled_and_alerted(self):
        "Test a burst of failures alerts once and throttles the account"
        pool = Pool()
        User = pool.get('res.user')
        Configuration = pool.get('appliance.security.configuration')
        Alert = pool.get('appliance.security.login.alert')
        Notification = pool.get('res.notification')
        config_ = Configuration(1)
        config_.alert_account = 3
        config_.alert_ip = 100
        config_.throttle_account = 4
        config_.save()
        create_user()
        with request():
            for _ in range(4):
                self.assertIsNone(
                    User.get_login('jdoe', {'password': 'guess'}))
            alert, = Alert.search([])
            self.assertEqual(
                (alert.scope, alert.key, alert.failures),
                ('account', 'jdoe', 4))
            notifications = Notification.search([])
            self.assertEqual(len(notifications), 1)
            self.assertIn('jdoe', notifications[0].description)

            # Even the right password is refused now
            with self.assertRaises(RateLimitException):
                User.get_login('jdoe', {'password': GOOD})
            self.assertEqual(
                (self.log()[0].result, self.log()[0].reason),
                ('refused', 'throttled_account'))
            self.assertEqual(len(Notification.search([])), 1)

    @with_transaction()
    def test_ip_throttled(self):
        "Test failures from one address on many accounts are throttled"
        pool = Pool()
        User = pool.get('res.user')
        Configuration = pool.get('appliance.security.configuration')
        Alert = pool.get('appliance.security.login.alert')
        config_ = Configuration(1)
        config_.alert_ip = 3
        config_.throttle_ip = 5
        config_.save()
        create_user()
        with request():
            for i in range(5):
                self.assertIsNone(
                    User.get_login(f'user{i}', {'password': 'guess'}))
            self.assertEqual(self.log()[0].reason, 'unknown_login')
            with self.assertRaises(RateLimitException):
                User.get_login('jdoe', {'password': GOOD})
        with request(remote_addr='198.51.100.1'):
            self.assertTrue(User.get_login('jdoe', {'password': GOOD}))
        alert, = Alert.search([('scope', '=', 'ip')])
        self.assertEqual(alert.key, '203.0.113.7')

    @with_transaction()
    def test_rest_unknown_key_logged(self):
        "Test an unknown application key is logged"
        pool = Pool()
        UserApplication = pool.get('res.user.application')
        with request():
            self.assertIsNone(UserApplication.check('nope', 'rest'))
        record = self.log()[0]
        self.assertEqual(
            (record.reason, record.method), ('unknown_key', 'rest key'))

    @with_transaction()
    def test_preferences_mfa_setup(self):
        "Test every user opens the set-up from the preferences"
        pool = Pool()
        User = pool.get('res.user')
        user = create_user()
        with Transaction().set_user(user.id), \
                Transaction().set_context(_check_access=True):
            view = User.get_preferences_fields_view()
            button, = etree.fromstring(view['arch']).xpath(
                "//button[@name='mfa_setup']")
            self.assertNotEqual(
                PYSONDecoder().decode(button.get('states')).get('readonly'),
                True)
            self.assertTrue(view['fields']['mfa_status']['readonly'])
        # Called through its RPC, which does not check the access
        self.assertFalse(User.__rpc__['mfa_setup'].check_access)
        with Transaction().set_user(user.id):
            action = User.mfa_setup([User(user.id)])
        self.assertEqual(action, self._setup_action())
        with Transaction().set_user(user.id), \
                self.assertRaises(AccessError):
            User.mfa_setup([User(1)])

    # Sessions

    @with_transaction()
    def test_password_change_revokes_other_sessions(self):
        "Test the own password change keeps only the current session"
        pool = Pool()
        User = pool.get('res.user')
        Session = pool.get('ir.session')
        user = create_user()
        with Transaction().set_user(user.id):
            current = Session.new()
            other = Session.new()
        info = wsgi.RequestInfo(session_key=current)
        with patch.object(wsgi, 'current', return_value=info), \
                Transaction().set_user(user.id):
            User.set_preferences({'password': OTHER_GOOD})
        self.assertEqual(
            [s.key for s in Session.search([('create_uid', '=', user.id)])],
            [current])
        self.assertNotIn(other, [s.key for s in Session.search([])])

    # Web users

    def _web_user(self, email='li.lei@example.com', mobile=None):
        pool = Pool()
        WebUser = pool.get('web.user')
        Party = pool.get('party.party')
        party, = Party.create([{
                    'name': "Li Lei",
                    'mobile_number': mobile,
                    }])
        user, = WebUser.create([{
                    'email': email, 'password': GOOD, 'party': party.id,
                    'email_valid': True}])
        return user

    @with_transaction()
    def test_web_user_login_log_and_totp(self):
        "Test web users are logged and may opt in to TOTP"
        pool = Pool()
        WebUser = pool.get('web.user')
        user = self._web_user()
        with request():
            self.assertIsNone(WebUser.authenticate('li.lei@example.com', 'x'))
            self.assertEqual(
                (self.log()[0].kind, self.log()[0].reason),
                ('web', 'wrong_password'))
            self.assertIsNone(WebUser.authenticate('nobody@example.com', 'x'))
            self.assertEqual(self.log()[0].reason, 'unknown_login')
            self.assertEqual(
                WebUser.authenticate('LI.LEI@example.com', GOOD), user)

            enrolment = user.totp_enrol()
            self.assertTrue(enrolment['uri'].startswith('otpauth://totp/'))
            self.assertTrue(enrolment['qrcode'].startswith(b'\x89PNG'))
            totp = pyotp.TOTP(enrolment['secret'])
            with self.assertRaises(TOTPError):
                user.totp_confirm(wrong_code(totp))
            codes = user.totp_confirm(totp.at(time.time() - 30))
            self.assertEqual(len(codes), 10)

            with self.assertRaises(SecondFactorRequired):
                WebUser.authenticate('li.lei@example.com', GOOD)
            self.assertIsNone(WebUser.authenticate_second_factor(
                    'li.lei@example.com', GOOD, wrong_code(totp)))
            self.assertEqual(self.log()[0].reason, 'wrong_totp')
            code = totp.now()
            self.assertEqual(WebUser.authenticate_second_factor(
                    'li.lei@example.com', GOOD, code), user)
            self.assertIsNone(WebUser.authenticate_second_factor(
                    'li.lei@example.com', GOOD, code))
            self.assertEqual(self.log()[0].reason, 'replayed_totp')
            self.assertEqual(WebUser.authenticate_second_factor(
                    'li.lei@example.com', GOOD, codes[3]), user)
            self.assertIsNone(WebUser.authenticate_second_factor(
                    'li.lei@example.com', GOOD, codes[3]))

    @with_transaction()
    def test_web_user_password_change_revokes_sessions(self):
        "Test a web user's password change keeps only the current session"
        pool = Pool()
        WebUser = pool.get('web.user')
        Session = pool.get('web.user.session')
        user = self._web_user()
        current = user.new_session()
        user.new_session()
        with Transaction().set_context(web_user_session=current):
            WebUser.write([user], {'password': OTHER_GOOD})
        self.assertEqual([s.key for s in Session.search([])], [current])
        WebUser.write([user], {'password': GOOD})
        self.assertFalse(Session.search([]))

    @with_transaction()
    def test_web_user_reset_email_token(self):
        "Test the reset link works once and expires"
        pool = Pool()
        WebUser = pool.get('web.user')
        PasswordLog = pool.get('appliance.security.password.log')
        user = self._web_user()
        with patch('trytond.modules.web_user.user.send_message_transactional'):
            self.assertIsNone(WebUser.request_password_reset(
                    'li.lei@example.com'))
            self.assertIsNone(WebUser.request_password_reset(
                    'nobody@example.com'))
        token = user.reset_password_token
        self.assertTrue(token)
        self.assertTrue(WebUser.set_password_token(
                'li.lei@example.com', token, OTHER_GOOD))
        log = PasswordLog.search([('web_user', '=', user.id)])[0]
        self.assertEqual((log.event, log.how), ('changed', 'reset_email'))
        # Reused
        self.assertFalse(WebUser.set_password_token(
                'li.lei@example.com', token, GOOD))

        user.set_reset_password_token()
        user.reset_password_token_expire = (
            dt.datetime.now() - dt.timedelta(minutes=1))
        user.save()
        self.assertFalse(WebUser.set_password_token(
                'li.lei@example.com', user.reset_password_token, GOOD))

    @with_transaction()
    def test_web_user_reset_sms(self):
        "Test the reset code by SMS: wrong, expired, reused, unknown"
        pool = Pool()
        WebUser = pool.get('web.user')
        ResetCode = pool.get('appliance.security.web.reset_code')
        PasswordLog = pool.get('appliance.security.password.log')
        user = self._web_user(mobile='+8613800138000')
        self.assertIsNone(WebUser.request_password_reset(
                '+8613800138001', channel='sms'))
        self.assertFalse(LoggingSMSAdapter.sent)
        self.assertIsNone(WebUser.request_password_reset(
                '+8613800138000', channel='sms'))
        sms, = LoggingSMSAdapter.sent
        code = ''.join(c for c in sms['text'] if c.isdigit())[:6]
        self.assertEqual(len(code), 6)
        self.assertNotEqual(ResetCode.search([])[0].code_hash, code)
        wrong = '000000' if code != '000000' else '111111'
        self.assertFalse(WebUser.set_password_sms(
                'li.lei@example.com', wrong, OTHER_GOOD))
        with self.assertRaises(PasswordError):
            WebUser.set_password_sms(
                'li.lei@example.com', code, 'Password1')
        self.assertTrue(WebUser.set_password_sms(
                'li.lei@example.com', code, OTHER_GOOD))
        log = PasswordLog.search([('web_user', '=', user.id)])[0]
        self.assertEqual((log.event, log.how), ('changed', 'reset_sms'))
        self.assertTrue(WebUser.authenticate(
                'li.lei@example.com', OTHER_GOOD))
        # Reused
        self.assertFalse(WebUser.set_password_sms(
                'li.lei@example.com', code, GOOD))

        # Expired
        WebUser.request_password_reset('li.lei@example.com', channel='sms')
        code = ''.join(
            c for c in LoggingSMSAdapter.sent[-1]['text'] if c.isdigit())[:6]
        reset_code, = ResetCode.search([])
        ResetCode.write([reset_code], {
                'expire': dt.datetime.now() - dt.timedelta(seconds=1)})
        self.assertFalse(WebUser.set_password_sms(
                'li.lei@example.com', code, GOOD))

    @with_transaction()
    def test_web_user_reset_sms_attempts(self):
        "Test the reset code dies after too many wrong attempts"
        pool = Pool()
        WebUser = pool.get('web.user')
        self._web_user(mobile='+8613800138000')
        WebUser.request_password_reset('li.lei@example.com', channel='sms')
        code = ''.join(
            c for c in LoggingSMSAdapter.sent[-1]['text'] if c.isdigit())[:6]
        wrong = '000000' if code != '000000' else '111111'
        for _ in range(5):
            self.assertFalse(WebUser.set_password_sms(
                    'li.lei@example.com', wrong, OTHER_GOOD))
        self.assertFalse(WebUser.set_password_sms(
                'li.lei@example.com', code, OTHER_GOOD))

    # Roles

    @with_transaction()
    def test_role_move_for_period(self):
        "Test a move to another role changes the groups now and reverts"
        pool = Pool()
        User = pool.get('res.user')
        Role = pool.get('res.role')
        Group = pool.get('res.group')
        UserRole = pool.get('res.user.role')
        service, manager = Group.create([
                {'name': "Desk Test"}, {'name': "Managers Test"}])
        customer_service, service_manager = Role.create([
                {'name': "Customer Service",
                    'groups': [('add', [service.id])]},
                {'name': "Service Manager",
                    'groups': [('add', [manager.id])]},
                ])
        user = create_user()
        # Saved on its own, the assignment applies at once
        UserRole.create([{'user': user.id, 'role': customer_service.id}])
        self.assertEqual(User(user.id).groups, (service,))

        now = dt.datetime.now().replace(microsecond=0)
        end = now + dt.timedelta(days=7)
        User.move_role(
            User(user.id), customer_service, service_manager,
            now - dt.timedelta(minutes=1), end)
        self.assertEqual(User(user.id).groups, (manager,))
        with Transaction().set_user(user.id):
            self.assertIn(manager.id, User.get_groups())

        # The daily cron runs on the day after the period
        Cron = pool.get('ir.cron')
        cron, = Cron.search([('method', '=', 'res.user|sync_roles')])
        with patch('trytond.modules.user_role.res.dt') as clock:
            clock.datetime.now.return_value = end + dt.timedelta(days=1)
            clock.datetime.min, clock.datetime.max = (
                dt.datetime.min, dt.datetime.max)
            Cron.run_once([cron])
        self.assertEqual(User(user.id).groups, (service,))

        # Deleting the assignments leaves no group
        UserRole.delete(UserRole.search([('user', '=', user.id)]))
        self.assertEqual(User(user.id).groups, ())

    @with_transaction()
    def test_role_expired(self):
        "Test an expired assignment gives no group"
        pool = Pool()
        User = pool.get('res.user')
        Role = pool.get('res.role')
        Group = pool.get('res.group')
        UserRole = pool.get('res.user.role')
        group, = Group.create([{'name': "Managers Test"}])
        role, = Role.create([{'name': "Manager",
                    'groups': [('add', [group.id])]}])
        user = create_user()
        now = dt.datetime.now()
        assignment, = UserRole.create([{
                    'user': user.id, 'role': role.id,
                    'from_date': now - dt.timedelta(days=10),
                    'to_date': now - dt.timedelta(days=1)}])
        self.assertEqual(User(user.id).groups, ())
        UserRole.write([assignment], {'to_date': None})
        self.assertEqual(User(user.id).groups, (group,))


del ModuleTestCase

# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import contextvars
import datetime as dt
from secrets import compare_digest

from lxml import etree
from sql import Literal

from trytond.exceptions import LoginException, RateLimitException
from trytond.i18n import gettext
from trytond.model import ModelView, dualmethod, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, PYSONEncoder
from trytond.res.user import PasswordError
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from .common import configured_methods, demo_mode, remote_address, user_agent
from .exceptions import PasswordStrengthError, SecondFactorRequired
from .mfa import is_totp_code
from .password import check_strength

SECOND_FACTORS = {'totp', 'recovery', 'sms', 'device'}


class _Attempt:
    "What one call of get_login learnt"

    def __init__(self):
        self.factors = set()
        self.logged = False
        self.new_password = None
        self.how = None

    @property
    def method(self):
        return '+'.join(['password'] + sorted(self.factors))


_attempt = contextvars.ContextVar('appliance_security_attempt', default=None)


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    password_change_required = fields.Boolean(
        "Password Change Required",
        help="The user must choose a new password at the next login.\n"
        "Set when an administrator sets the password.")
    mfa_mandatory = fields.Function(
        fields.Boolean("Two-Factor Mandatory"), 'get_mfa')
    mfa_deadline = fields.Function(
        fields.DateTime("Two-Factor Deadline",
            help="The user cannot log in without a second factor "
            "after this date."),
        'get_mfa')
    mfa_enrolled = fields.Function(
        fields.Boolean("Two-Factor Set Up"), 'get_mfa')
    mfa_status = fields.Function(
        fields.Char("Two-Factor Authentication"), 'get_mfa_status')
    trusted_devices = fields.Function(
        fields.One2Many('res.user.device', None, "Trusted Devices",
            help="Remove a device to ask it the second factor again."),
        'get_trusted_devices', setter='set_trusted_devices')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._preferences_fields.extend([
                'mfa_status', 'mfa_enrolled', 'trusted_devices'])
        cls._buttons.update({
                'mfa_setup': {},
                'mfa_reset': {
                    'invisible': Eval('id', -1) < 0,
                    'depends': ['id'],
                    },
                })
        # Everybody sets up their own second factor from the preferences
        cls.__rpc__['mfa_setup'] = RPC(
            readonly=False, instantiate=0, check_access=False)

    @classmethod
    def default_password_change_required(cls):
        return False

    # Passwords

    @classmethod
    def validate_password(cls, password, users):
        super().validate_password(password, users)
        check_strength(password, users)

    @classmethod
    def set_password(cls, users, name, value):
        pool = Pool()
        PasswordLog = pool.get('appliance.security.password.log')
        super().set_password(users, name, value)
        if value == 'x' * 10:
            return
        how = (Transaction().context.get('_password_change_how')
            or cls._password_change_how(users))
        cls.write(list(users), {
                'password_change_required': (
                    bool(value) and how in {'admin', 'system'}),
                })
        PasswordLog.add('changed', how, users=users)

    @classmethod
    def _password_change_how(cls, users):
        user = Transaction().user
        if not user:
            return 'system'
        elif all(u.id == user for u in users):
            return 'self'
        return 'admin'

    @dualmethod
    @ModelView.button
    def reset_password(cls, users, length=8, from_=None):
        pool = Pool()
        PasswordLog = pool.get('appliance.security.password.log')
        super().reset_password(users, length=length, from_=from_)
        PasswordLog.add('reset_requested', 'reset_email', users=users)

    # Login

    @classmethod
    def get_login(cls, login, parameters):
        pool = Pool()
        LoginLog = pool.get('appliance.security.login.log')
        reason = LoginLog.throttle_reason('staff', login)
        if reason:
            LoginLog.add_attempt('staff', login, 'refused', reason)
            raise RateLimitException()
        attempt = _Attempt()
        token = _attempt.set(attempt)
        try:
            try:
                user_id = super().get_login(login, parameters)
            except RateLimitException:
                LoginLog.add_attempt('staff', login, 'refused', 'throttled')
                raise
            if user_id:
                user_id = cls._login_policy(user_id, login, attempt)
            if user_id:
                LoginLog.add_attempt(
                    'staff', login, 'success', method=attempt.method,
                    user=user_id)
            elif not attempt.logged:
                LoginLog.add_attempt(
                    'staff', login, 'failure',
                    reason=cls._login_failure_reason(login),
                    method='password')
            return user_id
        finally:
            _attempt.reset(token)

    @classmethod
    def _login_failure_reason(cls, login):
        user_id = cls._get_login(login)[0]
        return 'wrong_password' if user_id else 'unknown_login'

    @classmethod
    def _login_failed(cls, login, reason, user_id=None, method=None):
        "Log a failure found by a login method"
        pool = Pool()
        LoginLog = pool.get('appliance.security.login.log')
        LoginLog.add_attempt(
            'staff', login, 'failure', reason=reason, method=method,
            user=user_id)
        attempt = _attempt.get()
        if attempt is not None:
            attempt.logged = True

    @classmethod
    def _login_policy(cls, user_id, login, attempt):
        "Refuse what the chain let in without the second factor it needs"
        user = cls(user_id)
        if (not attempt.factors & SECOND_FACTORS
                and configured_methods() & {'totp', 'sms'}
                and (user.mfa_enrolled or user.mfa_overdue)):
            cls._login_failed(
                login, 'second_factor_required', user_id=user_id,
                method=attempt.method)
            return None
        if attempt.new_password:
            with Transaction().set_context(
                    _password_change_how=attempt.how):
                cls.write([user], {'password': attempt.new_password})
        return user_id

    @classmethod
    def _login_password(cls, login, parameters):
        user_id = super()._login_password(login, parameters)
        attempt = _attempt.get()
        if not user_id or attempt is None:
            return user_id
        _, _, password_reset = cls._get_login(login)
        used_reset = bool(password_reset) and compare_digest(
            password_reset, parameters['password'])
        user = cls(user_id)
        if used_reset:
            attempt.how = 'reset_email'
        elif user.password_change_required and not demo_mode():
            attempt.how = 'first_login'
        else:
            return user_id
        new_password = parameters.get('new_password')
        if not new_password:
            raise LoginException(
                'new_password',
                gettext('appliance_security.msg_password_change_required',
                    login=login),
                type='password')
        try:
            if new_password == parameters['password']:
                raise PasswordStrengthError(gettext(
                        'appliance_security.msg_password_same'))
            cls.validate_password(new_password, [user])
        except PasswordError as exception:
            raise LoginException(
                'new_password',
                gettext('appliance_security.msg_password_change_refused',
                    reason=exception.message),
                type='password')
        attempt.new_password = new_password
        return user_id

    @classmethod
    def _login_totp(cls, login, parameters):
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        RecoveryCode = pool.get('appliance.security.recovery_code')
        user_id = cls._get_login(login)[0]
        if not user_id:
            return None
        user = cls(user_id)
        attempt = _attempt.get()
        factors = attempt.factors if attempt is not None else set()
        code = (parameters.get('totp_code') or '').strip()
        totp = TOTP.get_confirmed(user)
        if totp is None:
            if user.sms_available:
                # The SMS of the next chain is this user's second factor
                return None
            if not user.mfa_overdue:
                return user_id
            if not code:
                raise SecondFactorRequired(gettext(
                        'appliance_security.msg_mfa_enrolment_required',
                        login=login))
            if RecoveryCode.use(user, code):
                factors.add('recovery')
                return user_id
            cls._login_failed(
                login, 'wrong_recovery_code', user_id=user_id,
                method='password+recovery')
            return None
        if not code:
            raise SecondFactorRequired(gettext(
                    'appliance_security.msg_totp_code', login=login))
        if is_totp_code(code):
            reason = totp.check(code)
            if not reason:
                factors.add('totp')
                return user_id
        elif RecoveryCode.use(user, code):
            factors.add('recovery')
            return user_id
        else:
            reason = 'wrong_recovery_code'
        cls._login_failed(
            login, reason, user_id=user_id, method='password+totp')
        return None

    @classmethod
    def _login_sms(cls, login, parameters):
        user_id = cls._get_login(login)[0]
        if not user_id or not cls(user_id).mobile:
            # No code could be sent: do not ask for it
            return None
        code = (parameters.get('sms_code') or '').strip()
        try:
            result = super()._login_sms(login, parameters)
        except LoginException:
            if code:
                cls._login_failed(
                    login, 'wrong_sms_code', user_id=user_id,
                    method='password+sms')
            raise
        attempt = _attempt.get()
        if result and attempt is not None:
            attempt.factors.add('sms')
        return result

    @classmethod
    def _check_login_options_device_cookie(cls, login, parameters):
        valid = super()._check_login_options_device_cookie(login, parameters)
        if valid:
            # sao renews a device cookie after every login: the device is
            # trusted only to skip a second factor the user has
            user_id = cls._get_login(login)[0]
            if not user_id or not cls(user_id).mfa_enrolled:
                return False
            attempt = _attempt.get()
            if attempt is not None:
                attempt.factors.add('device')
        return valid

    # Two-factor policy

    @property
    def sms_available(self):
        return bool(self.mobile) and 'sms' in configured_methods()

    @classmethod
    def _group_ids(cls, user_id):
        "The groups of the user with their parents, like get_groups"
        pool = Pool()
        UserGroup = pool.get('res.user-res.group')
        Group = pool.get('res.group')
        cursor = Transaction().connection.cursor()
        group = Group.__table__()
        user_group = UserGroup.user_group_all_table()
        cursor.execute(*user_group
            .join(group, 'LEFT', user_group.group == group.id)
            .select(user_group.group,
                where=(user_group.user == user_id)
                & (group.active == Literal(True))))
        return {g for g, in cursor}

    @classmethod
    def get_mfa(cls, users, names):
        pool = Pool()
        Configuration = pool.get('appliance.security.configuration')
        TOTP = pool.get('appliance.security.totp')
        config = Configuration(1)
        mfa_groups = {g.id for g in config.mfa_groups}
        grace = dt.timedelta(days=config.mfa_grace_days)
        start = (dt.datetime.combine(config.mfa_policy_date, dt.time())
            if config.mfa_policy_date else dt.datetime.min)
        result = {n: {} for n in names}
        for user in users:
            mandatory = bool(mfa_groups & cls._group_ids(user.id))
            values = {
                'mfa_mandatory': mandatory,
                'mfa_deadline': (
                    (max(user.create_date, start) + grace).replace(
                        microsecond=0)
                    if mandatory else None),
                'mfa_enrolled': (
                    bool(TOTP.get_confirmed(user)) or user.sms_available),
                }
            for name in names:
                result[name][user.id] = values[name]
        return result

    @property
    def mfa_overdue(self):
        "Whether the user cannot log in any more without a second factor"
        return (self.mfa_mandatory and not self.mfa_enrolled
            and dt.datetime.now() > self.mfa_deadline)

    @property
    def mfa_enrolment_due(self):
        return self.mfa_mandatory and not self.mfa_enrolled

    def mfa_status_text(self):
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        RecoveryCode = pool.get('appliance.security.recovery_code')
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        if TOTP.get_confirmed(self):
            return gettext('appliance_security.msg_mfa_status_totp',
                codes=RecoveryCode.count_left(self))
        elif self.sms_available:
            return gettext('appliance_security.msg_mfa_status_sms')
        elif self.mfa_mandatory:
            return gettext('appliance_security.msg_mfa_status_due',
                deadline=lang.strftime(self.mfa_deadline))
        return gettext('appliance_security.msg_mfa_status_none')

    def get_mfa_status(self, name):
        return self.mfa_status_text()

    def get_trusted_devices(self, name):
        pool = Pool()
        UserDevice = pool.get('res.user.device')
        with without_check_access():
            return [d.id for d in UserDevice.search([
                        ('login', '=', self.login),
                        ])]

    @classmethod
    def set_trusted_devices(cls, users, name, value):
        "Only removing a device makes sense"
        pool = Pool()
        UserDevice = pool.get('res.user.device')
        ids = set()
        for action, *args in value:
            if action in {'delete', 'remove'}:
                ids.update(args[0])
        if not ids:
            return
        logins = [u.login for u in users]
        with without_check_access():
            UserDevice.delete(UserDevice.search([
                        ('id', 'in', list(ids)),
                        ('login', 'in', logins),
                        ]))

    @classmethod
    def _get_preferences(cls, user, context_only=False):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action')
        preferences = super()._get_preferences(user, context_only=context_only)
        if (not context_only and user.mfa_enrolment_due
                and not demo_mode()):
            # Open the set-up at login until it is done (not in the demo,
            # whose users share their published password)
            action_id = Action.get_action_id(ModelData.get_id(
                    'appliance_security', 'wizard_mfa_setup'))
            actions = preferences.setdefault('actions', [])
            if action_id not in actions:
                actions.insert(0, action_id)
        return preferences

    @classmethod
    def get_preferences_fields_view(cls):
        result = super().get_preferences_fields_view()
        for name in ['mfa_status', 'mfa_enrolled']:
            if name in result['fields']:
                result['fields'][name]['readonly'] = True
        # The view marks the buttons readonly for the users who may not
        # write users, but everybody sets up their own second factor
        arch = etree.fromstring(result['arch'])
        for button in arch.xpath("//button[@name='mfa_setup']"):
            button.set('states', PYSONEncoder().encode(
                    cls._buttons['mfa_setup']))
        result['arch'] = etree.tostring(arch, encoding='utf-8').decode()
        return result

    @classmethod
    @ModelView.button_action('appliance_security.wizard_mfa_setup')
    def mfa_setup(cls, users):
        if any(u.id != Transaction().user for u in users):
            raise AccessError(gettext('appliance_security.msg_mfa_own'))

    @classmethod
    @ModelView.button_action('appliance_security.wizard_mfa_reset')
    def mfa_reset(cls, users):
        pass


class UserDevice(ModelView, metaclass=PoolMeta):
    __name__ = 'res.user.device'

    user_agent = fields.Char("User Agent", readonly=True)
    ip_address = fields.Char("IP Address", readonly=True)
    last_used = fields.Function(
        fields.DateTime("Last Used"), 'get_last_used')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.login.readonly = True
        cls._order = [('write_date', 'DESC NULLS LAST'), ('id', 'DESC')]

    def get_last_used(self, name):
        return self.last_modified_at.replace(microsecond=0)

    @classmethod
    def renew(cls, current_cookie):
        new_cookie = super().renew(current_cookie)
        ip_address, _ = remote_address()
        with without_check_access():
            devices = cls.search([('cookie', '=', new_cookie)])
            cls.write(devices, {
                    'user_agent': user_agent(),
                    'ip_address': ip_address,
                    })
        return new_cookie


class UserApplication(metaclass=PoolMeta):
    __name__ = 'res.user.application'

    @classmethod
    def check(cls, key, application):
        """Refuse the keys from an address with too many failures and log
        the unknown keys (the valid ones are in trytond's request log)"""
        pool = Pool()
        LoginLog = pool.get('appliance.security.login.log')
        transaction = Transaction()
        if LoginLog.throttle_reason('staff', None):
            return None
        record = super().check(key, application)
        if record is None:
            method = f'{application} key'
            if transaction.readonly:
                # GET requests are served in a read-only transaction
                with transaction.new_transaction() as log_transaction:
                    LoginLog.add_attempt(
                        'staff', None, 'failure', 'unknown_key', method)
                    log_transaction.commit()
            else:
                LoginLog.add_attempt(
                    'staff', None, 'failure', 'unknown_key', method)
        return record

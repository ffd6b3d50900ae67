# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Web users (customers): login log, opt-in second factor, reset by SMS.

The portal and the API call these model methods; they answer the same way
whether an account exists or not.
"""
import datetime as dt
import random
import secrets
import time

from trytond.exceptions import RateLimitException
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, fields
from trytond.modules.appliance.party import normalize_mobile
from trytond.pool import Pool, PoolMeta
from trytond.res.user import PASSWORD_HASH
from trytond.transaction import Transaction, without_check_access

from .exceptions import SecondFactorRequired, TOTPError
from .mfa import is_totp_code
from .sms import send_sms

RESET_CODE_DIGITS = 6


class WebUser(metaclass=PoolMeta):
    __name__ = 'web.user'

    # Login

    @classmethod
    def _login_method(cls, factor=None):
        channel = Transaction().context.get('login_channel')
        method = 'password' + (f'+{factor}' if factor else '')
        return f'{channel}:{method}' if channel else method

    @classmethod
    def authenticate(cls, email, password, code=None):
        """Return the user when the password and, if the user set one up,
        the second factor are right.

        Raise SecondFactorRequired when the password is right and the code
        is missing: the caller asks for it and calls again with it."""
        pool = Pool()
        LoginLog = pool.get('appliance.security.login.log')
        Attempt = pool.get('web.user.authenticate.attempt')
        login = (email or '').lower()
        reason = LoginLog.throttle_reason('web', login)
        if reason:
            LoginLog.add_attempt('web', login, 'refused', reason)
            raise RateLimitException()
        try:
            user = super().authenticate(email, password)
        except RateLimitException:
            LoginLog.add_attempt('web', login, 'refused', 'throttled')
            raise
        if not user:
            LoginLog.add_attempt(
                'web', login, 'failure', reason=cls._failure_reason(login),
                method=cls._login_method())
            return None
        factor = None
        if user.totp_enabled:
            code = (code or '').strip()
            if not code:
                raise SecondFactorRequired(gettext(
                        'appliance_security.msg_totp_code', login=login))
            factor, reason = user._check_second_factor(code)
            if reason:
                Attempt.add(login)
                LoginLog.add_attempt(
                    'web', login, 'failure', reason=reason,
                    method=cls._login_method(factor), web_user=user.id)
                return None
        LoginLog.add_attempt(
            'web', login, 'success', method=cls._login_method(factor),
            web_user=user.id)
        return user

    @classmethod
    def authenticate_second_factor(cls, email, password, code):
        "Authenticate with the password and the code of the second factor"
        return cls.authenticate(email, password, code=code)

    @classmethod
    def _failure_reason(cls, login):
        users = cls.search([('email', '=', login)], limit=1)
        return 'wrong_password' if users else 'unknown_login'

    # Second factor (opt-in)

    @property
    def totp_enabled(self):
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        return bool(TOTP.get_confirmed(self))

    def _check_second_factor(self, code):
        "Return the factor used and the reason of the failure or None"
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        RecoveryCode = pool.get('appliance.security.recovery_code')
        if is_totp_code(code):
            totp = TOTP.get_confirmed(self)
            return 'totp', totp.check(code) if totp else 'wrong_totp'
        elif RecoveryCode.use(self, code):
            return 'recovery', None
        return 'recovery', 'wrong_recovery_code'

    def totp_enrol(self):
        """Start the set-up of an authenticator app.

        Return the key, its otpauth:// URI and the QR code (PNG) of the URI;
        nothing changes for the login until totp_confirm."""
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        pending = TOTP.start(self)
        return {
            'secret': pending.secret,
            'uri': pending.provisioning_uri(self),
            'qrcode': pending.qrcode(self),
            }

    def totp_confirm(self, code):
        "Confirm the set-up with a first code and return the recovery codes"
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        RecoveryCode = pool.get('appliance.security.recovery_code')
        PasswordLog = pool.get('appliance.security.password.log')
        TOTP.confirm(self, (code or '').strip())
        PasswordLog.add('mfa_enabled', 'self', web_users=[self])
        return RecoveryCode.generate(self)

    def totp_verify(self, code):
        "Check a code of the second factor (spent when right)"
        return not self._check_second_factor((code or '').strip())[1]

    def totp_disable(self, code):
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        RecoveryCode = pool.get('appliance.security.recovery_code')
        PasswordLog = pool.get('appliance.security.password.log')
        if not self.totp_verify(code):
            raise TOTPError(gettext('appliance_security.msg_totp_wrong_code'))
        TOTP.remove(self)
        RecoveryCode.remove(self)
        PasswordLog.add('mfa_disabled', 'self', web_users=[self])

    def regenerate_recovery_codes(self, code):
        pool = Pool()
        RecoveryCode = pool.get('appliance.security.recovery_code')
        PasswordLog = pool.get('appliance.security.password.log')
        if not self.totp_enabled or not self.totp_verify(code):
            raise TOTPError(gettext('appliance_security.msg_totp_wrong_code'))
        PasswordLog.add('recovery_codes', 'self', web_users=[self])
        return RecoveryCode.generate(self)

    # Passwords

    @classmethod
    def set_password(cls, users, name, value):
        pool = Pool()
        PasswordLog = pool.get('appliance.security.password.log')
        super().set_password(users, name, value)
        if value == 'x' * 10:
            return
        how = Transaction().context.get('_password_change_how')
        if not how:
            how = 'admin' if Transaction().user else 'self'
        PasswordLog.add('changed', how, web_users=users)

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        super().on_modification(mode, users, field_names=field_names)
        if mode == 'write' and (field_names is None
                or {'password', 'password_hash', 'active'} & set(
                    field_names)):
            cls.revoke_sessions(users)

    @classmethod
    def revoke_sessions(cls, users):
        """Delete the sessions of the users but the one of the request

        The portal passes the key of the session it serves in the context as
        web_user_session."""
        pool = Pool()
        Session = pool.get('web.user.session')
        domain = [('user', 'in', [u.id for u in users])]
        if key := Transaction().context.get('web_user_session'):
            domain.append(('key', '!=', key))
        with without_check_access():
            Session.delete(Session.search(domain))

    @classmethod
    def set_password_token(cls, email, token, password):
        with Transaction().set_context(_password_change_how='reset_email'):
            return super().set_password_token(email, token, password)

    @classmethod
    def reset_password(cls, users, from_=None):
        pool = Pool()
        PasswordLog = pool.get('appliance.security.password.log')
        now = dt.datetime.now()
        sent = [u for u in users
            if not (u.reset_password_token_expire
                and u.reset_password_token_expire > now)]
        super().reset_password(users, from_=from_)
        PasswordLog.add('reset_requested', 'reset_email', web_users=sent)

    @classmethod
    def request_password_reset(cls, identifier, channel='email'):
        """Send a reset link by email or a code by SMS.

        identifier is the email address (or, for SMS, the mobile number).
        The answer and its time are the same whether the account exists."""
        pool = Pool()
        ResetCode = pool.get('appliance.security.web.reset_code')
        # Prevent guessing accounts from the time of the answer
        Transaction().atexit(time.sleep, random.random())
        users = cls._find_for_reset(identifier, channel)
        if not users:
            return
        user, = users
        if channel == 'sms':
            ResetCode.send(user)
        else:
            cls.reset_password([user])

    @classmethod
    def _find_for_reset(cls, identifier, channel):
        identifier = (identifier or '').strip()
        if not identifier:
            return []
        if '@' in identifier:
            users = cls.search([('email', '=', identifier.lower())], limit=1)
        elif channel == 'sms':
            # The mobile is kept encrypted on the customer: its blind index
            # finds the E.164 form only
            mobile = normalize_mobile(identifier)
            users = cls.search([
                    ('party.mobile_number', '=', mobile),
                    ], limit=2) if mobile else []
            users = users if len(users) == 1 else []
        else:
            users = []
        if channel == 'email':
            users = [u for u in users if u.email_valid]
        elif channel == 'sms':
            users = [u for u in users if u.sms_number]
        return users

    @property
    def sms_number(self):
        "The mobile of the customer, read in clear for the SMS only"
        if self.party:
            with without_check_access():
                return self.__class__(self.id).party.mobile_number

    @classmethod
    def set_password_sms(cls, identifier, code, password):
        """Set the password with the code received by SMS.

        Return whether it was done; a wrong, expired or spent code answers
        False as an unknown account does."""
        pool = Pool()
        ResetCode = pool.get('appliance.security.web.reset_code')
        User = pool.get('res.user')
        Transaction().atexit(time.sleep, random.random())
        # Refuse a weak password before anything tells about the account
        User.validate_password(password, [])
        users = cls._find_for_reset(identifier, 'sms')
        if not users:
            return False
        user, = users
        User.validate_password(password, [user])
        if not ResetCode.spend(user, code):
            return False
        with Transaction().set_context(_password_change_how='reset_sms'):
            cls.write([user], {'password': password})
        return True


class PasswordResetCode(ModelSQL):
    "A code sent by SMS to reset the password of a web user"
    __name__ = 'appliance.security.web.reset_code'
    __string__ = "Password Reset Code"

    web_user = fields.Many2One(
        'web.user', "Web User", required=True, ondelete='CASCADE')
    code_hash = fields.Char("Code Hash", required=True, strip=False)
    expire = fields.Timestamp("Expire", required=True)
    attempts = fields.Integer("Attempts", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.web_user, Index.Equality())))

    @classmethod
    def default_attempts(cls):
        return 0

    @classmethod
    @without_check_access
    def send(cls, user):
        pool = Pool()
        Configuration = pool.get('appliance.security.configuration')
        PasswordLog = pool.get('appliance.security.password.log')
        now = dt.datetime.now()
        if cls.search([
                    ('web_user', '=', user.id),
                    ('expire', '>', now),
                    ]):
            # Prevent abusive resets as web_user does for emails
            return
        cls.delete(cls.search([('web_user', '=', user.id)]))
        ttl = Configuration(1).reset_code_ttl
        code = ''.join(
            secrets.choice('0123456789') for _ in range(RESET_CODE_DIGITS))
        cls.create([{
                    'web_user': user.id,
                    'code_hash': PASSWORD_HASH.hash(code),
                    'expire': now + dt.timedelta(minutes=ttl),
                    }])
        send_sms(gettext('appliance_security.msg_sms_reset_text',
                code=code, minutes=ttl), user.sms_number)
        PasswordLog.add('reset_requested', 'reset_sms', web_users=[user])

    @classmethod
    @without_check_access
    def spend(cls, user, code):
        "Return whether the code is right; a right code is spent"
        pool = Pool()
        Configuration = pool.get('appliance.security.configuration')
        records = cls.search([('web_user', '=', user.id)])
        if not records:
            return False
        record, = records
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        code = (code or '').strip()
        if (record.expire <= dt.datetime.now()
                or record.attempts >= Configuration(1).reset_code_attempts):
            cls.delete([record])
            return False
        if not PASSWORD_HASH.verify(code, record.code_hash):
            cursor.execute(*table.update(
                    [table.attempts], [table.attempts + 1],
                    where=table.id == record.id))
            return False
        # Of two requests with the same code only one deletes it
        cursor.execute(*table.delete(where=table.id == record.id))
        return cursor.rowcount == 1

# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Time-based one-time passwords (RFC 6238) and recovery codes.

Both belong either to a staff user (res.user) or to a web user (web.user),
the owner.  The secrets are only read by the server: no group has access to
these models.
"""
import datetime as dt
import secrets
import time
from secrets import compare_digest

import pyotp
from sql import Null

import trytond.config as config
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.res.user import PASSWORD_HASH
from trytond.tools import qrcode
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .common import SECTION
from .exceptions import TOTPError

DIGITS = 6
# A code of the previous or the next period is accepted for clock drift
VALID_WINDOW = 1
RECOVERY_COUNT = 10
# No 0/o, 1/l/i: the codes are read aloud and typed
RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
RECOVERY_LOOKUP = 4
RECOVERY_SECRET = 8
RECOVERY_LENGTH = RECOVERY_LOOKUP + RECOVERY_SECRET


def owner_field(owner):
    return {
        'res.user': 'user',
        'web.user': 'web_user',
        }[owner.__name__]


def owner_domain(owner):
    return [(owner_field(owner), '=', owner.id)]


def owner_label(owner):
    "The account name shown in the authenticator app"
    return owner.login if owner.__name__ == 'res.user' else owner.email


def issuer():
    return config.get(SECTION, 'totp_issuer', default='Tryton')


def is_totp_code(code):
    return len(code) == DIGITS and code.isdigit()


def normalize_recovery_code(code):
    return ''.join(c for c in code.lower() if c.isalnum())


class OwnerMixin:
    __slots__ = ()
    user = fields.Many2One(
        'res.user', "User", ondelete='CASCADE', readonly=True)
    web_user = fields.Many2One(
        'web.user', "Web User", ondelete='CASCADE', readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.user, Index.Equality())),
                Index(t, (t.web_user, Index.Equality())),
                })

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for record in records:
            if bool(record.user) == bool(record.web_user):
                raise ValidationError(gettext(
                        'appliance_security.msg_owner_one'))


class TOTP(OwnerMixin, ModelSQL):
    __name__ = 'appliance.security.totp'
    __string__ = "Authenticator Secret"

    secret = fields.Char("Secret", required=True, strip=False)
    confirmed = fields.Boolean("Confirmed")
    last_step = fields.Integer(
        "Last Step", help="The time step of the last code accepted: "
        "a code of this step or an earlier one is refused.")

    @classmethod
    def default_confirmed(cls):
        return False

    @property
    def totp(self):
        return pyotp.TOTP(self.secret, digits=DIGITS)

    @classmethod
    @without_check_access
    def get_confirmed(cls, owner):
        records = cls.search(
            owner_domain(owner) + [('confirmed', '=', True)], limit=1)
        return records[0] if records else None

    @classmethod
    @without_check_access
    def start(cls, owner):
        "Return a new secret waiting for its first code"
        cls.delete(cls.search(owner_domain(owner) + [
                    ('confirmed', '=', False)]))
        record = cls(secret=pyotp.random_base32(), confirmed=False)
        setattr(record, owner_field(owner), owner)
        record.save()
        return record

    @classmethod
    @without_check_access
    def get_pending(cls, owner):
        records = cls.search(owner_domain(owner) + [
                ('confirmed', '=', False)], order=[('id', 'DESC')], limit=1)
        return records[0] if records else None

    def provisioning_uri(self, owner):
        return self.totp.provisioning_uri(
            name=owner_label(owner), issuer_name=issuer())

    def qrcode(self, owner):
        return qrcode.generate_png(self.provisioning_uri(owner)).getvalue()

    def match_step(self, code, now=None):
        "Return the time step of the code or None"
        if not is_totp_code(code):
            return None
        if now is None:
            now = time.time()
        totp = self.totp
        current = int(now // totp.interval)
        for step in range(
                current - VALID_WINDOW, current + VALID_WINDOW + 1):
            if compare_digest(totp.generate_otp(step), code):
                return step

    @without_check_access
    def check(self, code, now=None):
        "Return None when the code is accepted, else the reason"
        step = self.match_step(code, now=now)
        if step is None:
            return 'wrong_totp'
        # Compare and set in one statement: of two requests with the same
        # code only one updates the row
        table = self.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.last_step], [step],
                where=(table.id == self.id)
                & ((table.last_step == Null) | (table.last_step < step))))
        if cursor.rowcount != 1:
            return 'replayed_totp'

    @classmethod
    @without_check_access
    def confirm(cls, owner, code, now=None):
        "Confirm the pending secret with its first code"
        pending = cls.get_pending(owner)
        if not pending:
            raise TOTPError(gettext('appliance_security.msg_totp_no_pending'))
        step = pending.match_step(code, now=now)
        if step is None:
            raise TOTPError(gettext('appliance_security.msg_totp_wrong_code'))
        cls.delete(cls.search(owner_domain(owner) + [
                    ('confirmed', '=', True)]))
        cls.write([pending], {'confirmed': True, 'last_step': step})
        return pending

    @classmethod
    @without_check_access
    def remove(cls, owner):
        cls.delete(cls.search(owner_domain(owner)))


class RecoveryCode(OwnerMixin, ModelSQL):
    __name__ = 'appliance.security.recovery_code'
    __string__ = "Recovery Code"

    lookup = fields.Char(
        "Lookup", required=True, strip=False,
        help="The start of the code, to find its hash.")
    code_hash = fields.Char("Code Hash", required=True, strip=False)
    used = fields.Timestamp("Used")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.lookup, Index.Equality())))

    @staticmethod
    def format(code):
        return '-'.join(code[i:i + 4] for i in range(0, len(code), 4))

    @classmethod
    def _new_code(cls, lookups):
        while True:
            code = ''.join(
                secrets.choice(RECOVERY_ALPHABET)
                for _ in range(RECOVERY_LENGTH))
            if code[:RECOVERY_LOOKUP] not in lookups:
                return code

    @classmethod
    @without_check_access
    def generate(cls, owner, count=RECOVERY_COUNT):
        "Replace the codes of the owner and return the new ones in clear"
        cls.delete(cls.search(owner_domain(owner)))
        codes, lookups = [], set()
        for _ in range(count):
            code = cls._new_code(lookups)
            lookups.add(code[:RECOVERY_LOOKUP])
            codes.append(code)
        records = []
        for code in codes:
            record = cls(
                lookup=code[:RECOVERY_LOOKUP],
                code_hash=PASSWORD_HASH.hash(code))
            setattr(record, owner_field(owner), owner)
            records.append(record)
        cls.save(records)
        return [cls.format(c) for c in codes]

    @classmethod
    @without_check_access
    def use(cls, owner, code):
        "Spend the code and return whether it was valid and unused"
        code = normalize_recovery_code(code)
        if len(code) != RECOVERY_LENGTH:
            return False
        records = cls.search(owner_domain(owner) + [
                ('lookup', '=', code[:RECOVERY_LOOKUP]),
                ('used', '=', None),
                ])
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for record in records:
            if PASSWORD_HASH.verify(code, record.code_hash):
                # Of two requests with the same code only one spends it
                cursor.execute(*table.update(
                        [table.used], [dt.datetime.now()],
                        where=(table.id == record.id) & (table.used == Null)))
                return cursor.rowcount == 1
        return False

    @classmethod
    @without_check_access
    def count_left(cls, owner):
        return cls.search(
            owner_domain(owner) + [('used', '=', None)], count=True)

    @classmethod
    @without_check_access
    def remove(cls, owner):
        cls.delete(cls.search(owner_domain(owner)))


class MFASetupStart(ModelView):
    __name__ = 'appliance.security.mfa.setup.start'

    status = fields.Text("Status", readonly=True)
    enrolled = fields.Boolean("Enrolled", readonly=True)
    mandatory = fields.Boolean("Mandatory", readonly=True)


class MFASetupTOTP(ModelView):
    __name__ = 'appliance.security.mfa.setup.totp'

    qrcode = fields.Binary("QR Code", readonly=True)
    secret = fields.Char(
        "Key", readonly=True,
        help="Type this key in the app when it cannot scan the code.")
    code = fields.Char(
        "Code", required=True, size=DIGITS,
        help="The code the app shows now.")


class MFASetupCodes(ModelView):
    __name__ = 'appliance.security.mfa.setup.codes'

    codes = fields.Text("Recovery Codes", readonly=True)


class MFASetup(Wizard):
    "Set up the authenticator app of the current user"
    __name__ = 'appliance.security.mfa.setup'

    start = StateView('appliance.security.mfa.setup.start',
        'appliance_security.mfa_setup_start_view_form', [
            Button("Close", 'end', 'tryton-cancel'),
            Button("Turn Off", 'disable', 'tryton-delete',
                states={
                    'invisible': (
                        ~Eval('enrolled', False) | Eval('mandatory', False)),
                    }),
            Button("New Recovery Codes", 'regenerate', 'tryton-refresh',
                states={
                    'invisible': ~Eval('enrolled', False),
                    }),
            Button("Set Up Authenticator", 'totp', 'tryton-ok',
                default=True),
            ])
    totp = StateView('appliance.security.mfa.setup.totp',
        'appliance_security.mfa_setup_totp_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Confirm", 'confirm', 'tryton-ok', default=True),
            ])
    # The recovery codes are computed in the defaults of the view so that
    # they are shown once and never stored in the wizard session.
    confirm = StateView('appliance.security.mfa.setup.codes',
        'appliance_security.mfa_setup_codes_view_form', [
            Button("Done", 'end', 'tryton-ok', default=True),
            ])
    regenerate = StateView('appliance.security.mfa.setup.codes',
        'appliance_security.mfa_setup_codes_view_form', [
            Button("Done", 'end', 'tryton-ok', default=True),
            ])
    disable = StateTransition()

    @property
    def owner(self):
        pool = Pool()
        User = pool.get('res.user')
        return User(Transaction().user)

    def default_start(self, fields):
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        user = self.owner
        return {
            'status': user.mfa_status_text(),
            'enrolled': bool(TOTP.get_confirmed(user)),
            'mandatory': user.mfa_mandatory,
            }

    def default_totp(self, fields):
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        user = self.owner
        pending = TOTP.start(user)
        return {
            'qrcode': pending.qrcode(user),
            'secret': ' '.join(
                pending.secret[i:i + 4]
                for i in range(0, len(pending.secret), 4)),
            }

    def default_confirm(self, fields):
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        RecoveryCode = pool.get('appliance.security.recovery_code')
        PasswordLog = pool.get('appliance.security.password.log')
        user = self.owner
        TOTP.confirm(user, (self.totp.code or '').strip())
        PasswordLog.add('mfa_enabled', 'self', users=[user])
        return {'codes': '\n'.join(RecoveryCode.generate(user))}

    def default_regenerate(self, fields):
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        RecoveryCode = pool.get('appliance.security.recovery_code')
        PasswordLog = pool.get('appliance.security.password.log')
        user = self.owner
        if not TOTP.get_confirmed(user):
            raise TOTPError(gettext('appliance_security.msg_totp_not_set_up'))
        PasswordLog.add('recovery_codes', 'self', users=[user])
        return {'codes': '\n'.join(RecoveryCode.generate(user))}

    def transition_disable(self):
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        RecoveryCode = pool.get('appliance.security.recovery_code')
        PasswordLog = pool.get('appliance.security.password.log')
        user = self.owner
        if user.mfa_mandatory:
            raise TOTPError(gettext('appliance_security.msg_totp_mandatory'))
        TOTP.remove(user)
        RecoveryCode.remove(user)
        PasswordLog.add('mfa_disabled', 'self', users=[user])
        return 'end'


class MFAResetStart(ModelView):
    __name__ = 'appliance.security.mfa.reset.start'

    user = fields.Many2One('res.user', "User", readonly=True)


class MFAResetDone(ModelView):
    __name__ = 'appliance.security.mfa.reset.done'

    user = fields.Many2One('res.user', "User", readonly=True)
    code = fields.Char(
        "One-Time Code", readonly=True,
        help="Give it to the user: it lets them log in once "
        "to set up a new authenticator.")


class MFAReset(Wizard):
    "Remove the second factor of a user who lost it"
    __name__ = 'appliance.security.mfa.reset'

    start = StateView('appliance.security.mfa.reset.start',
        'appliance_security.mfa_reset_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reset", 'done', 'tryton-ok', default=True),
            ])
    # The one-time code is made in the defaults: shown once, never stored
    done = StateView('appliance.security.mfa.reset.done',
        'appliance_security.mfa_reset_done_view_form', [
            Button("Close", 'end', 'tryton-ok', default=True),
            ])

    def default_start(self, fields):
        return {'user': self.record.id}

    def default_done(self, fields):
        pool = Pool()
        TOTP = pool.get('appliance.security.totp')
        RecoveryCode = pool.get('appliance.security.recovery_code')
        UserDevice = pool.get('res.user.device')
        PasswordLog = pool.get('appliance.security.password.log')
        user = self.record
        TOTP.remove(user)
        code, = RecoveryCode.generate(user, count=1)
        with without_check_access():
            UserDevice.clear([user.login])
        PasswordLog.add('mfa_reset', 'admin', users=[user])
        return {'user': user.id, 'code': code}

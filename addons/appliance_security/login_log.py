# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt
import json
import logging

from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, without_check_access

from .common import AppendOnlyMixin, remote_address, user_agent

logger = logging.getLogger(__name__)

KINDS = [
    ('staff', "Staff"),
    ('web', "Web User"),
    ]
RESULTS = [
    ('success', "Success"),
    ('failure', "Failure"),
    ('refused', "Refused"),
    ]
REASONS = [
    (None, ""),
    ('unknown_login', "Unknown login"),
    ('wrong_password', "Wrong password"),
    ('wrong_totp', "Wrong authenticator code"),
    ('replayed_totp', "Authenticator code already used"),
    ('wrong_recovery_code', "Wrong recovery code"),
    ('wrong_sms_code', "Wrong SMS code"),
    ('second_factor_required', "Second factor missing"),
    ('enrolment_required', "Second factor not set up in time"),
    ('password_change_required', "New password required"),
    ('throttled', "Too many attempts (Tryton)"),
    ('throttled_account', "Too many failures on the account"),
    ('throttled_ip', "Too many failures from the address"),
    ('unknown_key', "Unknown application key"),
    ]
LOGIN_SIZE = 512


class LoginLog(AppendOnlyMixin, ModelSQL, ModelView):
    __name__ = 'appliance.security.login.log'
    __string__ = "Login Log"

    date = fields.DateTime("Date", required=True, readonly=True)
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    login = fields.Char("Login", readonly=True)
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='SET NULL')
    web_user = fields.Many2One(
        'web.user', "Web User", readonly=True, ondelete='SET NULL')
    ip_address = fields.Char("IP Address", readonly=True)
    ip_network = fields.Char("IP Network", readonly=True)
    user_agent = fields.Char("User Agent", readonly=True)
    method = fields.Char("Method", readonly=True)
    result = fields.Selection(RESULTS, "Result", required=True, readonly=True)
    reason = fields.Selection(REASONS, "Reason", readonly=True)
    day = fields.Function(fields.Date("Day"), 'get_day')
    successes = fields.Function(fields.Integer("Successes"), 'get_count')
    failures = fields.Function(fields.Integer("Failures"), 'get_count')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.date, Index.Range(order='DESC'))),
                Index(t,
                    (t.login, Index.Equality()),
                    (t.date, Index.Range())),
                Index(t,
                    (t.ip_address, Index.Equality()),
                    (t.date, Index.Range())),
                })

    def get_day(self, name):
        timezone = Transaction().context.get('timezone')
        date = self.date.replace(tzinfo=dt.timezone.utc)
        if timezone:
            date = date.astimezone(tz.ZoneInfo(timezone))
        return date.date()

    def get_count(self, name):
        return int({
                'successes': self.result == 'success',
                'failures': self.result != 'success',
                }[name])

    @classmethod
    def add_attempt(
            cls, kind, login, result, reason=None, method=None, user=None,
            web_user=None):
        "Record a login attempt of the request and alert on a burst"
        ip_address, ip_network = remote_address()
        with without_check_access():
            record, = cls.create([{
                        'date': dt.datetime.now(),
                        'kind': kind,
                        'login': (login or '')[:LOGIN_SIZE] or None,
                        'user': user,
                        'web_user': web_user,
                        'ip_address': ip_address,
                        'ip_network': ip_network,
                        'user_agent': user_agent(),
                        'method': method,
                        'result': result,
                        'reason': reason,
                        }])
        if result == 'failure':
            cls._check_burst(record)
        logger.info(
            "login %s (%s) for '%s' (%s) from %s", result, reason or '',
            login, kind, ip_address)
        return record

    @classmethod
    def count_failures(cls, since, kind=None, login=None, ip_address=None):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        where = (table.date >= since) & (table.result == 'failure')
        if login is not None:
            where &= (table.login == login[:LOGIN_SIZE]) & (table.kind == kind)
        if ip_address is not None:
            where &= table.ip_address == ip_address
        cursor.execute(*table.select(Count(), where=where))
        return cursor.fetchone()[0]

    @classmethod
    def throttle_reason(cls, kind, login):
        "Return why an attempt must be refused before the credentials"
        pool = Pool()
        Configuration = pool.get('appliance.security.configuration')
        config = Configuration(1)
        since = dt.datetime.now() - dt.timedelta(
            minutes=config.throttle_window)
        if login and cls.count_failures(
                since, kind=kind, login=login) >= config.throttle_account:
            return 'throttled_account'
        ip_address, _ = remote_address()
        if ip_address and cls.count_failures(
                since, ip_address=ip_address) >= config.throttle_ip:
            return 'throttled_ip'

    @classmethod
    def _check_burst(cls, record):
        pool = Pool()
        Configuration = pool.get('appliance.security.configuration')
        Alert = pool.get('appliance.security.login.alert')
        config = Configuration(1)
        since = record.date - dt.timedelta(minutes=config.alert_window)
        scopes = []
        if record.login:
            scopes.append(('account', record.login, cls.count_failures(
                        since, kind=record.kind, login=record.login),
                    config.alert_account))
        if record.ip_address:
            scopes.append(('ip', record.ip_address, cls.count_failures(
                        since, ip_address=record.ip_address),
                    config.alert_ip))
        for scope, key, count, threshold in scopes:
            if count >= threshold:
                Alert.burst(scope, record.kind, key, count, record.date, since)


class LoginAlert(ModelSQL, ModelView):
    __name__ = 'appliance.security.login.alert'
    __string__ = "Login Alert"

    scope = fields.Selection([
            ('account', "Account"),
            ('ip', "IP Address"),
            ], "Scope", required=True, readonly=True)
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    key = fields.Char("Account or Address", required=True, readonly=True)
    first_date = fields.DateTime("First Failure", required=True, readonly=True)
    last_date = fields.DateTime("Last Failure", required=True, readonly=True)
    failures = fields.Integer("Failures", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('last_date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t,
                (t.scope, Index.Equality()),
                (t.key, Index.Equality()),
                (t.last_date, Index.Range())))

    def get_rec_name(self, name):
        return self.key

    @classmethod
    def burst(cls, scope, kind, key, count, date, since):
        "Extend the alert of the burst or open one and notify once"
        alerts = cls.search([
                ('scope', '=', scope),
                ('kind', '=', kind),
                ('key', '=', key),
                ('last_date', '>=', since),
                ], limit=1)
        with without_check_access():
            if alerts:
                cls.write(alerts, {'last_date': date, 'failures': count})
            else:
                alert, = cls.create([{
                            'scope': scope,
                            'kind': kind,
                            'key': key,
                            'first_date': date,
                            'last_date': date,
                            'failures': count,
                            }])
                alert.notify()

    def notify(self):
        pool = Pool()
        Configuration = pool.get('appliance.security.configuration')
        Notification = pool.get('res.notification')
        User = pool.get('res.user')
        config = Configuration(1)
        logger.warning(
            "burst of %s failed logins on %s %s", self.failures, self.scope,
            self.key)
        groups = [g.id for g in config.alert_groups]
        if not groups:
            return
        users = User.search([('groups', 'in', groups)])
        message = 'appliance_security.msg_alert_burst_%s' % self.scope
        Notification.save([Notification(
                    user=user,
                    label=gettext('appliance_security.msg_alert_burst_label'),
                    description=gettext(
                        message, key=self.key, failures=self.failures,
                        minutes=config.alert_window),
                    icon='tryton-warning',
                    model=self.__name__,
                    records=json.dumps([self.id]))
                for user in users])

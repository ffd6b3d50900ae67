# This file is part of the appliance_service_hr module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The engineers' certificates, the types mandatory for some appliances or
faults and the reminder of those that expire."""
import datetime as dt
from collections import defaultdict

from sql import Literal, Null
from sql.conditionals import Case
from sql.operators import Or

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, Index, ModelSQL, ModelView, fields
from trytond.modules.appliance_service.notification import (
    notify_users, users_in_group, users_of_employees)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import CertificateError

# How many days ahead an expiring certificate is reminded
REMINDER_DAYS = 30
CERTIFICATE_STATES = [
    ('valid', "Valid"),
    ('expiring', "Expiring Soon"),
    ('expired', "Expired"),
    ('not_yet_valid', "Not Yet Valid"),
    ]


def today():
    pool = Pool()
    Date = pool.get('ir.date')
    return Date.today()


class CertificateType(DeactivableMixin, ModelSQL, ModelView):
    "Certificate type"
    __name__ = 'appliance.engineer.certificate.type'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code")
    categories = fields.Many2Many(
        'appliance.engineer.certificate.type-appliance.category',
        'type', 'category', "Mandatory for Categories",
        help="The engineers need a valid certificate of this type "
        "to take the orders of these appliance categories "
        "(and their sub-categories).")
    fault_types = fields.Many2Many(
        'appliance.engineer.certificate.type-appliance.fault.type',
        'type', 'fault_type', "Mandatory for Fault Types",
        help="The engineers need a valid certificate of this type "
        "to take the orders of these faults.")
    reminder_days = fields.Integer(
        "Reminder Days", required=True,
        domain=[('reminder_days', '>=', 0)],
        help="How many days before the expiry the engineer and HR "
        "are reminded.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def default_reminder_days(cls):
        return REMINDER_DAYS

    @classmethod
    def mandatory_for(cls, category=None, fault_types=()):
        """Return the types mandatory for an appliance of category (or one
        of its parents) or for one of fault_types"""
        lineage = []
        while category:
            lineage.append(category.id)
            category = category.parent
        fault_types = [f.id for f in fault_types if f]
        if not lineage and not fault_types:
            return []
        domain = ['OR']
        if lineage:
            domain.append(('categories', 'in', lineage))
        if fault_types:
            domain.append(('fault_types', 'in', fault_types))
        return cls.search(domain, order=[('name', 'ASC'), ('id', 'ASC')])


class CertificateTypeCategory(ModelSQL):
    "Certificate type - appliance category"
    __name__ = 'appliance.engineer.certificate.type-appliance.category'

    type = fields.Many2One(
        'appliance.engineer.certificate.type', "Type", required=True,
        ondelete='CASCADE')
    category = fields.Many2One(
        'appliance.category', "Category", required=True, ondelete='CASCADE')


class CertificateTypeFaultType(ModelSQL):
    "Certificate type - fault type"
    __name__ = 'appliance.engineer.certificate.type-appliance.fault.type'

    type = fields.Many2One(
        'appliance.engineer.certificate.type', "Type", required=True,
        ondelete='CASCADE')
    fault_type = fields.Many2One(
        'appliance.fault.type', "Fault Type", required=True,
        ondelete='CASCADE')


class Certificate(ModelSQL, ModelView):
    "Engineer certificate"
    __name__ = 'appliance.engineer.certificate'

    employee = fields.Many2One(
        'company.employee', "Engineer", required=True, ondelete='CASCADE')
    type = fields.Many2One(
        'appliance.engineer.certificate.type', "Type", required=True,
        ondelete='RESTRICT')
    number = fields.Char("Number", required=True)
    issuer = fields.Char("Issuer")
    issue_date = fields.Date("Issue Date", required=True)
    expiry_date = fields.Date(
        "Expiry Date",
        domain=['OR',
            ('expiry_date', '=', None),
            ('expiry_date', '>=', Eval('issue_date', None)),
            ],
        help="Leave empty for a certificate that does not expire.")
    scan = fields.Binary("Scan", filename='scan_name')
    scan_name = fields.Char("Scan Name")
    state = fields.Function(
        fields.Selection(CERTIFICATE_STATES, "State"),
        'get_state', searcher='search_state')
    reminded_on = fields.Date(
        "Reminded On", readonly=True,
        help="When the engineer and HR were reminded of the expiry.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.employee, Index.Equality())),
                Index(t, (t.expiry_date, Index.Range())),
                })
        cls._order = [('expiry_date', 'ASC NULLS LAST'), ('id', 'ASC')]

    def get_rec_name(self, name):
        return '%s %s' % (self.type.rec_name, self.number)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, value = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('number', *clause[1:]),
            ('type.name', *clause[1:]),
            ]

    def state_on(self, date):
        "Return the state of the certificate on date"
        if date < self.issue_date:
            return 'not_yet_valid'
        if self.expiry_date:
            if self.expiry_date < date:
                return 'expired'
            if self.expiry_date <= date + dt.timedelta(
                    days=self.type.reminder_days or 0):
                return 'expiring'
        return 'valid'

    def valid_on(self, date):
        return self.state_on(date) in {'valid', 'expiring'}

    @classmethod
    def get_state(cls, certificates, name):
        date = today()
        return {c.id: c.state_on(date) for c in certificates}

    @classmethod
    def search_state(cls, name, clause):
        pool = Pool()
        Type = pool.get('appliance.engineer.certificate.type')
        table = cls.__table__()
        type_ = Type.__table__()
        date = today()
        # The days left as an integer column is not portable: compare the
        # expiry with the date moved by each reminder of the types
        cursor = Transaction().connection.cursor()
        cursor.execute(*type_.select(
                type_.reminder_days, group_by=[type_.reminder_days]))
        expiring = [
            (type_.reminder_days == days)
            & (table.expiry_date <= date + dt.timedelta(days=days or 0))
            for days, in cursor]
        is_expiring = Or(expiring) if expiring else Literal(False)
        state = Case(
            (table.issue_date > date, 'not_yet_valid'),
            ((table.expiry_date != Null) & (table.expiry_date < date),
                'expired'),
            ((table.expiry_date != Null) & is_expiring, 'expiring'),
            else_='valid')
        _, operator, value = clause
        Operator = fields.SQL_OPERATORS[operator]
        query = table.join(type_, condition=table.type == type_.id).select(
            table.id, where=Operator(state, value))
        return [('id', 'in', query)]

    @classmethod
    def validate_fields(cls, certificates, field_names):
        super().validate_fields(certificates, field_names)
        for certificate in certificates:
            if (certificate.expiry_date
                    and certificate.expiry_date < certificate.issue_date):
                raise CertificateError(gettext(
                        'appliance_service_hr.msg_certificate_dates',
                        certificate=certificate.rec_name))

    @classmethod
    def copy(cls, certificates, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('reminded_on', None)
        return super().copy(certificates, default=default)

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        args = []
        for certificates, values in zip(actions, actions):
            if 'expiry_date' in values:
                # A renewed certificate is reminded again before its new
                # expiry
                values = {**values, 'reminded_on': None}
            args.extend((certificates, values))
        super().write(*args)

    @classmethod
    def remind_expiring(cls, date=None):
        """Notify the engineers and HR of the certificates that expire
        within the reminder days of their type; each certificate once.

        Called by the daily cron."""
        if date is None:
            date = today()
        certificates = cls.search([
                ('expiry_date', '>=', date),
                ('expiry_date', '<=', date + dt.timedelta(days=366)),
                ('reminded_on', '=', None),
                ])
        certificates = [c for c in certificates
            if c.expiry_date <= date + dt.timedelta(
                days=c.type.reminder_days or 0)]
        if not certificates:
            return []
        lang = Pool().get('ir.lang').get()
        hr_users = users_in_group('appliance_service_hr.group_hr')
        by_user = defaultdict(list)
        for certificate in certificates:
            users = set(users_of_employees([certificate.employee]))
            users.update(hr_users)
            for user in users:
                by_user[user].append(certificate)
        for user, user_certificates in by_user.items():
            for certificate in user_certificates:
                notify_users([user],
                    'appliance_service_hr.msg_notify_certificate_expiring',
                    [certificate],
                    icon='tryton-warning',
                    engineer=certificate.employee.rec_name,
                    certificate=certificate.type.rec_name,
                    number=certificate.number,
                    date=lang.strftime(certificate.expiry_date),
                    days=(certificate.expiry_date - date).days)
        cls.write(certificates, {'reminded_on': date})
        return certificates

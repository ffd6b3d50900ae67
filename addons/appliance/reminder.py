# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
import datetime as dt

from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.company.model import employee_field, set_employee
from trytond.pool import Pool
from trytond.pyson import Eval


class Reminder(Workflow, ModelSQL, ModelView):
    "Warranty expiry reminder"
    __name__ = 'appliance.warranty.reminder'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    appliance = fields.Many2One(
        'appliance.appliance', "Appliance", required=True, readonly=True,
        ondelete='CASCADE')
    coverage = fields.Many2One(
        'appliance.warranty.coverage', "Coverage", required=True,
        readonly=True, ondelete='CASCADE')
    end_date = fields.Date("Coverage End", required=True, readonly=True)
    customer = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    customer_mobile = fields.Function(
        fields.Char("Mobile Phone"), 'get_customer_field')
    customer_email = fields.Function(
        fields.Char("Email"), 'get_customer_field')
    email_recipient = fields.Function(
        fields.Many2One('party.party', "Email Recipient",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'}),
        'get_email_recipient')
    note = fields.Text(
        "Call Note",
        states={
            'readonly': Eval('state') == 'done',
            })
    contacted_by = employee_field("Contacted By", states=['done'])
    state = fields.Selection([
            ('open', "To Call"),
            ('done', "Contacted"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('coverage_end_unique', Unique(t, t.coverage, t.end_date),
                'appliance.msg_reminder_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.state, Index.Equality(cardinality='low')),
                where=t.state == 'open'))
        cls._order = [('end_date', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('open', 'done'),
            ('open', 'cancelled'),
            ('cancelled', 'open'),
            }
        cls._buttons.update({
                'contacted': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'cancelled',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    def get_rec_name(self, name):
        return f'{self.appliance.rec_name} - {self.coverage.rec_name}'

    def get_customer_field(self, name):
        field = {
            'customer_mobile': 'mobile_number',
            'customer_email': 'email',
            }[name]
        return getattr(self.customer, field)

    def get_email_recipient(self, name):
        if self.customer.notification_consent:
            return self.customer.id

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    @set_employee('contacted_by')
    def contacted(cls, reminders):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, reminders):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, reminders):
        pass

    @classmethod
    def create_reminders(cls, date=None):
        "Create one reminder per coverage that ends soon"
        pool = Pool()
        Date = pool.get('ir.date')
        Coverage = pool.get('appliance.warranty.coverage')
        Configuration = pool.get('appliance.configuration')
        if date is None:
            date = Date.today()
        days = Configuration(1).warranty_reminder_days
        coverages = Coverage.search([
                ('end_date', '>=', date),
                ('end_date', '<=', date + dt.timedelta(days=days)),
                ('appliance.status', 'in', ['in_use', 'under_repair']),
                ])
        existing = {(r.coverage.id, r.end_date) for r in cls.search([
                    ('coverage', 'in', [c.id for c in coverages]),
                    ])}
        to_create = []
        for coverage in coverages:
            if (coverage.id, coverage.end_date) in existing:
                continue
            if cls._superseded(coverage):
                continue
            to_create.append({
                    'company': coverage.appliance.company.id,
                    'appliance': coverage.appliance.id,
                    'coverage': coverage.id,
                    'end_date': coverage.end_date,
                    'customer': coverage.appliance.customer.id,
                    })
        return cls.create(to_create)

    @classmethod
    def _superseded(cls, coverage):
        "A coverage continued by an extension needs no reminder"
        return any(
            other.kind == coverage.kind
            and (other.component or None) == (coverage.component or None)
            and other.start_date <= coverage.end_date + dt.timedelta(days=1)
            and other.end_date > coverage.end_date
            for other in coverage.appliance.coverages)

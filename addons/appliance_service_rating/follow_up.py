# This file is part of the appliance_service_rating module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""Follow-up calls and visits made by customer service some days after a
work order is done."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.modules.appliance_service.common import require_state
from trytond.modules.appliance_service.local_time import local_date, utc_now
from trytond.modules.appliance_service.service_request import SATISFACTION
from trytond.modules.company.model import employee_field, set_employee
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import FollowUpError

FOLLOW_UP_KINDS = [
    ('call', "Call"),
    ('visit', "Visit"),
    ]


class FollowUp(Workflow, ModelSQL, ModelView):
    "Service follow-up"
    __name__ = 'appliance.follow_up'

    _states = {
        'readonly': Eval('state') != 'open',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", required=True, readonly=True,
        ondelete='CASCADE')
    customer = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    customer_mobile = fields.Function(
        fields.Char("Mobile Phone"), 'get_customer_mobile')
    appliance = fields.Function(
        fields.Many2One('appliance.appliance', "Appliance"),
        'get_work_order_field')
    engineer = fields.Function(
        fields.Many2One('company.employee', "Engineer"),
        'get_work_order_field')
    due_date = fields.Date("Due Date", required=True, states=_states)
    kind = fields.Selection(
        FOLLOW_UP_KINDS, "Kind", required=True, states=_states)
    assigned_to = fields.Many2One(
        'company.employee', "Assigned To",
        domain=[('company', '=', Eval('company', -1))],
        states=_states,
        help="The customer service agent who follows up.")
    outcome = fields.Text(
        "Outcome", states=_states,
        help="What the customer said; required to close the follow-up.")
    satisfaction = fields.Selection(
        SATISFACTION, "Satisfaction", sort=False, states=_states)
    suggestions = fields.Text("Suggestions", states=_states)
    done_by = employee_field("Done By", states=['done', 'cancelled'])
    done_at = fields.DateTime("Done At", readonly=True)
    state = fields.Selection([
            ('open', "To Do"),
            ('done', "Done"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    (t.due_date, Index.Range()),
                    where=t.state == 'open'),
                Index(t, (t.work_order, Index.Equality())),
                })
        cls._order = [('due_date', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('open', 'done'),
            ('open', 'cancelled'),
            ('done', 'open'),
            ('cancelled', 'open'),
            }
        cls._buttons.update({
                'do': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') == 'open',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_kind(cls):
        return 'call'

    def get_rec_name(self, name):
        return f'{self.work_order.rec_name} - {self.customer.rec_name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('work_order.rec_name', operator, operand, *extra),
            ('customer.rec_name', operator, operand, *extra),
            ]

    def get_customer_mobile(self, name):
        return self.customer.mobile_number

    def get_work_order_field(self, name):
        value = getattr(self.work_order, name)
        return value.id if value else None

    @classmethod
    def create_for_orders(cls, orders):
        "Create the follow-up of each order just done"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        config = Configuration(1)
        existing = {f.work_order.id for f in cls.search([
                    ('work_order', 'in', [o.id for o in orders]),
                    ])}
        to_create = []
        for order in orders:
            if order.id in existing or order.state != 'done':
                continue
            done = local_date(order.done_at or utc_now(), order.timezone)
            owner = order.request.owner if order.request else None
            to_create.append({
                    'company': order.company.id,
                    'work_order': order.id,
                    'customer': order.customer.id,
                    'due_date': done + dt.timedelta(
                        days=config.follow_up_days),
                    'kind': config.follow_up_kind,
                    'assigned_to': owner.id if owner else None,
                    })
        return cls.create(to_create)

    @classmethod
    @ModelView.button
    @require_state('open')
    @Workflow.transition('done')
    @set_employee('done_by')
    def do(cls, follow_ups):
        for follow_up in follow_ups:
            if not (follow_up.outcome or '').strip():
                raise FollowUpError(gettext(
                        'appliance_service_rating.msg_follow_up_no_outcome',
                        follow_up=follow_up.rec_name))
        cls.write(follow_ups, {'done_at': utc_now()})

    @classmethod
    @ModelView.button
    @require_state('open')
    @Workflow.transition('cancelled')
    @set_employee('done_by')
    def cancel(cls, follow_ups):
        cls.write(follow_ups, {'done_at': utc_now()})

    @classmethod
    @ModelView.button
    @require_state('done', 'cancelled')
    @Workflow.transition('open')
    def reopen(cls, follow_ups):
        cls.write(follow_ups, {
                'done_by': None,
                'done_at': None,
                })

# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, DeactivableMixin, Index, ModelSQL, ModelView, Workflow, fields,
    tree)
from trytond.modules.company.model import employee_field, set_employee
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .common import require_state
from .exceptions import WorkOrderStateError
from .local_time import company_timezone, local_date, utc_now
from .notification import notify_users, users_in_group

KINDS = [
    ('consultation', "Consultation"),
    ('complaint', "Complaint"),
    ('repair', "Repair"),
    ('installation', "Installation"),
    ('maintenance', "Maintenance"),
    ]
VISIT_KINDS = {'repair', 'installation', 'maintenance'}
CHANNELS = [
    ('phone', "Phone"),
    ('portal', "Portal"),
    ('api', "API"),
    ('email', "Email"),
    ('walk_in', "Walk-in"),
    ]
PRIORITIES = [
    ('0', "Low"),
    ('1', "Normal"),
    ('2', "High"),
    ('3', "Urgent"),
    ]
SATISFACTION = [
    (None, ""),
    ('1', "Very Dissatisfied"),
    ('2', "Dissatisfied"),
    ('3', "Neutral"),
    ('4', "Satisfied"),
    ('5', "Very Satisfied"),
    ]


class RequestCategory(tree(separator=' / '), DeactivableMixin, ModelSQL,
        ModelView):
    "Service request category"
    __name__ = 'appliance.service.request.category'

    name = fields.Char("Name", required=True, translate=True)
    parent = fields.Many2One(
        'appliance.service.request.category', "Parent", ondelete='RESTRICT')
    children = fields.One2Many(
        'appliance.service.request.category', 'parent', "Children")
    kind = fields.Selection(
        [(None, "")] + KINDS, "Kind",
        help="Limit the category to one kind of request.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))


class ServiceRequest(Workflow, ModelSQL, ModelView, ChatMixin):
    "Service request"
    __name__ = 'appliance.service.request'
    _rec_name = 'number'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    kind = fields.Selection(KINDS, "Kind", required=True, states=_states)
    kind_string = kind.translated('kind')
    channel = fields.Selection(
        CHANNELS, "Channel", required=True, states=_states)
    category = fields.Many2One(
        'appliance.service.request.category', "Category",
        domain=[
            ('kind', 'in', [None, Eval('kind')]),
            ],
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            })
    priority = fields.Selection(
        PRIORITIES, "Priority", required=True, sort=False,
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            })
    customer = fields.Many2One(
        'party.party', "Customer", required=True, states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    contact_mobile = fields.Char("Contact Phone", states=_states)
    appliance = fields.Many2One(
        'appliance.appliance', "Appliance",
        domain=[
            ('customer', '=', Eval('customer', -1)),
            ],
        states={
            'readonly': _states['readonly'],
            'required': Eval('kind').in_(list(VISIT_KINDS - {'installation'})),
            })
    related_work_order = fields.Many2One(
        'appliance.work_order', "Visit Concerned",
        domain=[('customer', '=', Eval('customer', -1))],
        states={
            'readonly': _states['readonly'],
            'invisible': Eval('kind').in_(list(VISIT_KINDS)),
            },
        help="The visit a complaint or a consultation is about.")
    address = fields.Many2One(
        'party.address', "Address",
        domain=[('party', '=', Eval('customer', -1))],
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            'required': Eval('kind').in_(list(VISIT_KINDS)),
            })
    in_warranty = fields.Boolean(
        "In Warranty at Intake", readonly=True,
        help="Whether the appliance was covered when the request came in.")
    description = fields.Text("Description", required=True, states=_states)
    owner = fields.Many2One(
        'company.employee', "Owner",
        domain=[('company', '=', Eval('company', -1))],
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            },
        help="The customer service agent responsible for the request.")
    received_at = fields.DateTime("Received At", readonly=True)
    response_due = fields.DateTime("Response Due", readonly=True)
    resolution = fields.Text(
        "Resolution",
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            'required': Eval('state').in_(['resolved', 'closed']),
            })
    reply = fields.Text(
        "Reply to Customer",
        states={
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            'required': (Eval('state').in_(['resolved', 'closed'])
                & ~Eval('kind').in_(list(VISIT_KINDS))),
            })
    replied_at = fields.DateTime("Replied At", readonly=True)
    satisfaction = fields.Selection(
        SATISFACTION, "Satisfaction", sort=False,
        states={
            'readonly': Eval('state') != 'resolved',
            },
        help="The customer's satisfaction with the resolution.")
    escalated = fields.Boolean("Escalated", readonly=True)
    escalated_at = fields.DateTime("Escalated At", readonly=True)
    work_orders = fields.One2Many(
        'appliance.work_order', 'request', "Work Orders", readonly=True)
    opened_by = employee_field(
        "Opened By", states=['open', 'in_progress', 'resolved', 'closed',
            'cancelled'])
    opened_at = fields.DateTime("Opened At", readonly=True)
    resolved_by = employee_field(
        "Resolved By", states=['resolved', 'closed', 'cancelled'])
    resolved_at = fields.DateTime("Resolved At", readonly=True)
    closed_by = employee_field("Closed By", states=['closed', 'cancelled'])
    closed_at = fields.DateTime("Closed At", readonly=True)
    cancelled_by = employee_field("Cancelled By", states=['cancelled'])
    cancelled_at = fields.DateTime("Cancelled At", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('open', "Open"),
            ('in_progress', "In Progress"),
            ('resolved', "Resolved"),
            ('closed', "Closed"),
            ('cancelled', "Cancelled"),
            ], "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')
    # What the charts count: sao sums the measure over the records
    record_count = fields.Function(
        fields.Integer("Count"), 'get_record_count')

    del _states

    @classmethod
    def __setup__(cls):
        cls.number.search_unaccented = False
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.number, Index.Similarity())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft', 'open', 'in_progress'])),
                })
        cls._order = [('received_at', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'open'),
            ('draft', 'cancelled'),
            ('open', 'in_progress'),
            ('open', 'resolved'),
            ('open', 'cancelled'),
            ('in_progress', 'resolved'),
            ('in_progress', 'cancelled'),
            ('resolved', 'in_progress'),
            ('resolved', 'closed'),
            }
        cls._buttons.update({
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'open', 'in_progress']),
                    'depends': ['state'],
                    },
                'open': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'process': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'create_work_order': {
                    'invisible': (~Eval('state').in_(['open', 'in_progress'])
                        | ~Eval('kind').in_(list(VISIT_KINDS))),
                    'depends': ['state', 'kind'],
                    },
                'resolve': {
                    'invisible': ~Eval('state').in_(['open', 'in_progress']),
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'resolved',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') != 'resolved',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def get_record_count(cls, records, name):
        return {r.id: 1 for r in records}

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_channel(cls):
        return 'phone'

    @classmethod
    def default_priority(cls):
        return '1'

    @classmethod
    def default_kind(cls):
        return 'repair'

    @classmethod
    def default_owner(cls):
        return Transaction().context.get('employee')

    @fields.depends('customer', 'address', 'contact_mobile')
    def on_change_customer(self):
        if self.customer:
            if not self.address or self.address.party != self.customer:
                self.address = self.customer.address_get()
            if not self.contact_mobile:
                self.contact_mobile = self.customer.mobile_number

    @fields.depends('appliance', 'customer', 'address',
        methods=['on_change_customer'])
    def on_change_appliance(self):
        if self.appliance:
            self.customer = self.appliance.customer
            self.on_change_customer()
            if self.appliance.installation_address:
                self.address = self.appliance.installation_address

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        Party = pool.get('party.party')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            config = Configuration(1)
            if sequence := config.request_sequence:
                values['number'] = sequence.get()
        if (mode == 'create' and not values.get('contact_mobile')
                and values.get('customer') is not None):
            # Whatever channel the request came from, the desk can call back
            values['contact_mobile'] = Party(
                values['customer']).mobile_number
        return values

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'work_orders', 'escalated', 'escalated_at',
                'received_at', 'response_due', 'resolution', 'reply',
                'replied_at', 'satisfaction']:
            default.setdefault(name, None)
        return super().copy(requests, default=default)

    def chat_language(self, audience='internal'):
        language = super().chat_language(audience=audience)
        if audience == 'public' and self.customer.lang:
            language = self.customer.lang.code
        return language

    @classmethod
    def _now(cls):
        return utc_now()

    @classmethod
    @ModelView.button
    @require_state('draft', 'open', 'in_progress')
    @Workflow.transition('cancelled')
    @set_employee('cancelled_by')
    def cancel(cls, requests):
        cls.write(requests, {'cancelled_at': cls._now()})

    @classmethod
    @ModelView.button
    @require_state('draft')
    @Workflow.transition('open')
    @set_employee('opened_by')
    def open(cls, requests):
        now = cls._now()
        for request in requests:
            request.opened_at = now
            if not request.received_at:
                request.received_at = now
            if request.appliance:
                today = local_date(now, company_timezone(request.company))
                request.in_warranty = bool(
                    request.appliance.coverage_on(today))
            request.response_due = request.compute_response_due()
            if not request.owner:
                request.owner = request.opened_by
        cls.save(requests)

    def compute_response_due(self):
        "Return when the first response is due"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        hours = Configuration(1).response_hours(self.priority)
        return (self.received_at or self._now()) + dt.timedelta(hours=hours)

    @classmethod
    @ModelView.button
    @require_state('open')
    @Workflow.transition('in_progress')
    def process(cls, requests):
        pass

    @classmethod
    @ModelView.button_action('appliance_service.act_work_order_form')
    def create_work_order(cls, requests):
        "Open the active work order of each request, created when missing"
        orders = cls.create_work_orders(requests)
        return {
            'res_id': [o.id for o in orders],
            }

    @classmethod
    def create_work_orders(cls, requests):
        """Return the active work order of each request, creating it when
        the request has none

        The requests are locked first: of two clicks at once the second
        finds the order of the first, so a request never has two active
        orders."""
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        cls.lock(requests)
        # Read again what the lock protects
        requests = cls.browse([r.id for r in requests])
        orders, to_create = [], []
        for request in requests:
            if (request.state not in {'open', 'in_progress'}
                    or request.kind not in VISIT_KINDS):
                raise WorkOrderStateError(gettext(
                        'appliance_service.msg_request_no_work_order',
                        request=request.rec_name))
            order = request.active_work_order()
            if not order:
                order = request.get_work_order()
                to_create.append(order)
            orders.append(order)
        WorkOrder.save(to_create)
        cls.process([r for r in requests if r.state == 'open'])
        return orders

    def active_work_order(self):
        "The work order of the request that is neither done nor cancelled"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        orders = WorkOrder.search([
                ('request', '=', self.id),
                ('state', 'not in', ['done', 'cancelled']),
                ], order=[('id', 'DESC')], limit=1)
        return orders[0] if orders else None

    @classmethod
    def book_visit(cls, request, slot):
        """Create the work order of request and book it in slot.

        The one step of the portal, the API and the staff endpoints: a draft
        request is opened; a full slot raises SlotFullError and leaves
        nothing behind."""
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        if request.state == 'draft':
            cls.open([request])
        order, = cls.create_work_orders([request])
        WorkOrder.book([order], slot)
        return order

    def get_work_order(self):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        return WorkOrder(
            company=self.company,
            request=self,
            kind=self.kind,
            priority=self.priority,
            customer=self.customer,
            appliance=self.appliance,
            address=self.address,
            description=self.description,
            )

    @classmethod
    @ModelView.button
    @require_state('open', 'in_progress')
    @Workflow.transition('resolved')
    @set_employee('resolved_by')
    def resolve(cls, requests):
        now = cls._now()
        for request in requests:
            request.resolved_at = now
            if request.reply:
                request.replied_at = now
        cls.save(requests)
        cls.post_replies(requests)

    @classmethod
    def post_replies(cls, requests):
        "Post the reply on the channel the customer follows"
        pool = Pool()
        Channel = pool.get('ir.chat.channel')
        for request in requests:
            if request.reply:
                Channel.post(request, request.reply, audience='public')

    @classmethod
    @ModelView.button
    @require_state('resolved')
    @Workflow.transition('in_progress')
    def reopen(cls, requests):
        cls.write(requests, {
                'resolved_at': None, 'resolved_by': None})

    @classmethod
    @ModelView.button
    @require_state('resolved')
    @Workflow.transition('closed')
    @set_employee('closed_by')
    def close(cls, requests):
        cls.write(requests, {'closed_at': cls._now()})

    @classmethod
    def escalate_complaints(cls):
        "Escalate the complaints not resolved in time to the managers"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        hours = Configuration(1).complaint_escalation_hours
        limit = cls._now() - dt.timedelta(hours=hours)
        requests = cls.search([
                ('kind', '=', 'complaint'),
                ('state', 'in', ['open', 'in_progress']),
                ('escalated', '!=', True),
                ('received_at', '<=', limit),
                ])
        if not requests:
            return []
        cls.write(requests, {
                'escalated': True,
                'escalated_at': cls._now(),
                'priority': '3',
                })
        managers = users_in_group('appliance.group_manager')
        for request in requests:
            notify_users(managers,
                'appliance_service.msg_complaint_escalated', [request],
                icon='tryton-warning',
                request=request.rec_name, customer=request.customer.rec_name)
        return requests

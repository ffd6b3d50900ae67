# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.i18n import gettext
from trytond.model import (
    ChatMixin, Index, ModelSQL, ModelView, Workflow, fields)
from trytond.modules.appliance.warranty import WARRANTY_STATUSES
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .common import require_state
from .exceptions import (
    BeforeAppointmentError, BeforeAppointmentWarning, SlotFullError,
    WorkOrderStateError)
from .local_time import (
    company_timezone, local_date, local_string, local_today, utc_now)
from .notification import notify_users, users_of_employees
from .service_request import PRIORITIES

WORK_ORDER_KINDS = [
    ('repair', "Repair"),
    ('installation', "Installation"),
    ('maintenance', "Maintenance"),
    ]
STATES = [
    ('draft', "Draft"),
    ('scheduled', "Scheduled"),
    ('dispatched', "Dispatched"),
    ('on_the_way', "On the Way"),
    ('in_progress', "In Progress"),
    ('waiting', "Waiting"),
    ('done', "Done"),
    ('cancelled', "Cancelled"),
    ]
OPEN_STATES = [
    'draft', 'scheduled', 'dispatched', 'on_the_way', 'in_progress',
    'waiting']
# The states in which the work and its record may no longer change
CLOSED_STATES = ['done', 'cancelled']
WAITING_REASONS = [
    (None, ""),
    ('parts', "Waiting for Parts"),
    ('customer', "Waiting for Customer"),
    ]
# What the customer is told comes next, per state
NEXT_STEPS = {
    'draft': 'appliance_service.msg_next_schedule',
    'scheduled': 'appliance_service.msg_next_dispatch',
    'dispatched': 'appliance_service.msg_next_visit',
    'on_the_way': 'appliance_service.msg_next_arrival',
    'in_progress': 'appliance_service.msg_next_completion',
    'waiting': 'appliance_service.msg_next_resume',
    'done': 'appliance_service.msg_next_rating',
    }


class WorkOrder(Workflow, ModelSQL, ModelView, ChatMixin):
    "Service work order"
    __name__ = 'appliance.work_order'
    _rec_name = 'number'

    _states = {
        'readonly': ~Eval('state').in_(['draft', 'scheduled']),
        }

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    request = fields.Many2One(
        'appliance.service.request', "Service Request", readonly=True,
        ondelete='RESTRICT')
    kind = fields.Selection(
        WORK_ORDER_KINDS, "Kind", required=True, states=_states)
    priority = fields.Selection(
        PRIORITIES, "Priority", required=True, sort=False,
        states={
            'readonly': Eval('state').in_(['done', 'cancelled']),
            })
    customer = fields.Many2One(
        'party.party', "Customer", required=True, states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    appliance = fields.Many2One(
        'appliance.appliance', "Appliance",
        domain=[('customer', '=', Eval('customer', -1))],
        states={
            'readonly': _states['readonly'],
            'required': Eval('kind') != 'installation',
            })
    address = fields.Many2One(
        'party.address', "Address", required=True,
        domain=[('party', '=', Eval('customer', -1))],
        states=_states)
    region = fields.Many2One(
        'appliance.service.region', "Region", required=True,
        states=_states)
    description = fields.Text("Description", states=_states)
    slot = fields.Many2One(
        'appliance.slot', "Appointment Slot",
        domain=[
            ('region', '=', Eval('region', -1)),
            If(Eval('state') == 'draft',
                [('available', '>', 0), ('past', '=', False)],
                []),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="The window in which the customer expects the visit.")
    appointment_start = fields.DateTime("Appointment Start", readonly=True)
    appointment_end = fields.DateTime("Appointment End", readonly=True)
    engineer = fields.Many2One(
        'company.employee', "Engineer",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('service_engineer', '=', True),
            ],
        states={
            'readonly': ~Eval('state').in_(['draft', 'scheduled']),
            })
    assigned_at = fields.DateTime("Assigned At", readonly=True)
    waiting_reason = fields.Selection(
        WAITING_REASONS, "Waiting Reason", readonly=True)
    events = fields.One2Many(
        'appliance.work_order.event', 'work_order', "Timeline",
        readonly=True)
    next_step = fields.Function(fields.Char("Next Step"), 'get_next_step')
    email_recipient = fields.Function(
        fields.Many2One('party.party', "Email Recipient",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'},
            help="The customer, when they accept notifications."),
        'get_email_recipient')
    engineer_short_name = fields.Function(
        fields.Char(
            "Engineer Short Name",
            help="What the customer is told of the engineer, e.g. 赵师傅."),
        'get_engineer_short_name')
    engineer_recipient = fields.Function(
        fields.Many2One('party.party', "Engineer Recipient",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'}),
        'get_engineer_recipient')
    appointment_day_reached = fields.Function(
        fields.Boolean(
            "Appointment Day Reached",
            help="The day of the appointment has come in the company's time "
            "zone: the work may start."),
        'get_appointment_day_reached')
    started_at = fields.DateTime("Started At", readonly=True)
    done_at = fields.DateTime("Done At", readonly=True)
    service_date = fields.Function(
        fields.Date(
            "Service Date",
            help="The day the warranty is checked on: the start of the work, "
            "else the appointment, else today."),
        'get_service_date')
    warranty_status = fields.Function(
        fields.Selection(
            WARRANTY_STATUSES, "Warranty",
            help="In warranty: the whole unit is covered on the service "
            "date and the work is free.\n"
            "Partly covered: only labour or a key component is covered.\n"
            "Out of warranty: the customer pays."),
        'get_warranty_status')
    state = fields.Selection(
        STATES, "State", required=True, readonly=True, sort=False)
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
                    where=t.state.in_(OPEN_STATES)),
                Index(t, (t.engineer, Index.Equality()),
                    (t.appointment_start, Index.Range())),
                Index(t, (t.appliance, Index.Equality()),
                    (t.done_at, Index.Range())),
                })
        cls._order = [
            ('appointment_start', 'DESC NULLS FIRST'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'scheduled'),
            ('scheduled', 'dispatched'),
            ('dispatched', 'scheduled'),
            ('dispatched', 'on_the_way'),
            ('dispatched', 'in_progress'),
            ('on_the_way', 'in_progress'),
            ('in_progress', 'waiting'),
            ('waiting', 'in_progress'),
            ('in_progress', 'done'),
            ('draft', 'cancelled'),
            ('scheduled', 'cancelled'),
            ('dispatched', 'cancelled'),
            ('on_the_way', 'cancelled'),
            ('waiting', 'cancelled'),
            }
        cls._buttons.update({
                'schedule': {
                    'invisible': Eval('state') != 'draft',
                    'readonly': ~Eval('slot'),
                    'depends': ['state', 'slot'],
                    },
                'dispatch': {
                    'invisible': Eval('state') != 'scheduled',
                    'readonly': ~Eval('engineer'),
                    'depends': ['state', 'engineer'],
                    },
                'depart': {
                    'invisible': Eval('state') != 'dispatched',
                    'depends': ['state'],
                    },
                'start': {
                    'invisible': ~Eval('state').in_(
                        ['dispatched', 'on_the_way']),
                    # start() refuses to work before the day with a
                    # message (a Service Manager confirms a warning)
                    'depends': ['state'],
                    },
                'wait_parts': {
                    'invisible': Eval('state') != 'in_progress',
                    'depends': ['state'],
                    },
                'wait_customer': {
                    'invisible': Eval('state') != 'in_progress',
                    'depends': ['state'],
                    },
                'resume': {
                    'invisible': Eval('state') != 'waiting',
                    'depends': ['state'],
                    },
                'complete': {
                    'invisible': Eval('state') != 'in_progress',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(
                        ['draft', 'scheduled', 'dispatched', 'on_the_way',
                            'waiting']),
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
    def default_kind(cls):
        return 'repair'

    @classmethod
    def default_priority(cls):
        return '1'

    @fields.depends('customer', 'address', 'region')
    def on_change_customer(self):
        if self.customer and (
                not self.address or self.address.party != self.customer):
            self.address = self.customer.address_get()
            self.on_change_address()

    @fields.depends('address', 'region')
    def on_change_address(self):
        pool = Pool()
        Region = pool.get('appliance.service.region')
        if self.address:
            self.region = Region.find_for_address(self.address)

    @fields.depends('appliance', 'customer', 'address',
        methods=['on_change_customer', 'on_change_address'])
    def on_change_appliance(self):
        if self.appliance:
            self.customer = self.appliance.customer
            self.on_change_customer()
            if self.appliance.installation_address:
                self.address = self.appliance.installation_address
                self.on_change_address()

    @fields.depends('slot', 'company')
    def on_change_slot(self):
        if self.slot:
            self.appointment_start, self.appointment_end = (
                self.slot.window(self.timezone))

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        Address = pool.get('party.address')
        Region = pool.get('appliance.service.region')
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            if not values.get('number'):
                config = Configuration(1)
                if sequence := config.work_order_sequence:
                    values['number'] = sequence.get()
            if not values.get('region') and values.get('address'):
                region = Region.find_for_address(Address(values['address']))
                if region:
                    values['region'] = region.id
        return values

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'slot', 'appointment_start',
                'appointment_end', 'engineer', 'assigned_at', 'events',
                'started_at', 'done_at', 'waiting_reason']:
            default.setdefault(name, None)
        return super().copy(orders, default=default)

    def get_rec_name(self, name):
        return self.number or str(self.id)

    @property
    def timezone(self):
        "The time zone of the company, in which its people read the times"
        return company_timezone(self.company)

    def get_service_date(self, name):
        return self.compute_service_date()

    def compute_service_date(self):
        "Return the day of the company on which the work is done"
        for value in [self.started_at, self.appointment_start]:
            if value:
                return local_date(value, self.timezone)
        return local_today(self.timezone)

    def get_warranty_status(self, name):
        if self.appliance:
            return self.appliance.warranty_status_on(
                self.compute_service_date())

    @property
    def warranty_status_string(self):
        return dict(self.fields_get(['warranty_status'])['warranty_status'][
                'selection']).get(self.warranty_status) or ''

    def get_email_recipient(self, name):
        if self.customer and self.customer.notification_consent:
            return self.customer.id

    def get_engineer_short_name(self, name):
        if self.engineer:
            return self.engineer.service_short_name

    def get_appointment_day_reached(self, name):
        if not self.appointment_start:
            return True
        return (local_date(self.appointment_start, self.timezone)
            <= local_today(self.timezone))

    def get_engineer_recipient(self, name):
        if self.engineer:
            return self.engineer.party.id

    def get_done_email_notes(self):
        """Return the paragraphs the email of the work done adds for the
        order, in the language of the context (the customer's)"""
        return []

    def required_skill_level(self):
        """Return the (category, brand, level) the engineer must master.

        The category and brand come from the appliance; the level is 1."""
        category = brand = None
        if self.appliance:
            category = self.appliance.category
            brand = self.appliance.brand
        return category, brand, 1

    def get_next_step(self, name):
        if self.state in NEXT_STEPS:
            return gettext(NEXT_STEPS[self.state])

    def chat_language(self, audience='internal'):
        language = super().chat_language(audience=audience)
        if audience == 'public' and self.customer.lang:
            language = self.customer.lang.code
        return language

    @classmethod
    def _now(cls):
        return utc_now()

    @classmethod
    def log_event(cls, orders, message_id, state=None, public=True,
            **variables):
        "Add an entry to the timeline of each order"
        pool = Pool()
        Event = pool.get('appliance.work_order.event')
        Event.create([Event.values_for(
                    o, message_id, state or o.state, public, **variables)
                for o in orders])

    @classmethod
    @ModelView.button
    @require_state('draft')
    @Workflow.transition('scheduled')
    def schedule(cls, orders):
        pool = Pool()
        Slot = pool.get('appliance.slot')
        for order in orders:
            if not order.slot:
                raise WorkOrderStateError(gettext(
                        'appliance_service.msg_work_order_no_slot',
                        order=order.rec_name))
            Slot.book(order.slot, order.timezone)
            order.appointment_start, order.appointment_end = (
                order.slot.window(order.timezone))
        cls.save(orders)
        for order in orders:
            cls.log_event([order], 'appliance_service.msg_event_scheduled',
                state='scheduled', **order._appointment_strings())

    @classmethod
    @require_state('draft')
    def book(cls, orders, slot):
        """Put the draft orders in slot and schedule them.

        The slot row is locked before its free places are read: of the
        customers booking its last place at once one gets it, the others
        SlotFullError, and nothing of theirs is saved."""
        pool = Pool()
        Slot = pool.get('appliance.slot')
        Slot.lock([slot])
        slot = Slot(slot.id)
        if slot.available < len(orders):
            raise SlotFullError(gettext(
                    'appliance_service.msg_slot_full', slot=slot.rec_name))
        for order in orders:
            order.slot = slot
        cls.save(orders)
        cls.schedule(orders)

    @classmethod
    @require_state('scheduled', 'dispatched')
    def reschedule(cls, orders, slot):
        "Move orders to slot, freeing their current place"
        pool = Pool()
        Slot = pool.get('appliance.slot')
        for order in orders:
            Slot.book(slot, order.timezone)
            if order.slot:
                Slot.release(order.slot)
            order.slot = slot
            order.appointment_start, order.appointment_end = slot.window(
                order.timezone)
        cls.save(orders)
        for order in orders:
            cls.log_event([order], 'appliance_service.msg_event_rescheduled',
                **order._appointment_strings())

    def _appointment_strings(self):
        "The appointment window as the customer reads it"
        return {
            'start': local_string(self.appointment_start, self.timezone),
            'end': local_string(self.appointment_end, self.timezone),
            }

    @classmethod
    @ModelView.button
    @require_state('scheduled')
    @Workflow.transition('dispatched')
    def dispatch(cls, orders):
        for order in orders:
            if not order.engineer:
                raise WorkOrderStateError(gettext(
                        'appliance_service.msg_work_order_no_engineer',
                        order=order.rec_name))
            order.check_engineer(order.engineer)
        cls.write(orders, {'assigned_at': cls._now()})
        # One create for all: each create reloads the records read before,
        # which made a batch of n orders cost n * n reads
        Event = Pool().get('appliance.work_order.event')
        Event.create([Event.values_for(
                    o, 'appliance_service.msg_event_dispatched', 'dispatched',
                    engineer=o.engineer.service_short_name)
                for o in orders])
        cls.notify_assignment(orders)

    def check_engineer(self, engineer):
        "Raise if engineer may not take the order; see dispatch"
        pass

    @classmethod
    def notify_assignment(cls, orders):
        """Tell the engineers about their new orders in the application; the
        email is sent by a trigger (work_order_notification.xml)"""
        for order in orders:
            if not order.engineer:
                continue
            users = users_of_employees([order.engineer])
            notify_users(
                users, 'appliance_service.msg_notify_assignment', [order],
                icon='tryton-board',
                order=order.rec_name,
                customer=order.customer.name,
                start=order._appointment_strings()['start'],
                address=order.address.rec_name if order.address else '')

    @classmethod
    @ModelView.button
    @require_state('dispatched')
    @Workflow.transition('on_the_way')
    def depart(cls, orders):
        cls.log_event(orders, 'appliance_service.msg_event_on_the_way',
            state='on_the_way')

    @classmethod
    @ModelView.button
    @require_state('dispatched', 'on_the_way')
    @Workflow.transition('in_progress')
    def start(cls, orders):
        for order in orders:
            order.check_appointment_day()
        cls.write(orders, {'started_at': cls._now()})
        cls.log_event(orders, 'appliance_service.msg_event_started',
            state='in_progress')

    @classmethod
    @ModelView.button
    @require_state('in_progress')
    @Workflow.transition('waiting')
    def wait_parts(cls, orders):
        cls.write(orders, {'waiting_reason': 'parts'})
        cls.log_event(orders, 'appliance_service.msg_event_waiting_parts',
            state='waiting')

    @classmethod
    @ModelView.button
    @require_state('in_progress')
    @Workflow.transition('waiting')
    def wait_customer(cls, orders):
        cls.write(orders, {'waiting_reason': 'customer'})
        cls.log_event(orders, 'appliance_service.msg_event_waiting_customer',
            state='waiting')

    @classmethod
    @ModelView.button
    @require_state('waiting')
    @Workflow.transition('in_progress')
    def resume(cls, orders):
        cls.write(orders, {'waiting_reason': None})
        cls.log_event(orders, 'appliance_service.msg_event_resumed',
            state='in_progress')

    @classmethod
    @ModelView.button
    @require_state('in_progress')
    def complete(cls, orders):
        "End the work of orders and do what follows"
        cls._complete(orders)
        cls.process_done(orders)

    @classmethod
    @Workflow.transition('done')
    def _complete(cls, orders):
        for order in orders:
            order.check_appointment_day()
            order.check_completion()
        cls.write(orders, {'done_at': cls._now()})
        cls.log_event(orders, 'appliance_service.msg_event_done',
            state='done')

    @classmethod
    def before_appointment_key(cls, order):
        "The name of the warning a Service Manager confirms to work early"
        Warning = Pool().get('res.user.warning')
        return Warning.format('before_appointment', [order])

    def check_appointment_day(self):
        """Refuse to work on the order before the day of its appointment.

        A Service Manager confirms a warning instead; the administrators
        and the system (imports, tests) are not checked."""
        pool = Pool()
        Warning = pool.get('res.user.warning')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        if not self.appointment_start or not Transaction().user:
            return
        day = local_date(self.appointment_start, self.timezone)
        if day <= local_today(self.timezone):
            return
        groups = User.get_groups()
        if ModelData.get_id('appliance', 'group_appliance_admin') in groups:
            return
        if ModelData.get_id('appliance', 'group_manager') not in groups:
            raise BeforeAppointmentError(gettext(
                    'appliance_service.msg_work_order_before_appointment',
                    order=self.rec_name, day=day))
        key = self.before_appointment_key(self)
        if Warning.check(key):
            raise BeforeAppointmentWarning(key, gettext(
                    'appliance_service.msg_work_order_before_appointment',
                    order=self.rec_name, day=day))

    def check_completion(self):
        "Raise if the order lacks what completion requires"
        pass

    @classmethod
    def process_done(cls, orders):
        """Do what follows the end of the work on orders just done;
        invoicing, ratings and follow-ups extend it."""
        pass

    @classmethod
    @ModelView.button
    @require_state(
        'draft', 'scheduled', 'dispatched', 'on_the_way', 'waiting')
    @Workflow.transition('cancelled')
    def cancel(cls, orders):
        pool = Pool()
        Slot = pool.get('appliance.slot')
        for order in orders:
            if order.slot and order.state != 'draft':
                Slot.release(order.slot)
        cls.log_event(orders, 'appliance_service.msg_event_cancelled',
            state='cancelled')


class WorkOrderEvent(ModelSQL, ModelView):
    "Work order timeline entry"
    __name__ = 'appliance.work_order.event'

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", required=True,
        ondelete='CASCADE')
    date = fields.DateTime("Date", required=True, readonly=True)
    state = fields.Selection(STATES, "State", readonly=True)
    description = fields.Char("Description", readonly=True)
    public = fields.Boolean(
        "Public", readonly=True,
        help="Shown to the customer on the progress timeline.")
    user = fields.Many2One('res.user', "User", readonly=True)
    employee = fields.Many2One('company.employee', "Employee", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.work_order, Index.Equality())))

    @classmethod
    def values_for(cls, order, message_id, state, public=True, **variables):
        transaction = Transaction()
        with transaction.set_context(
                language=order.customer.lang.code
                if order.customer.lang else None):
            description = gettext(message_id, **variables)
        return {
            'work_order': order.id,
            'date': utc_now(),
            'state': state,
            'description': description,
            'public': public,
            'user': transaction.user or None,
            'employee': transaction.context.get('employee'),
            }

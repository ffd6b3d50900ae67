# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Charges of out-of-warranty work: charge lines, the quote the customer
accepts or declines before the work starts, and the customer invoice."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Workflow, fields, sequence_ordered)
from trytond.modules.account_product.exceptions import AccountError
from trytond.modules.currency.fields import Monetary
from trytond.modules.product import price_digits, round_price
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .common import require_state
from .exceptions import ChargeError, QuoteError

CHARGE_KINDS = [
    ('labour', "Labour"),
    ('part', "Part"),
    ('fee', "Call-out Fee"),
    ]
QUOTE_STATES = [
    ('none', "Not Quoted"),
    ('proposed', "Proposed"),
    ('accepted', "Accepted"),
    ('declined', "Declined"),
    ]
PAYMENT_STATES = [
    ('none', "Nothing to Pay"),
    ('unpaid', "Unpaid"),
    ('paid', "Paid"),
    ]
WARRANTY_STATUSES = [
    (None, ""),
    ('covered', "In Warranty"),
    ('partial', "Partly Covered"),
    ('not_covered', "Out of Warranty"),
    ]
CLOSED_STATES = ['done', 'cancelled']
# Context key that lets the order itself add the call-out fee to a closed quote
_UNLOCK_CHARGES = '_appliance_charges_unlocked'


class Configuration(metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    labour_product = fields.Many2One(
        'product.product', "Labour Product",
        domain=[('type', '=', 'service')],
        help="The service charged per hour of labour "
        "on out-of-warranty work, at its list price.")
    call_out_product = fields.Many2One(
        'product.product', "Call-out Fee Product",
        domain=[('type', '=', 'service')],
        help="The flat fee charged once per out-of-warranty visit.\n"
        "It is the only charge when the customer declines the quote "
        "after the engineer set off.")


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
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
    quote_required = fields.Function(
        fields.Boolean(
            "Quote Required",
            help="The customer must accept a quote before the work starts: "
            "always out of warranty, and when partly covered work "
            "has something to pay."),
        'get_quote_required')
    charges = fields.One2Many(
        'appliance.work_order.charge', 'work_order', "Charges",
        states={
            'readonly': ((Eval('quote_state') != 'none')
                | Eval('state').in_(CLOSED_STATES)),
            },
        help="What the customer pays for out-of-warranty work.\n"
        "The charges are frozen once the quote is proposed.")
    charge_amount = fields.Function(
        Monetary(
            "Amount to Pay", currency='currency', digits='currency',
            help="The total of the charges not covered by a warranty."),
        'get_charge_amount')
    quote_state = fields.Selection(
        QUOTE_STATES, "Quote", readonly=True, sort=False,
        help="Out-of-warranty work starts only once the customer has "
        "accepted the quote.\n"
        "After a decline the work cannot start: revise the quote, "
        "or cancel the order before the engineer sets off (nothing to pay), "
        "or once the engineer is on the way close it as inspection only: "
        "only the call-out fee is invoiced.")
    quote_state_string = quote_state.translated('quote_state')
    quote_amount = Monetary(
        "Quoted Amount", currency='currency', digits='currency',
        readonly=True)
    quote_proposed_at = fields.DateTime("Quote Proposed At", readonly=True)
    quote_proposed_by = fields.Many2One(
        'res.user', "Quote Proposed By", readonly=True)
    quote_decided_at = fields.DateTime(
        "Quote Decided At", readonly=True,
        help="When the customer accepted or declined the quote.")
    quote_decided_by = fields.Many2One(
        'res.user', "Quote Decision Recorded By", readonly=True)
    inspection_only = fields.Boolean(
        "Inspection Only", readonly=True,
        help="The customer declined the quote after the engineer came: "
        "only the call-out fee is invoiced.")
    # Lazy: engineers have no read access to it (charge.xml)
    invoice = fields.Many2One(
        'account.invoice', "Invoice", readonly=True, ondelete='RESTRICT',
        loading='lazy')
    payment_state = fields.Function(
        fields.Selection(PAYMENT_STATES, "Payment", sort=False),
        'get_payment_state', searcher='search_payment_state')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.invoice, Index.Equality())),
                Index(t, (t.quote_state, Index.Equality(cardinality='low')),
                    where=t.quote_state == 'proposed'),
                })
        cls._transitions |= {
            ('on_the_way', 'done'),
            }
        quote_open = (
            Eval('quote_required', False)
            & (Eval('quote_state') == 'none')
            & ~Eval('state').in_(CLOSED_STATES))
        cls._buttons.update({
                # Partly covered work needs a quote only once it has charges,
                # so computing them must not wait for the quote
                'compute_charges': {
                    'invisible': (
                        ~Eval('warranty_status').in_(
                            ['partial', 'not_covered'])
                        | (Eval('quote_state') != 'none')
                        | Eval('state').in_(CLOSED_STATES)),
                    'depends': ['warranty_status', 'quote_state', 'state'],
                    },
                'propose_quote': {
                    'invisible': ~quote_open,
                    'depends': ['quote_required', 'quote_state', 'state'],
                    },
                'accept_quote': {
                    'invisible': Eval('quote_state') != 'proposed',
                    'depends': ['quote_state'],
                    },
                'decline_quote': {
                    'invisible': Eval('quote_state') != 'proposed',
                    'depends': ['quote_state'],
                    },
                'revise_quote': {
                    'invisible': (
                        ~Eval('quote_state').in_(
                            ['proposed', 'accepted', 'declined'])
                        | Eval('state').in_(CLOSED_STATES)),
                    'depends': ['quote_state', 'state'],
                    },
                'close_inspection': {
                    'invisible': (
                        (Eval('quote_state') != 'declined')
                        | (Eval('state') != 'on_the_way')),
                    'depends': ['quote_state', 'state'],
                    },
                })

    @classmethod
    def default_quote_state(cls):
        return 'none'

    @classmethod
    def default_inspection_only(cls):
        return False

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        if self.company:
            return self.company.currency

    def get_service_date(self, name):
        return self.compute_service_date()

    def compute_service_date(self):
        pool = Pool()
        Date = pool.get('ir.date')
        for value in [self.started_at, self.appointment_start]:
            if value:
                return value.date()
        with Transaction().set_context(
                company=self.company.id if self.company else None):
            return Date.today()

    def get_warranty_status(self, name):
        if not self.appliance:
            return None
        date = self.compute_service_date()
        if self.appliance.coverage_on(date, 'unit'):
            return 'covered'
        if (self.appliance.coverage_on(date, 'labour')
                or self.appliance.coverage_on(date, 'component')):
            return 'partial'
        return 'not_covered'

    def get_quote_required(self, name):
        status = self.warranty_status
        if status == 'not_covered':
            return True
        elif status == 'partial':
            return bool(self.charge_amount)
        return False

    @classmethod
    def get_charge_amount(cls, orders, name):
        amounts = {}
        for order in orders:
            amount = sum(
                (c.amount for c in order.charges if c.amount),
                Decimal(0))
            if order.currency:
                amount = order.currency.round(amount)
            amounts[order.id] = amount
        return amounts

    def get_payment_state(self, name):
        if not self.invoice or self.invoice.state == 'cancelled':
            return 'none'
        elif self.invoice.state == 'paid':
            return 'paid'
        return 'unpaid'

    @classmethod
    def _payment_state_domain(cls, state):
        return {
            'none': ['OR',
                ('invoice', '=', None),
                ('invoice.state', '=', 'cancelled'),
                ],
            'unpaid': [
                ('invoice.state', 'in', ['draft', 'validated', 'posted']),
                ],
            'paid': [('invoice.state', '=', 'paid')],
            }[state]

    @classmethod
    def search_payment_state(cls, name, clause):
        _, operator, value = clause[:3]
        states = {s for s, _ in PAYMENT_STATES}
        if operator in {'=', '!='}:
            values = {value} & states
        elif operator in {'in', 'not in'}:
            values = set(value or []) & states
        else:
            return []
        if operator.startswith('!') or operator.startswith('not'):
            values = states - values
        if not values:
            return [('id', '=', None)]
        return ['OR'] + [cls._payment_state_domain(s) for s in sorted(values)]

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name in ['charges', 'quote_amount', 'quote_proposed_at',
                'quote_proposed_by', 'quote_decided_at', 'quote_decided_by',
                'invoice']:
            default.setdefault(name, None)
        default.setdefault('quote_state', 'none')
        default.setdefault('inspection_only', False)
        return super().copy(orders, default=default)

    def _format_amount(self, amount):
        "Return amount formatted for the customer"
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get(
            self.customer.lang.code if self.customer.lang else None)
        return lang.currency(amount or 0, self.currency, grouping=True)

    # Charges

    def compute_charge_lines(self):
        """Return new charge lines for the call-out fee, the labour and the
        parts of the order.

        Labour uses the hours recorded on the order, else the standard time
        of its repair plan."""
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        Charge = pool.get('appliance.work_order.charge')
        config = Configuration(1)
        lines = []
        if config.call_out_product:
            lines.append(Charge.from_product(
                    self, 'fee', config.call_out_product, 1))
        # labour_hours, plan and parts come from the repair record of the
        # order (fault.py)
        hours = getattr(self, 'labour_hours', None)
        plan = getattr(self, 'plan', None)
        if not hours and plan:
            hours = plan.labour_hours
        if hours and config.labour_product:
            lines.append(Charge.from_product(
                    self, 'labour', config.labour_product, hours))
        for part in getattr(self, 'parts', None) or []:
            lines.append(Charge.from_product(
                    self, 'part', part.product, part.quantity, part.unit))
        return lines

    @classmethod
    @ModelView.button
    @require_state(
        'draft', 'scheduled', 'dispatched', 'on_the_way', 'in_progress',
        'waiting')
    def compute_charges(cls, orders):
        "Replace the computed charges with those of the current work"
        pool = Pool()
        Charge = pool.get('appliance.work_order.charge')
        to_delete, to_save = [], []
        for order in orders:
            order.check_charges_open()
            to_delete.extend(c for c in order.charges if c.computed)
            for line in order.compute_charge_lines():
                line.work_order = order
                line.computed = True
                to_save.append(line)
        Charge.delete(to_delete)
        Charge.save(to_save)

    def check_charges_open(self):
        if self.state in CLOSED_STATES:
            raise ChargeError(gettext(
                    'appliance_service.msg_charge_order_closed',
                    order=self.rec_name,
                    state=self.state_string))
        if self.quote_state != 'none':
            raise ChargeError(gettext(
                    'appliance_service.msg_charge_quote_locked',
                    order=self.rec_name,
                    quote_state=self.quote_state_string))

    # Quote

    def _check_quote_state(self, *states):
        if self.quote_state not in states:
            raise QuoteError(gettext(
                    'appliance_service.msg_quote_wrong_state',
                    order=self.rec_name,
                    quote_state=self.quote_state_string))

    @classmethod
    @ModelView.button
    @require_state(
        'draft', 'scheduled', 'dispatched', 'on_the_way', 'in_progress',
        'waiting')
    def propose_quote(cls, orders):
        now = cls._now()
        user = Transaction().user or None
        for order in orders:
            order._check_quote_state('none')
            if order.warranty_status == 'covered' or not order.appliance:
                raise QuoteError(gettext(
                        'appliance_service.msg_quote_in_warranty',
                        order=order.rec_name))
            # A quote of nothing is allowed for goodwill, not an empty one
            if not order.charges:
                raise QuoteError(gettext(
                        'appliance_service.msg_quote_no_charges',
                        order=order.rec_name))
        for order in orders:
            cls.write([order], {
                    'quote_state': 'proposed',
                    'quote_amount': order.charge_amount,
                    'quote_proposed_at': now,
                    'quote_proposed_by': user,
                    'quote_decided_at': None,
                    'quote_decided_by': None,
                    })
            cls.log_event(
                [order], 'appliance_service.msg_event_quote_proposed',
                amount=order._format_amount(order.quote_amount))

    @classmethod
    @ModelView.button
    def accept_quote(cls, orders):
        for order in orders:
            order._check_quote_state('proposed')
        cls.write(orders, {
                'quote_state': 'accepted',
                'quote_decided_at': cls._now(),
                'quote_decided_by': Transaction().user or None,
                })
        for order in orders:
            cls.log_event(
                [order], 'appliance_service.msg_event_quote_accepted',
                amount=order._format_amount(order.quote_amount))

    @classmethod
    @ModelView.button
    def decline_quote(cls, orders):
        for order in orders:
            order._check_quote_state('proposed')
        cls.write(orders, {
                'quote_state': 'declined',
                'quote_decided_at': cls._now(),
                'quote_decided_by': Transaction().user or None,
                })
        for order in orders:
            cls.log_event(
                [order], 'appliance_service.msg_event_quote_declined',
                amount=order._format_amount(order.quote_amount))

    @classmethod
    @ModelView.button
    @require_state(
        'draft', 'scheduled', 'dispatched', 'on_the_way', 'in_progress',
        'waiting')
    def revise_quote(cls, orders):
        "Reopen the charges for a new quote"
        for order in orders:
            order._check_quote_state('proposed', 'accepted', 'declined')
        cls.write(orders, {
                'quote_state': 'none',
                'quote_amount': None,
                'quote_decided_at': None,
                'quote_decided_by': None,
                })
        cls.log_event(orders, 'appliance_service.msg_event_quote_revised')

    def check_quote_accepted(self):
        "Raise unless the customer accepted what the work will cost"
        if not self.quote_required or self.quote_state == 'accepted':
            return
        message = {
            'declined': 'appliance_service.msg_quote_declined_no_work',
            }.get(self.quote_state, 'appliance_service.msg_quote_not_accepted')
        raise QuoteError(gettext(
                message,
                order=self.rec_name,
                warranty=self.warranty_status_string,
                quote_state=self.quote_state_string))

    @property
    def warranty_status_string(self):
        return dict(self.fields_get(['warranty_status'])['warranty_status'][
                'selection']).get(self.warranty_status) or ''

    @classmethod
    @ModelView.button
    def start(cls, orders):
        for order in orders:
            if order.state in {'dispatched', 'on_the_way'}:
                order.check_quote_accepted()
        super().start(orders)

    def check_completion(self):
        super().check_completion()
        self.check_quote_accepted()

    @classmethod
    @ModelView.button
    def complete(cls, orders):
        super().complete(orders)
        cls.process_done(orders)

    @classmethod
    @ModelView.button
    def close_inspection(cls, orders):
        """Close orders whose quote the customer declined once the engineer
        was on the way: only the call-out fee is charged."""
        cls._close_inspection(orders)
        cls.process_done(orders)

    @classmethod
    @require_state('on_the_way')
    @Workflow.transition('done')
    def _close_inspection(cls, orders):
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        Charge = pool.get('appliance.work_order.charge')
        config = Configuration(1)
        to_save = []
        for order in orders:
            if order.quote_state != 'declined':
                raise QuoteError(gettext(
                        'appliance_service.msg_quote_inspection_not_declined',
                        order=order.rec_name,
                        quote_state=order.quote_state_string))
            if (config.call_out_product
                    and not any(c.kind == 'fee' for c in order.charges)):
                fee = Charge.from_product(
                    order, 'fee', config.call_out_product, 1)
                fee.work_order = order
                fee.computed = True
                to_save.append(fee)
        with Transaction().set_context(**{_UNLOCK_CHARGES: True}):
            Charge.save(to_save)
        cls.write(orders, {
                'done_at': cls._now(),
                'inspection_only': True,
                })
        cls.log_event(orders, 'appliance_service.msg_event_inspection_only',
            state='done')

    @classmethod
    def process_done(cls, orders):
        """Do what follows the end of the work on orders just done: invoice
        the charges; ratings and follow-ups extend it."""
        cls.create_invoices(orders)

    # Invoice

    def billable_charges(self):
        "Return the charge lines the customer pays"
        if not self.quote_required or self.quote_state not in {
                'accepted', 'declined'}:
            return []
        if self.quote_state == 'declined' and not self.inspection_only:
            return []
        charges = [c for c in self.charges if c.amount]
        if self.inspection_only:
            charges = [c for c in charges if c.kind == 'fee']
        return charges

    def _get_invoice(self):
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Party = pool.get('party.party')
        with Transaction().set_context(company=self.company.id):
            party = Party(self.customer.id)
            account = party.account_receivable_used
            payment_term = party.customer_payment_term
        if not account:
            raise ChargeError(gettext(
                    'appliance_service.msg_charge_no_receivable',
                    order=self.rec_name,
                    customer=party.rec_name))
        invoice = Invoice(
            company=self.company,
            type='out',
            party=party,
            invoice_address=party.address_get(type='invoice'),
            currency=self.currency,
            account=account,
            reference=self.number,
            description=self.number,
            )
        invoice.set_journal()
        invoice.payment_term = payment_term
        return invoice

    @classmethod
    def create_invoices(cls, orders):
        "Create the customer invoices of the charges of orders"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        invoices = {}
        for order in orders:
            if order.invoice:
                continue
            charges = order.billable_charges()
            if not charges:
                continue
            invoice = order._get_invoice()
            invoice.lines = [c.get_invoice_line(invoice) for c in charges]
            invoices[order] = invoice
        if not invoices:
            return []
        Invoice.save(invoices.values())
        Invoice.update_taxes(invoices.values())
        to_write = []
        for order, invoice in invoices.items():
            to_write.extend(([order], {'invoice': invoice.id}))
        cls.write(*to_write)
        for order, invoice in invoices.items():
            cls.log_event([order], 'appliance_service.msg_event_invoiced',
                amount=order._format_amount(invoice.total_amount))
        return list(invoices.values())


class WorkOrderCharge(sequence_ordered(), ModelSQL, ModelView):
    "Work order charge"
    __name__ = 'appliance.work_order.charge'

    _states = {
        'readonly': ((Eval('work_order_quote_state') != 'none')
            | Eval('work_order_state').in_(CLOSED_STATES)),
        }

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", required=True,
        ondelete='CASCADE', states=_states)
    kind = fields.Selection(CHARGE_KINDS, "Kind", required=True,
        states=_states)
    product = fields.Many2One(
        'product.product', "Product", required=True, ondelete='RESTRICT',
        domain=[
            If(Eval('kind').in_(['labour', 'fee']),
                ('type', '=', 'service'),
                ()),
            ],
        context={
            'company': Eval('company', -1),
            },
        states=_states, depends={'company'})
    description = fields.Char("Description", states=_states)
    quantity = fields.Float(
        "Quantity", digits='unit', required=True,
        domain=[('quantity', '>=', 0)], states=_states,
        help="In hours for labour.")
    unit = fields.Many2One(
        'product.uom', "Unit", required=True, ondelete='RESTRICT',
        domain=[
            If(Bool(Eval('product_uom_category')),
                ('category', '=', Eval('product_uom_category', -1)),
                ()),
            ],
        states=_states)
    product_uom_category = fields.Function(
        fields.Many2One('product.uom.category', "Product UoM Category"),
        'on_change_with_product_uom_category')
    unit_price = Monetary(
        "Unit Price", currency='currency', digits=price_digits,
        required=True, states=_states)
    coverage = fields.Many2One(
        'appliance.warranty.coverage', "Covered By", ondelete='RESTRICT',
        domain=[
            ('appliance', '=', Eval('appliance', -1)),
            ],
        states=_states,
        help="The warranty coverage that pays for the line: "
        "the customer pays nothing for it.")
    amount = fields.Function(
        Monetary("Amount", currency='currency', digits='currency'),
        'on_change_with_amount')
    computed = fields.Boolean(
        "Computed", readonly=True,
        help="Made from the call-out fee, the labour and the parts of the "
        "order; computing the charges again replaces it.")
    appliance = fields.Function(
        fields.Many2One('appliance.appliance', "Appliance"),
        'on_change_with_appliance')
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_company')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    work_order_state = fields.Function(
        fields.Selection('get_work_order_states', "Work Order State"),
        'on_change_with_work_order_state')
    work_order_quote_state = fields.Function(
        fields.Selection(QUOTE_STATES, "Quote"),
        'on_change_with_work_order_quote_state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.work_order, Index.Equality())))

    @classmethod
    def default_kind(cls):
        return 'part'

    @classmethod
    def default_quantity(cls):
        return 1

    @classmethod
    def default_computed(cls):
        return False

    @classmethod
    def default_work_order_quote_state(cls):
        return 'none'

    @classmethod
    def get_work_order_states(cls):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        return WorkOrder.fields_get(['state'])['state']['selection']

    @fields.depends('work_order', '_parent_work_order.appliance')
    def on_change_with_appliance(self, name=None):
        if self.work_order:
            return self.work_order.appliance

    @fields.depends('work_order', '_parent_work_order.company')
    def on_change_with_company(self, name=None):
        if self.work_order:
            return self.work_order.company

    @classmethod
    def search_company(cls, name, clause):
        return [('work_order.' + clause[0], *clause[1:])]

    @fields.depends('work_order', '_parent_work_order.company')
    def on_change_with_currency(self, name=None):
        if self.work_order and self.work_order.company:
            return self.work_order.company.currency

    @fields.depends('work_order', '_parent_work_order.state')
    def on_change_with_work_order_state(self, name=None):
        if self.work_order:
            return self.work_order.state

    @fields.depends('work_order', '_parent_work_order.quote_state')
    def on_change_with_work_order_quote_state(self, name=None):
        if self.work_order:
            return self.work_order.quote_state

    @fields.depends('product')
    def on_change_with_product_uom_category(self, name=None):
        if self.product:
            return self.product.default_uom.category

    @fields.depends(
        'quantity', 'unit_price', 'coverage', 'currency',
        methods=['on_change_with_currency'])
    def on_change_with_amount(self, name=None):
        if self.coverage or self.quantity is None or self.unit_price is None:
            return Decimal(0)
        amount = Decimal(str(self.quantity)) * self.unit_price
        currency = self.currency or self.on_change_with_currency()
        if currency:
            amount = currency.round(amount)
        return amount

    @fields.depends(
        'product', 'unit', 'kind', 'work_order', 'description',
        '_parent_work_order.appliance', '_parent_work_order.company',
        '_parent_work_order.started_at',
        '_parent_work_order.appointment_start')
    def on_change_product(self):
        if not self.product:
            return
        category = self.product.default_uom.category
        if not self.unit or self.unit.category != category:
            self.unit = self.product.default_uom
        self.description = self.product.rec_name
        self.unit_price = self._get_unit_price()
        if self.work_order:
            self.coverage = self._get_coverage(self.work_order)

    @fields.depends('product', 'unit', 'work_order',
        '_parent_work_order.company')
    def on_change_unit(self):
        if self.product and self.unit:
            self.unit_price = self._get_unit_price()

    def _get_unit_price(self):
        "Return the list price of the product in the unit of the line"
        pool = Pool()
        Product = pool.get('product.product')
        Uom = pool.get('product.uom')
        company = self.work_order.company if self.work_order else None
        with Transaction().set_context(
                company=company.id if company else None):
            # The price depends on the company of the context
            price = Product(self.product.id).list_price_used
        if price is None:
            return None
        unit = self.unit or self.product.default_uom
        return round_price(Uom.compute_price(
                self.product.default_uom, price, unit))

    def _get_coverage(self, order):
        """Return the coverage paying for the line: the whole unit pays for
        everything, a labour coverage for labour and the call-out fee.

        Key components are chosen by hand."""
        appliance = order.appliance
        if not appliance:
            return None
        date = order.compute_service_date()
        coverage = appliance.coverage_on(date, 'unit')
        if not coverage and self.kind in {'labour', 'fee'}:
            coverage = appliance.coverage_on(date, 'labour')
        return coverage

    @classmethod
    def from_product(cls, order, kind, product, quantity, unit=None):
        "Return a new line charging quantity of product on order"
        line = cls(
            kind=kind, product=product, quantity=quantity,
            unit=unit or product.default_uom,
            description=product.rec_name)
        line.work_order = order
        line.unit_price = line._get_unit_price()
        if line.unit_price is None:
            raise ChargeError(gettext(
                    'appliance_service.msg_charge_no_price',
                    product=product.rec_name))
        line.coverage = line._get_coverage(order)
        return line

    def get_rec_name(self, name):
        return self.description or self.product.rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('description', operator, operand, *extra),
            ('product.rec_name', operator, operand, *extra),
            ]

    @classmethod
    def check_modification(cls, mode, charges, values=None, external=False):
        super().check_modification(
            mode, charges, values=values, external=external)
        if Transaction().context.get(_UNLOCK_CHARGES):
            return
        for order in {c.work_order for c in charges}:
            order.check_charges_open()

    @classmethod
    def validate_fields(cls, charges, field_names):
        super().validate_fields(charges, field_names)
        if field_names and not (field_names & {'coverage', 'work_order'}):
            return
        for charge in charges:
            if (charge.coverage
                    and charge.coverage.appliance
                    != charge.work_order.appliance):
                raise ChargeError(gettext(
                        'appliance_service.msg_charge_coverage_appliance',
                        charge=charge.rec_name,
                        order=charge.work_order.rec_name))

    def get_invoice_line(self, invoice):
        "Return the invoice line that bills the charge on invoice"
        pool = Pool()
        InvoiceLine = pool.get('account.invoice.line')
        line = InvoiceLine(
            invoice=invoice,
            type='line',
            invoice_type='out',
            company=invoice.company,
            currency=invoice.currency,
            party=invoice.party,
            product=self.product,
            unit=self.unit,
            quantity=self.quantity,
            origin=self,
            )
        try:
            line.on_change_product()
        except AccountError as exception:
            raise ChargeError(gettext(
                    'appliance_service.msg_charge_no_revenue_account',
                    order=self.work_order.rec_name,
                    product=self.product.rec_name)) from exception
        line.unit = self.unit
        line.description = self.description
        line.unit_price = self.unit_price
        if not line.account:
            raise ChargeError(gettext(
                    'appliance_service.msg_charge_no_revenue_account',
                    order=self.work_order.rec_name,
                    product=self.product.rec_name))
        return line


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['appliance.work_order.charge']

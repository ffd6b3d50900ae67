# This file is part of the appliance_service_invoice module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
"""Charges of out-of-warranty work: the quote the customer accepts or
declines before the work starts, and the customer invoice on completion."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelView, Workflow, fields
from trytond.modules.appliance_service.common import require_state
from trytond.modules.appliance_service.work_order import CLOSED_STATES
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .charge import QUOTE_STATES, UNLOCK_CHARGES
from .exceptions import ChargeError, QuoteError

PAYMENT_STATES = [
    ('none', "Nothing to Pay"),
    ('unpaid', "Unpaid"),
    ('paid', "Paid"),
    ]


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
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

    def get_done_email_notes(self):
        "What the customer pays, or why the appliance was not repaired"
        notes = super().get_done_email_notes()
        if self.inspection_only:
            notes.append(gettext(
                    'appliance_service_invoice.msg_done_inspection_only'))
        if self.invoice and self.invoice.state != 'cancelled':
            notes.append(gettext(
                    'appliance_service_invoice.msg_done_amount',
                    amount=self._format_amount(self.invoice.total_amount)))
        elif not self.invoice:
            notes.append(gettext('appliance_service_invoice.msg_done_free'))
        return notes

    def _format_amount(self, amount):
        "Return amount formatted for the customer"
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get(
            self.customer.lang.code if self.customer.lang else None)
        return lang.currency(amount or 0, self.currency, grouping=True)

    # Charges

    def compute_charge_lines(self):
        """Return new charge lines for the call-out fee of the order; with
        the repair record, for its labour and parts too (WorkOrder_Repair)"""
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        Charge = pool.get('appliance.work_order.charge')
        config = Configuration(1)
        lines = []
        if config.call_out_product:
            lines.append(Charge.from_product(
                    self, 'fee', config.call_out_product, 1))
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
                    'appliance_service_invoice.msg_charge_order_closed',
                    order=self.rec_name,
                    state=self.state_string))
        if self.quote_state != 'none':
            raise ChargeError(gettext(
                    'appliance_service_invoice.msg_charge_quote_locked',
                    order=self.rec_name,
                    quote_state=self.quote_state_string))

    # Quote

    def _check_quote_state(self, *states):
        if self.quote_state not in states:
            raise QuoteError(gettext(
                    'appliance_service_invoice.msg_quote_wrong_state',
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
                        'appliance_service_invoice.msg_quote_in_warranty',
                        order=order.rec_name))
            # A quote of nothing is allowed for goodwill, not an empty one
            if not order.charges:
                raise QuoteError(gettext(
                        'appliance_service_invoice.msg_quote_no_charges',
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
                [order], 'appliance_service_invoice.msg_event_quote_proposed',
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
                [order], 'appliance_service_invoice.msg_event_quote_accepted',
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
                [order], 'appliance_service_invoice.msg_event_quote_declined',
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
        cls.log_event(
            orders, 'appliance_service_invoice.msg_event_quote_revised')

    def check_quote_accepted(self):
        "Raise unless the customer accepted what the work will cost"
        if not self.quote_required or self.quote_state == 'accepted':
            return
        message = {
            'declined': 'appliance_service_invoice.msg_quote_declined_no_work',
            }.get(self.quote_state,
            'appliance_service_invoice.msg_quote_not_accepted')
        raise QuoteError(gettext(
                message,
                order=self.rec_name,
                warranty=self.warranty_status_string,
                quote_state=self.quote_state_string))

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
                        'appliance_service_invoice'
                        '.msg_quote_inspection_not_declined',
                        order=order.rec_name,
                        quote_state=order.quote_state_string))
            if (config.call_out_product
                    and not any(c.kind == 'fee' for c in order.charges)):
                fee = Charge.from_product(
                    order, 'fee', config.call_out_product, 1)
                fee.work_order = order
                fee.computed = True
                to_save.append(fee)
        with Transaction().set_context(**{UNLOCK_CHARGES: True}):
            Charge.save(to_save)
        cls.write(orders, {
                'done_at': cls._now(),
                'inspection_only': True,
                })
        cls.log_event(
            orders, 'appliance_service_invoice.msg_event_inspection_only',
            state='done')

    @classmethod
    def process_done(cls, orders):
        super().process_done(orders)
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
                    'appliance_service_invoice.msg_charge_no_receivable',
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
            cls.log_event(
                [order], 'appliance_service_invoice.msg_event_invoiced',
                amount=order._format_amount(invoice.total_amount))
        return list(invoices.values())


class WorkOrder_Repair(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    def compute_charge_lines(self):
        """Add the labour and the parts of the repair record.

        Labour uses the hours recorded on the order, else the standard time
        of its repair plan."""
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        Charge = pool.get('appliance.work_order.charge')
        config = Configuration(1)
        lines = super().compute_charge_lines()
        hours = self.labour_hours
        if not hours and self.plan:
            hours = self.plan.labour_hours
        if hours and config.labour_product:
            lines.append(Charge.from_product(
                    self, 'labour', config.labour_product, hours))
        for part in self.parts:
            lines.append(Charge.from_product(
                    self, 'part', part.product, part.quantity, part.unit))
        return lines

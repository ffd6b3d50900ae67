# This file is part of the appliance_service_invoice module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
"""The charge lines of work orders: labour, parts and call-out fee, free
when a warranty coverage pays for them."""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields, sequence_ordered
from trytond.modules.account_product.exceptions import AccountError
from trytond.modules.appliance_service.work_order import CLOSED_STATES
from trytond.modules.currency.fields import Monetary
from trytond.modules.product import price_digits, round_price
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .exceptions import ChargeError

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
# Context key that lets the order itself add the call-out fee to a closed quote
UNLOCK_CHARGES = '_appliance_charges_unlocked'


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
                    'appliance_service_invoice.msg_charge_no_price',
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
        if Transaction().context.get(UNLOCK_CHARGES):
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
                        'appliance_service_invoice'
                        '.msg_charge_coverage_appliance',
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
                    'appliance_service_invoice.msg_charge_no_revenue_account',
                    order=self.work_order.rec_name,
                    product=self.product.rec_name)) from exception
        line.unit = self.unit
        line.description = self.description
        line.unit_price = self.unit_price
        if not line.account:
            raise ChargeError(gettext(
                    'appliance_service_invoice.msg_charge_no_revenue_account',
                    order=self.work_order.rec_name,
                    product=self.product.rec_name))
        return line

# This file is part of the appliance_service_parts module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"""The defective parts removed from the appliances: they go to the defective
parts location with their serial, linked to the work order and to the
supplier whose warranty may cover them."""
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.appliance_service.work_order import CLOSED_STATES
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .exceptions import DefectivePartError

CLAIM_STATES = [
    (None, ""),
    ('draft', "Draft"),
    ('sent', "Sent"),
    ('accepted', "Accepted"),
    ('rejected', "Rejected"),
    ('credited', "Credited"),
    ]
# Recomputed when the terms of the warranty change
WARRANTY_FIELDS = {'supplier', 'received_date', 'warranty_months',
    'removal_date'}


class DefectivePart(ModelSQL, ModelView):
    "Defective part removed on a work order"
    __name__ = 'appliance.work_order.defective_part'

    _removal_states = {
        'readonly': Bool(Eval('move')),
        }
    _claim_states = {
        'readonly': Bool(Eval('claim')),
        }

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", required=True,
        ondelete='CASCADE',
        domain=[
            If(~Eval('move'),
                ('state', 'not in', CLOSED_STATES),
                ()),
            ],
        states=_removal_states)
    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='CASCADE',
        states={'readonly': True})
    appliance_model = fields.Function(
        fields.Many2One(
            'product.template', "Appliance Model",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'}),
        'on_change_with_appliance_model')
    product = fields.Many2One(
        'product.product', "Part", required=True, ondelete='RESTRICT',
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        domain=[
            ('template.spare_part', '=', True),
            If(Bool(Eval('appliance_model')) & ~Eval('move'),
                ('template.compatible_models', '=',
                    Eval('appliance_model', -1)),
                ()),
            ],
        states=_removal_states)
    serialised = fields.Function(
        fields.Boolean("Serialised"), 'on_change_with_serialised')
    serial_number = fields.Char(
        "Serial Number", states={
            'readonly': _removal_states['readonly'],
            'required': Bool(Eval('serialised')),
            },
        help="The serial on the part removed.")
    lot = fields.Many2One(
        'stock.lot', "Lot", readonly=True, ondelete='RESTRICT',
        help="The serial of the part in stock, found or created on "
        "removal.")
    quantity = fields.Float(
        "Quantity", digits=(16, 4), required=True,
        domain=[('quantity', '>', 0)],
        states={
            'readonly': (_removal_states['readonly']
                | Bool(Eval('serialised'))),
            },
        help="In the default unit of the part.")
    failure = fields.Text("Failure", states=_removal_states)
    removal_date = fields.Date("Removal Date", readonly=True)
    supplier = fields.Many2One(
        'party.party', "Supplier", ondelete='RESTRICT',
        states=_claim_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Who supplied the part: from its serial's receipt, else the "
        "first supplier of the part.")
    received_date = fields.Date(
        "Received", states=_claim_states,
        help="When the part came in from the supplier, which starts its "
        "warranty.")
    warranty_months = fields.Integer(
        "Supplier Warranty",
        domain=['OR',
            ('warranty_months', '=', None),
            ('warranty_months', '>=', 0),
            ],
        states=_claim_states,
        help="The months of the supplier's warranty on the part.")
    warranty_end = fields.Function(
        fields.Date("Warranty End"), 'on_change_with_warranty_end')
    under_warranty = fields.Boolean(
        "Under Supplier Warranty", readonly=True,
        help="The part failed within the supplier's warranty: it can be "
        "claimed.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    cost = fields.Numeric(
        "Part Cost", digits=(16, 2), states=_claim_states,
        help="What the part cost when it came in, else its cost price.")
    labour_hours = fields.Float(
        "Labour Hours", digits=(16, 2), states=_claim_states,
        domain=['OR',
            ('labour_hours', '=', None),
            ('labour_hours', '>=', 0),
            ],
        help="The share of the labour of the order spent on the part.")
    labour_amount = fields.Numeric(
        "Labour to Claim", digits=(16, 2), states=_claim_states,
        help="The labour the supplier reimburses.")
    claimable_amount = fields.Function(
        fields.Numeric("Claimable", digits=(16, 2)),
        'get_claimable_amount')
    move = fields.Many2One(
        'stock.move', "Move", readonly=True, ondelete='RESTRICT',
        help="The move of the part to the defective parts location.")
    claim_lines = fields.One2Many(
        'appliance.supplier.claim.line', 'defective_part', "Claim Lines",
        readonly=True)
    claim = fields.Function(
        fields.Many2One('appliance.supplier.claim', "Claim"), 'get_claim')
    claim_state = fields.Function(
        fields.Selection(CLAIM_STATES, "Claim State"), 'get_claim_state')

    del _removal_states, _claim_states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.work_order, Index.Equality())),
                Index(t,
                    (t.supplier, Index.Equality()),
                    (t.removal_date, Index.Range()),
                    where=t.under_warranty),
                })
        cls._order = [('removal_date', 'DESC NULLS FIRST'), ('id', 'DESC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_quantity(cls):
        return 1.0

    @classmethod
    def default_under_warranty(cls):
        return False

    @fields.depends('work_order', '_parent_work_order.appliance')
    def on_change_with_appliance_model(self, name=None):
        if self.work_order:
            return self.work_order.on_change_with_appliance_model()

    @fields.depends('product')
    def on_change_with_serialised(self, name=None):
        return bool(self.product and self.product.serialised)

    @fields.depends('work_order', '_parent_work_order.company')
    def on_change_work_order(self):
        if self.work_order:
            self.company = self.work_order.company

    @fields.depends('product', 'serial_number', 'lot', 'quantity',
        'supplier', 'received_date', 'warranty_months', 'cost', 'company')
    def on_change_product(self):
        if self.product and self.product.serialised:
            self.quantity = 1
        # What the serial tells; the defaults are filled on removal
        self.supplier = self.received_date = None
        self.warranty_months = self.cost = None
        self.set_origin(defaults=False)

    @fields.depends(methods=['on_change_product'])
    def on_change_serial_number(self):
        self.on_change_product()

    @fields.depends('received_date', 'warranty_months')
    def on_change_with_warranty_end(self, name=None):
        if self.received_date and self.warranty_months is not None:
            return self.received_date + relativedelta(
                months=self.warranty_months)

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        if self.company:
            return self.company.currency

    def get_claimable_amount(self, name):
        if self.under_warranty:
            return ((self.cost or Decimal(0))
                + (self.labour_amount or Decimal(0)))
        return Decimal(0)

    def get_claim(self, name):
        for line in self.claim_lines:
            return line.claim.id

    def get_claim_state(self, name):
        if self.claim:
            return self.claim.state

    def get_rec_name(self, name):
        name = self.product.rec_name
        if self.serial_number:
            name += f' ({self.serial_number})'
        return name

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('product.rec_name', operator, operand, *extra),
            ('serial_number', operator, operand, *extra),
            ]

    def find_lot(self):
        "Return the lot of the serial number of the part, if any"
        pool = Pool()
        Lot = pool.get('stock.lot')
        if not self.product or not self.serial_number:
            return None
        lots = Lot.search([
                ('product', '=', self.product.id),
                ('number', '=', self.serial_number.strip()),
                ], limit=1)
        return lots[0] if lots else None

    def receipt_move(self):
        "Return the move that brought the serial from a supplier"
        pool = Pool()
        Move = pool.get('stock.move')
        lot = self.lot or self.find_lot()
        if not lot:
            return None
        moves = Move.search([
                ('lot', '=', lot.id),
                ('from_location.type', '=', 'supplier'),
                ('state', '=', 'done'),
                ], order=[('effective_date', 'ASC'), ('id', 'ASC')], limit=1)
        return moves[0] if moves else None

    def set_origin(self, defaults=True):
        """Fill the supplier, receipt date, warranty and cost from where the
        part came in, when not given; with defaults, from the part and its
        first supplier when its serial does not tell"""
        pool = Pool()
        Currency = pool.get('currency.currency')
        if not self.product or not self.company:
            return
        receipt = self.receipt_move()
        if receipt:
            supplier = supplier_of(receipt)
            if supplier and not self.supplier:
                self.supplier = supplier
            if not self.received_date:
                self.received_date = receipt.effective_date
            if self.cost is None and receipt.unit_price is not None:
                with Transaction().set_context(date=receipt.effective_date):
                    self.cost = Currency.compute(
                        receipt.currency, receipt.unit_price,
                        self.company.currency, round=True)
        if defaults and not self.supplier:
            for product_supplier in self.product.product_suppliers_used():
                self.supplier = product_supplier.party
                break
        if self.warranty_months is None:
            terms = self.supplier_terms()
            if terms:
                self.warranty_months = terms.warranty_months
        if defaults and self.cost is None:
            with Transaction().set_context(company=self.company.id):
                cost_price = self.product.cost_price
            if cost_price is not None:
                self.cost = self.company.currency.round(cost_price)

    def supplier_terms(self):
        "Return the product supplier of the part and its supplier"
        if not self.product or not self.supplier:
            return None
        for product_supplier in self.product.product_suppliers_used():
            if product_supplier.party == self.supplier:
                return product_supplier

    def compute_under_warranty(self):
        "Whether the part failed before the end of the supplier's warranty"
        end = self.on_change_with_warranty_end()
        return bool(self.supplier and end and self.removal_date
            and self.removal_date <= end)

    @classmethod
    def remove(cls, parts):
        """Move the parts from the customer to the defective parts location,
        linked to their work order, serial and supplier"""
        pool = Pool()
        Move = pool.get('stock.move')
        Configuration = pool.get('stock.configuration')
        parts = [p for p in parts if not p.move]
        if not parts:
            return
        location = Configuration(1).defective_location
        if not location:
            raise DefectivePartError(gettext(
                    'appliance_service_parts.msg_no_defective_location'))
        moves = []
        for part in parts:
            part.check_serial()
            part.lot = part.find_lot() or part.create_lot()
            part.removal_date = part.work_order.compute_service_date()
            part.set_origin()
            moves.append(part._removal_move(location))
        Move.save(moves)
        for part, move in zip(parts, moves):
            part.move = move
        Move.do(moves)
        cls.share_labour(parts)
        for part in parts:
            part.under_warranty = part.compute_under_warranty()
        cls.save(parts)

    def check_serial(self):
        if self.product.serialised and not self.serial_number:
            raise DefectivePartError(gettext(
                    'appliance_service_parts.msg_defective_serial_required',
                    part=self.product.rec_name,
                    order=self.work_order.rec_name))

    def create_lot(self):
        "Return a new lot of the serial number, or None without one"
        pool = Pool()
        Lot = pool.get('stock.lot')
        if not self.serial_number:
            return None
        lot = Lot(product=self.product, number=self.serial_number.strip())
        lot.save()
        return lot

    def _removal_move(self, location):
        pool = Pool()
        Move = pool.get('stock.move')
        order = self.work_order
        product = self.product
        return Move(
            company=order.company,
            product=product,
            unit=product.default_uom,
            quantity=self.quantity,
            lot=self.lot,
            from_location=order.customer_location,
            to_location=location,
            planned_date=self.removal_date,
            effective_date=self.removal_date,
            origin=order,
            unit_price=self.cost,
            currency=order.company.currency)

    @classmethod
    def share_labour(cls, parts):
        """Share the labour of each order among its parts under warranty and
        value it when the supplier reimburses it"""
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        rate = Configuration(1).claim_labour_rate or Decimal(0)
        by_order = {}
        for part in parts:
            by_order.setdefault(part.work_order, []).append(part)
        for order, order_parts in by_order.items():
            for part in order_parts:
                part.removal_date = part.removal_date or (
                    order.compute_service_date())
            covered = [p for p in order_parts if p.compute_under_warranty()]
            hours = (order.labour_hours or 0) / len(covered) if covered else 0
            for part in covered:
                part.labour_hours = round(hours, 2)
                terms = part.supplier_terms()
                if terms and terms.warranty_labour:
                    part.labour_amount = part.company.currency.round(
                        rate * Decimal(str(part.labour_hours)))
                else:
                    part.labour_amount = Decimal(0)

    def check_fits(self, order):
        "Raise unless the part is a spare part that fits the appliance"
        pool = Pool()
        WorkOrderPart = pool.get('appliance.work_order.part')
        WorkOrderPart(product=self.product).check_fits(
            order.on_change_with_appliance_model(), order)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        Product = pool.get('product.product')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('work_order'):
            order = WorkOrder(values['work_order'])
            values.setdefault('company', order.company.id)
            # Checked before the domain of the product to tell what is wrong
            if values.get('product'):
                cls(product=Product(values['product'])).check_fits(order)
        return values

    @classmethod
    def on_modification(cls, mode, parts, field_names=None):
        super().on_modification(mode, parts, field_names=field_names)
        if mode == 'write' and field_names and (
                field_names & WARRANTY_FIELDS):
            to_write = []
            for part in cls.browse(parts):
                under_warranty = part.compute_under_warranty()
                if under_warranty != part.under_warranty:
                    to_write.extend(([part], {
                                'under_warranty': under_warranty}))
            if to_write:
                cls.write(*to_write)

    @classmethod
    def validate_fields(cls, parts, field_names):
        super().validate_fields(parts, field_names)
        for part in parts:
            if part.product.serialised and part.quantity != 1:
                raise DefectivePartError(gettext(
                        'appliance_service_parts.msg_defective_one_unit',
                        part=part.product.rec_name))

    @classmethod
    def check_modification(cls, mode, parts, values=None, external=False):
        pool = Pool()
        Product = pool.get('product.product')
        super().check_modification(
            mode, parts, values=values, external=external)
        if mode == 'write' and values and values.get('product'):
            for part in parts:
                cls(product=Product(values['product'])).check_fits(
                    part.work_order)
        elif mode == 'delete':
            for part in parts:
                if part.move:
                    raise DefectivePartError(gettext(
                            'appliance_service_parts.msg_defective_delete',
                            part=part.rec_name,
                            order=part.work_order.rec_name))

    @classmethod
    def copy(cls, parts, default=None):
        default = default.copy() if default is not None else {}
        for name in ['lot', 'move', 'removal_date', 'claim_lines']:
            default.setdefault(name, None)
        default.setdefault('under_warranty', False)
        return super().copy(parts, default=default)


def supplier_of(move):
    "Return the supplier party of a receipt move"
    pool = Pool()
    ShipmentIn = pool.get('stock.shipment.in')
    PurchaseLine = pool.get('purchase.line')
    if isinstance(move.shipment, ShipmentIn):
        return move.shipment.supplier
    if isinstance(move.origin, PurchaseLine):
        return move.origin.purchase.party

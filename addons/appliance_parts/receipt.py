# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If

from .exceptions import ReceiptError


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    rejected_quantity = fields.Float(
        "Rejected Quantity", digits='unit',
        domain=[
            If(Eval('rejected_quantity'),
                [('rejected_quantity', '>=', 0),
                    ('rejected_quantity', '<=', Eval('quantity', 0))],
                []),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('from_location_type') != 'supplier',
            },
        help="The quantity refused at the inspection, "
        "returned to the supplier.")
    rejection_reason = fields.Char(
        "Rejection Reason",
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': ~Eval('rejected_quantity'),
            })
    from_location_type = fields.Function(
        fields.Selection('get_location_types', "From Location Type"),
        'on_change_with_from_location_type')

    @classmethod
    def get_location_types(cls):
        pool = Pool()
        Location = pool.get('stock.location')
        return Location.fields_get(['type'])['type']['selection'] + [
            (None, '')]

    @fields.depends('from_location')
    def on_change_with_from_location_type(self, name=None):
        return self.from_location.type if self.from_location else None

    @property
    def accepted_quantity(self):
        return self.quantity - (self.rejected_quantity or 0)

    @classmethod
    def copy(cls, moves, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('rejected_quantity')
        default.setdefault('rejection_reason')
        return super().copy(moves, default=default)


class ShipmentIn(metaclass=PoolMeta):
    __name__ = 'stock.shipment.in'

    rejection_returns = fields.One2Many(
        'stock.shipment.in.return', 'rejection_of', "Rejection Returns",
        readonly=True)

    @classmethod
    def receive(cls, shipments):
        cls.check_receipt(shipments)
        super().receive(shipments)

    @classmethod
    def do(cls, shipments):
        super().do(shipments)
        cls.return_rejected(shipments)

    @classmethod
    def check_receipt(cls, shipments):
        "Refuse receiving more than ordered beyond the tolerance"
        pool = Pool()
        Configuration = pool.get('purchase.configuration')
        Uom = pool.get('product.uom')
        PurchaseLine = pool.get('purchase.line')
        tolerance = Configuration(1).receipt_tolerance or 0
        lines = set()
        for shipment in shipments:
            for move in shipment.incoming_moves:
                if (move.rejected_quantity or 0) > move.quantity:
                    raise ReceiptError(gettext(
                            'appliance_parts.msg_rejected_over_received',
                            product=move.product.rec_name,
                            rejected=move.rejected_quantity,
                            quantity=move.quantity))
                if isinstance(move.origin, PurchaseLine):
                    lines.add(move.origin)
        for line in lines:
            received = defaultdict(float)
            for move in line.moves:
                if (move.state != 'cancelled'
                        and move.from_location.type == 'supplier'
                        and move.shipment
                        and (move.state == 'done'
                            or move.shipment in shipments)):
                    received[line] += Uom.compute_qty(
                        move.unit, move.quantity, line.unit, round=False)
            maximum = line.quantity * (1 + tolerance)
            if received[line] > maximum + line.unit.rounding / 2:
                raise ReceiptError(gettext(
                        'appliance_parts.msg_receipt_over_tolerance',
                        product=line.product.rec_name,
                        purchase=line.purchase.rec_name,
                        ordered=_format_quantity(line.quantity, line.unit),
                        received=_format_quantity(received[line], line.unit),
                        maximum=_format_quantity(
                            line.unit.floor(maximum), line.unit),
                        tolerance=f'{tolerance * 100:g}'))

    @classmethod
    def return_rejected(cls, shipments):
        "Send the rejected quantities back to the supplier"
        pool = Pool()
        Return = pool.get('stock.shipment.in.return')
        returns = []
        for shipment in shipments:
            moves = [m for m in shipment.incoming_moves
                if m.rejected_quantity]
            if not moves or shipment.rejection_returns:
                continue
            returns.append(Return(
                    company=shipment.company,
                    supplier=shipment.supplier,
                    from_location=shipment.warehouse_storage,
                    to_location=shipment.supplier.supplier_location,
                    reference=shipment.number,
                    rejection_of=shipment,
                    moves=[shipment._rejected_return_move(m) for m in moves],
                    ))
        if returns:
            Return.save(returns)
            Return.wait(returns)
            Return.assign_try(returns)
        return returns

    def _rejected_return_move(self, move):
        pool = Pool()
        Move = pool.get('stock.move')
        return Move(
            product=move.product,
            unit=move.unit,
            quantity=move.rejected_quantity,
            from_location=self.warehouse_storage,
            to_location=self.supplier.supplier_location,
            company=self.company,
            lot=getattr(move, 'lot', None),
            unit_price=move.unit_price,
            currency=move.currency,
            origin=move,
            )


class PurchaseLine(metaclass=PoolMeta):
    __name__ = 'purchase.line'

    def check_move_quantity(self):
        # Within the receipt tolerance the extra quantity is expected
        pool = Pool()
        Configuration = pool.get('purchase.configuration')
        tolerance = Configuration(1).receipt_tolerance or 0
        move_type = 'in' if self.quantity >= 0 else 'return'
        shipped = self._get_shipped_quantity(move_type)
        expected = self._get_move_quantity(move_type)
        if tolerance and expected < shipped <= expected * (1 + tolerance):
            return
        super().check_move_quantity()


def _format_quantity(quantity, unit):
    pool = Pool()
    Lang = pool.get('ir.lang')
    return Lang.get().format_number_symbol(
        unit.round(quantity), unit, digits=unit.digits)


class ShipmentInReturn(metaclass=PoolMeta):
    __name__ = 'stock.shipment.in.return'

    rejection_of = fields.Many2One(
        'stock.shipment.in', "Rejection Of", readonly=True,
        ondelete='RESTRICT',
        help="The supplier shipment whose rejected quantities are returned.")

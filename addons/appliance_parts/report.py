# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from trytond.modules.stock.shipment import (
    InteralShipmentReport, ShipmentReport)
from trytond.pool import Pool
from trytond.tools import sortable_values


class PickingList(InteralShipmentReport):
    "Van refill picking list, by location then part code"
    __name__ = 'appliance_parts.picking_list'

    @classmethod
    def moves(cls, shipment):
        moves = super().moves(shipment)
        return sorted(moves, key=sortable_values(
                lambda m: (m.from_location.rec_name, m.product.code or '')))


class IssueSlip(InteralShipmentReport):
    "Parts issue slip, signed by the engineer who receives the parts"
    __name__ = 'appliance_parts.issue_slip'


class ReturnSlip(InteralShipmentReport):
    "Parts return slip from a van back to the warehouse"
    __name__ = 'appliance_parts.return_slip'


class SupplierReturnSlip(ShipmentReport):
    "Return slip of the parts sent back to the supplier"
    __name__ = 'appliance_parts.supplier_return_slip'

    @classmethod
    def moves(cls, shipment):
        return [m for m in shipment.moves if m.state != 'cancelled']

    @classmethod
    def get_context(cls, shipments, header, data):
        context = super().get_context(shipments, header, data)
        context['rejection_reason'] = cls.rejection_reason
        return context

    @staticmethod
    def rejection_reason(move):
        pool = Pool()
        Move = pool.get('stock.move')
        if isinstance(move.origin, Move):
            return move.origin.rejection_reason or ''
        return ''


class Receipt(ShipmentReport):
    "Goods receipt with the accepted and rejected quantities"
    __name__ = 'appliance_parts.receipt'

    @classmethod
    def moves(cls, shipment):
        return [m for m in shipment.incoming_moves if m.state != 'cancelled']

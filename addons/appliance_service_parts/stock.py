# This file is part of the appliance_service_parts module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import without_check_access

WORK_ORDER = 'appliance.work_order'


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    work_order_part = fields.Many2One(
        'appliance.work_order.part', "Work Order Part", readonly=True,
        ondelete='SET NULL',
        help="The part line of the work order the move serves.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.work_order_part, Index.Equality())))

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + [WORK_ORDER]

    @classmethod
    def do(cls, moves):
        pool = Pool()
        WorkOrder = pool.get(WORK_ORDER)
        super().do(moves)
        arrived = {m.product for m in moves if m.to_location.type == 'storage'}
        if arrived:
            # The orders that wait for the parts take them at once
            with without_check_access():
                WorkOrder.parts_arrived(list(arrived))


class ShipmentInternal(metaclass=PoolMeta):
    __name__ = 'stock.shipment.internal'

    work_orders = fields.Function(
        fields.Many2Many(WORK_ORDER, None, None, "Work Orders",
            help="The work orders for which the parts are issued "
            "or returned."),
        'get_work_orders')

    def get_work_orders(self, name):
        pool = Pool()
        WorkOrder = pool.get(WORK_ORDER)
        return sorted({m.origin.id for m in self.moves
                if isinstance(m.origin, WorkOrder)})


class QuantityIssue(metaclass=PoolMeta):
    "A work order whose parts are missing is the origin of its issue"
    __name__ = 'stock.quantity.issue'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.origin.domain[WORK_ORDER] = [
            ('company', '=', Eval('company', -1)),
            ]

    @classmethod
    def _get_origins(cls):
        return super()._get_origins() + [WORK_ORDER]

    @classmethod
    def _get_origin(cls, move):
        pool = Pool()
        WorkOrder = pool.get(WORK_ORDER)
        origin = super()._get_origin(move)
        if not origin and isinstance(move.origin, WorkOrder):
            origin = move.origin
        return origin

    @fields.depends('origin')
    def on_change_with_planned_date(self, name=None):
        pool = Pool()
        WorkOrder = pool.get(WORK_ORDER)
        if isinstance(self.origin, WorkOrder) and self.origin.id >= 0:
            return self.origin.parts_planned_date
        return super().on_change_with_planned_date(name=name)

    @fields.depends('origin')
    def on_change_with_warehouse(self, name=None):
        pool = Pool()
        WorkOrder = pool.get(WORK_ORDER)
        if isinstance(self.origin, WorkOrder) and self.origin.id >= 0:
            warehouse = self.origin.parts_warehouse
            return warehouse.id if warehouse else None
        return super().on_change_with_warehouse(name=name)

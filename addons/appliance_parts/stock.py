# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from collections import defaultdict

from sql import Literal
from sql.aggregate import Sum
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .exceptions import PartShortageError, SerialError


class Lot(metaclass=PoolMeta):
    __name__ = 'stock.lot'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # Parts are found by their serial number
        cls._sql_indexes.add(
            Index(t, (t.number, Index.Equality(cardinality='high'))))


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def do(cls, moves):
        cls.check_serial_quantity(moves)
        super().do(moves)
        cls.check_serial_stock(moves)

    @classmethod
    def check_serial_quantity(cls, moves):
        "A serialised part moves one unit per serial"
        for move in moves:
            if (move.product.serialised
                    and move.internal_quantity
                    and move.internal_quantity != 1):
                raise SerialError(gettext(
                        'appliance_parts.msg_serial_one_unit',
                        product=move.product.rec_name,
                        quantity=move.quantity))

    @classmethod
    def check_serial_stock(cls, moves):
        "A serial is in stock at most once"
        pool = Pool()
        Lot = pool.get('stock.lot')
        Location = pool.get('stock.location')
        lot_ids = {m.lot.id for m in moves
            if m.product.serialised and getattr(m, 'lot', None)}
        if not lot_ids:
            return
        move = cls.__table__()
        to_location = Location.__table__()
        from_location = Location.__table__()
        cursor = Transaction().connection.cursor()
        quantity = Sum(
            Case((to_location.type == 'storage', move.internal_quantity),
                else_=Literal(0))
            - Case((from_location.type == 'storage', move.internal_quantity),
                else_=Literal(0)))
        query = (move
            .join(to_location, condition=move.to_location == to_location.id)
            .join(from_location,
                condition=move.from_location == from_location.id)
            .select(move.lot, quantity,
                where=fields.SQL_OPERATORS['in'](move.lot, list(lot_ids))
                & (move.state == 'done'),
                group_by=[move.lot]))
        cursor.execute(*query)
        for lot_id, in_stock in cursor:
            if (in_stock or 0) > 1:
                lot = Lot(lot_id)
                raise SerialError(gettext(
                        'appliance_parts.msg_serial_twice_in_stock',
                        serial=lot.number,
                        product=lot.product.rec_name))

    @classmethod
    def reserve_parts(cls, moves):
        """Assign the moves from their source location or raise a clear error.

        The source locations are locked first so that two reservations of
        the last units are serialised instead of failing on the database.
        """
        pool = Pool()
        Location = pool.get('stock.location')
        moves = [m for m in moves if m.state in {'draft', 'staging'}]
        if not moves:
            return
        Location.lock(list({m.from_location for m in moves}))
        cls._check_available(moves, forecast=True)
        cls.assign_try(moves, with_childs=False)

    @classmethod
    def consume_parts(cls, moves):
        """Do the moves if their source holds the quantity, else raise.

        Used for the parts taken from a van or a warehouse on site.
        """
        pool = Pool()
        Location = pool.get('stock.location')
        moves = [m for m in moves if m.state != 'done']
        if not moves:
            return
        Location.lock(list({m.from_location for m in moves}))
        cls._check_available(
            [m for m in moves if m.state != 'assigned'], forecast=False)
        cls._check_serials_available([m for m in moves if m.lot])
        cls.do(moves)

    @classmethod
    def _check_available(cls, moves, forecast):
        pool = Pool()
        Product = pool.get('product.product')
        Uom = pool.get('product.uom')
        Date = pool.get('ir.date')
        Lang = pool.get('ir.lang')
        if not moves:
            return
        needed = defaultdict(float)
        for move in moves:
            needed[move.from_location, move.product] += Uom.compute_qty(
                move.unit, move.quantity, move.product.default_uom,
                round=False)
        location_ids = list({l.id for l, _ in needed})
        product_ids = list({p.id for _, p in needed})
        # The quantities reserved by other moves are not available
        context = {'stock_date_end': Date.today(), 'stock_assign': True}
        if not forecast:
            context['forecast'] = False
        with Transaction().set_context(**context):
            pbl = Product.products_by_location(
                location_ids, with_childs=False,
                grouping_filter=(product_ids,))
        for (location, product), quantity in needed.items():
            available = pbl.get((location.id, product.id), 0)
            uom = product.default_uom
            if available < quantity - uom.rounding / 2:
                raise PartShortageError(gettext(
                        'appliance_parts.msg_part_shortage',
                        product=product.rec_name,
                        location=location.rec_name,
                        available=Lang.get().format_number(
                            uom.round(max(available, 0)), uom.digits),
                        unit=uom.symbol))

    @classmethod
    def _check_serials_available(cls, moves):
        "Raise if the serial of a move is not in its source location"
        pool = Pool()
        Product = pool.get('product.product')
        Date = pool.get('ir.date')
        if not moves:
            return
        needed = defaultdict(float)
        for move in moves:
            needed[move.from_location, move.product, move.lot] += (
                move.internal_quantity)
        # A reservation is of the part, not of its serial: only what is
        # there counts
        with Transaction().set_context(
                stock_date_end=Date.today(), forecast=False):
            pbl = Product.products_by_location(
                list({l.id for l, _, _ in needed}), with_childs=False,
                grouping=('product', 'lot'),
                grouping_filter=(
                    list({p.id for _, p, _ in needed}),
                    list({l.id for _, _, l in needed})))
        for (location, product, lot), quantity in needed.items():
            available = pbl.get((location.id, product.id, lot.id), 0)
            if available < quantity - product.default_uom.rounding / 2:
                raise SerialError(gettext(
                        'appliance_parts.msg_serial_not_in_location',
                        serial=lot.number,
                        product=product.rec_name,
                        location=location.rec_name))

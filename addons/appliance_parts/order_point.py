# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
import datetime as dt
import math
from collections import defaultdict

from sql.aggregate import Sum

from trytond.model import fields
from trytond.modules.appliance_service.notification import (
    notify_users, users_in_group)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


def minimum_quantity(rate, lead_days, safety_stock, rounding=1):
    """The reorder point: the consumption expected during the lead time
    plus the safety stock, rounded up to the unit's rounding"""
    value = rate * lead_days + (safety_stock or 0)
    if rounding:
        return math.ceil(round(value / rounding, 6)) * rounding
    return value


class OrderPoint(metaclass=PoolMeta):
    __name__ = 'stock.order_point'

    automatic_minimum = fields.Boolean(
        "From Consumption",
        help="Check to let the daily job set the minimal quantity from "
        "the consumption rate, the lead time and the safety stock.")
    safety_stock = fields.Float(
        "Safety Stock", digits='unit',
        domain=['OR',
            ('safety_stock', '=', None),
            ('safety_stock', '>=', 0),
            ],
        states={
            'invisible': ~Eval('automatic_minimum'),
            })
    consumption_rate = fields.Float(
        "Consumption per Day", digits=(16, 4), readonly=True,
        states={
            'invisible': ~Eval('automatic_minimum'),
            })
    lead_days = fields.Integer(
        "Lead Days", readonly=True,
        states={
            'invisible': ~Eval('automatic_minimum'),
            })
    minimum_date = fields.Date(
        "Minimum Computed On", readonly=True,
        states={
            'invisible': ~Eval('automatic_minimum'),
            })
    quantity = fields.Function(
        fields.Float("Quantity", digits='unit',
            help="The quantity in the location now."),
        'get_quantity')
    low_stock = fields.Function(
        fields.Boolean("Low Stock",
            help="The quantity is below the minimal quantity."),
        'get_low_stock', searcher='search_low_stock')

    @classmethod
    def default_automatic_minimum(cls):
        return False

    @classmethod
    def default_safety_stock(cls):
        return 0

    @fields.depends('type', 'location', 'provisioning_location')
    def on_change_location(self):
        if (self.type == 'internal' and self.location
                and not self.provisioning_location):
            engineer = self.location.engineer
            if engineer and engineer.parts_storage:
                self.provisioning_location = engineer.parts_storage

    @classmethod
    def _quantities(cls, order_points):
        "Return the quantity now of each order point"
        pool = Pool()
        Product = pool.get('product.product')
        Date = pool.get('ir.date')
        by_location = defaultdict(set)
        for point in order_points:
            by_location[point.location].add(point.product.id)
        quantities = {}
        with Transaction().set_context(
                stock_date_end=Date.today(), forecast=False):
            for location, product_ids in by_location.items():
                pbl = Product.products_by_location(
                    [location.id], with_childs=True,
                    grouping_filter=(list(product_ids),))
                for product_id in product_ids:
                    quantities[location.id, product_id] = pbl.get(
                        (location.id, product_id), 0)
        return {p.id: quantities[p.location.id, p.product.id]
            for p in order_points}

    @classmethod
    def get_quantity(cls, order_points, name):
        return cls._quantities(order_points)

    @classmethod
    def get_low_stock(cls, order_points, name):
        quantities = cls._quantities(order_points)
        return {p.id: p.min_quantity is not None
            and quantities[p.id] < p.min_quantity
            for p in order_points}

    @classmethod
    def search_low_stock(cls, name, clause):
        _, operator, value = clause[:3]
        points = cls.search([('min_quantity', '!=', None)])
        low = cls.get_low_stock(points, name)
        wanted = bool(value) if operator == '=' else not bool(value)
        return [('id', 'in', [i for i, v in low.items() if v == wanted])]

    @classmethod
    def low_stock_points(cls):
        return cls.search([('low_stock', '=', True)])

    @classmethod
    def supply_stock(cls):
        super().supply_stock()
        cls.notify_low_stock()

    @classmethod
    def notify_low_stock(cls):
        "Notify the Parts Clerks of the order points below their minimum"
        points = cls.low_stock_points()
        if points:
            notify_users(
                users_in_group('appliance.group_parts_clerk'),
                'appliance_parts.msg_low_stock_notification', points,
                count=len(points))
        return points

    @classmethod
    def update_minimums(cls, date=None):
        """Set the minimal quantity of the automatic order points from the
        recent consumption, the lead time and the safety stock"""
        pool = Pool()
        Date = pool.get('ir.date')
        Configuration = pool.get('stock.configuration')
        if date is None:
            date = Date.today()
        days = Configuration(1).consumption_days
        start = date - dt.timedelta(days=days)
        points = cls.search([('automatic_minimum', '=', True)])
        consumed = cls._consumption(points, start, date)
        for point in points:
            rate = consumed.get(point.id, 0) / days
            point.consumption_rate = round(rate, 4)
            point.lead_days = point.lead_time_days()
            point.minimum_date = date
            point.min_quantity = minimum_quantity(
                rate, point.lead_days, point.safety_stock,
                point.product.default_uom.rounding)
            if point.target_quantity < point.min_quantity:
                point.target_quantity = point.min_quantity
            if (point.max_quantity is not None
                    and point.max_quantity < point.target_quantity):
                point.max_quantity = point.target_quantity
        cls.save(points)
        return points

    def lead_time_days(self):
        "The days between the order and the receipt of the supply"
        pool = Pool()
        Configuration = pool.get('stock.configuration')
        if self.type == 'internal':
            return Configuration(1).van_lead_time
        for product_supplier in self.product.product_suppliers_used(
                company=self.company.id):
            lead_time = product_supplier.lead_time_used
            if lead_time is not None:
                return math.ceil(lead_time / dt.timedelta(days=1))
        return 0

    @classmethod
    def _consumption(cls, points, start, end):
        """Return the quantity that left the location of each order point
        between start (included) and end (excluded), in the product's
        default unit.  Returns to suppliers and to the provisioning location
        are not consumption."""
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        cursor = Transaction().connection.cursor()
        result = {}
        by_key = defaultdict(list)
        for point in points:
            by_key[point.location, point.provisioning_location].append(point)
        for (location, provisioning), sub_points in by_key.items():
            move = Move.__table__()
            from_ = Location.__table__()
            to = Location.__table__()
            product_ids = list({p.product.id for p in sub_points})
            where = ((move.state == 'done')
                & (move.effective_date >= start)
                & (move.effective_date < end)
                & fields.SQL_OPERATORS['in'](move.product, product_ids)
                & (from_.left >= location.left)
                & (from_.right <= location.right)
                & ~((to.left >= location.left)
                    & (to.right <= location.right))
                & (to.type != 'supplier'))
            if provisioning:
                where &= ~((to.left >= provisioning.left)
                    & (to.right <= provisioning.right))
            query = (move
                .join(from_, condition=move.from_location == from_.id)
                .join(to, condition=move.to_location == to.id)
                .select(move.product, Sum(move.internal_quantity),
                    where=where, group_by=[move.product]))
            cursor.execute(*query)
            quantities = dict(cursor)
            for point in sub_points:
                result[point.id] = quantities.get(point.product.id) or 0
        return result

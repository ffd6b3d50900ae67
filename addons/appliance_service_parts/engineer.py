# This file is part of the appliance_service_parts module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
from collections import defaultdict

from trytond.pool import Pool, PoolMeta
from trytond.tools import sortable_values
from trytond.transaction import Transaction


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    def get_van_stock(self):
        """Return the stock of the engineer's van, a dictionary per part
        ordered by code: code, name, quantity (on hand), reserved (for work
        orders), available, unit and the serial numbers in the van"""
        pool = Pool()
        Date = pool.get('ir.date')
        Product = pool.get('product.product')
        if not self.van:
            return []
        van = self.van.id
        with Transaction().set_context(company=self.company.id):
            today = Date.today()
        with Transaction().set_context(
                stock_date_end=today, forecast=False):
            on_hand = Product.products_by_location([van], with_childs=False)
            by_lot = Product.products_by_location(
                [van], with_childs=False, grouping=('product', 'lot'))
        with Transaction().set_context(
                stock_date_end=today, forecast=False, stock_assign=True):
            available = Product.products_by_location(
                [van], with_childs=False)
        serials = defaultdict(list)
        lot_ids = [l for (_, _, l), q in by_lot.items() if l and q > 0]
        Lot = pool.get('stock.lot')
        for lot in Lot.browse(lot_ids):
            serials[lot.product.id].append(lot.number)
        products = Product.browse(
            [p for (_, p), q in on_hand.items() if q > 0])
        result = []
        for product in sorted(products, key=sortable_values(
                    lambda p: (p.code or '', p.name))):
            unit = product.default_uom
            quantity = unit.round(on_hand[van, product.id])
            free = unit.round(available.get((van, product.id), 0))
            result.append({
                    'product': product.id,
                    'code': product.code,
                    'name': product.name,
                    'quantity': quantity,
                    'reserved': unit.round(quantity - free),
                    'available': free,
                    'unit': unit.symbol,
                    'serials': sorted(serials[product.id]),
                    })
        return result

# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import InventoryCountError

COUNT_KINDS = [
    ('periodic', "Periodic"),
    ('cycle', "Cycle"),
    ]


class Inventory(metaclass=PoolMeta):
    __name__ = 'stock.inventory'

    count_kind = fields.Selection(
        COUNT_KINDS, "Count", required=True,
        states={
            'readonly': Eval('state') != 'draft',
            },
        help="Periodic counts take every part of the location; "
        "cycle counts only the parts of the chosen categories.")
    part_categories = fields.Many2Many(
        'stock.inventory-product.category', 'inventory', 'category',
        "Part Categories",
        domain=[('part_category', '=', True)],
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('count_kind') != 'cycle',
            })
    variance_value = fields.Function(
        fields.Numeric("Variance Value", digits=(16, 2),
            help="The value of the adjustments at cost price: "
            "gains minus losses."),
        'get_variance')
    variance_absolute_value = fields.Function(
        fields.Numeric("Absolute Variance Value", digits=(16, 2),
            help="The value of the gains and of the losses added up."),
        'get_variance')
    approval_required = fields.Function(
        fields.Boolean("Approval Required",
            help="The adjustments are worth more than the threshold: "
            "a Service Manager must confirm the stocktake."),
        'get_approval_required')

    @classmethod
    def default_count_kind(cls):
        return 'periodic'

    @classmethod
    def get_variance(cls, inventories, names):
        result = {n: {} for n in names}
        for inventory in inventories:
            values = [l.variance_value or 0 for l in inventory.lines]
            if 'variance_value' in names:
                result['variance_value'][inventory.id] = sum(
                    values, Decimal(0))
            if 'variance_absolute_value' in names:
                result['variance_absolute_value'][inventory.id] = sum(
                    (abs(v) for v in values), Decimal(0))
        return result

    def get_approval_required(self, name):
        pool = Pool()
        Configuration = pool.get('stock.configuration')
        threshold = Configuration(1).inventory_approval_amount
        if threshold is None:
            return False
        return self.variance_absolute_value > threshold

    @classmethod
    def complete_lines(cls, inventories, fill=True):
        super().complete_lines(inventories, fill=fill)
        cls._restrict_cycle_lines(inventories)

    @classmethod
    def _restrict_cycle_lines(cls, inventories):
        "A cycle count keeps only the lines of its categories"
        pool = Pool()
        Line = pool.get('stock.inventory.line')
        to_delete = []
        for inventory in cls.browse(inventories):
            if (inventory.state != 'draft'
                    or inventory.count_kind != 'cycle'
                    or not inventory.part_categories):
                continue
            categories = set(inventory.part_categories)
            for line in inventory.lines:
                if (line.product.part_category not in categories
                        and line.quantity is None):
                    to_delete.append(line)
        if to_delete:
            Line.delete(to_delete)


class InventoryPartCategory(ModelSQL):
    "Stocktake part category"
    __name__ = 'stock.inventory-product.category'

    inventory = fields.Many2One(
        'stock.inventory', "Inventory", required=True, ondelete='CASCADE')
    category = fields.Many2One(
        'product.category', "Category", required=True, ondelete='CASCADE')


class InventoryLine(metaclass=PoolMeta):
    __name__ = 'stock.inventory.line'

    variance_quantity = fields.Function(
        fields.Float("Variance", digits='unit',
            help="The actual quantity minus the expected quantity."),
        'get_variance_quantity')
    unit_cost = fields.Function(
        fields.Numeric("Unit Cost", digits=(16, 4)),
        'get_unit_cost')
    variance_value = fields.Function(
        fields.Numeric("Variance Value", digits=(16, 2)),
        'get_variance_value')

    def get_variance_quantity(self, name=None):
        if self.quantity is None:
            return 0
        return self.unit.round(self.quantity - self.expected_quantity)

    def get_unit_cost(self, name=None):
        return self.product.cost_price

    def get_variance_value(self, name=None):
        cost = self.get_unit_cost() or Decimal(0)
        value = Decimal(str(self.get_variance_quantity())) * cost
        return value.quantize(Decimal('0.01'))

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('quantity') is not None and values['quantity'] < 0:
            raise InventoryCountError(gettext(
                    'appliance_parts.msg_inventory_negative_count',
                    quantity=values['quantity']))
        return values


class CreateInventoriesStart(metaclass=PoolMeta):
    __name__ = 'stock.inventory.create.start'

    count_kind = fields.Selection(COUNT_KINDS, "Count", required=True)
    part_categories = fields.Many2Many(
        'product.category', None, None, "Part Categories",
        domain=[('part_category', '=', True)],
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        states={
            'invisible': Eval('count_kind') != 'cycle',
            })
    include_vans = fields.Boolean(
        "Include Vans", help="Count the vans of every engineer too.")

    @classmethod
    def default_count_kind(cls):
        return 'periodic'

    @classmethod
    def default_include_vans(cls):
        return False


class CreateInventories(metaclass=PoolMeta):
    __name__ = 'stock.inventory.create'

    def do_create_(self, action):
        pool = Pool()
        Location = pool.get('stock.location')
        if self.start.include_vans:
            vans = Location.search([('van_of', '!=', None)])
            self.start.locations = list(
                set(self.start.locations) | set(vans))
        return super().do_create_(action)

    def get_inventory(self, location, Inventory):
        inventory = super().get_inventory(location, Inventory)
        inventory.count_kind = self.start.count_kind
        if self.start.count_kind == 'cycle':
            inventory.part_categories = self.start.part_categories
        return inventory

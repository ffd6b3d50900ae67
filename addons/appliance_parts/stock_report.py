# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from decimal import Decimal

from sql import Literal, Union
from sql.aggregate import Min, Sum

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool


class PartStock(ModelSQL, ModelView):
    "Spare part stock by location"
    __name__ = 'appliance.part.stock'

    location = fields.Many2One('stock.location', "Location", readonly=True)
    product = fields.Many2One('product.product', "Part", readonly=True)
    part_category = fields.Many2One(
        'product.category', "Part Category", readonly=True)
    quantity = fields.Float("Quantity", digits='unit', readonly=True)
    unit = fields.Function(
        fields.Many2One('product.uom', "Unit"), 'get_unit')
    value = fields.Function(
        fields.Numeric("Value", digits=(16, 2),
            help="The quantity at cost price."),
        'get_value')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('location', 'ASC'),
            ('product', 'ASC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        move = Move.__table__()
        incoming = move.select(
            (move.id * 2).as_('id'),
            move.to_location.as_('location'),
            move.product.as_('product'),
            move.internal_quantity.as_('quantity'),
            where=move.state == 'done')
        outgoing = move.select(
            (move.id * 2 + 1).as_('id'),
            move.from_location.as_('location'),
            move.product.as_('product'),
            (-move.internal_quantity).as_('quantity'),
            where=move.state == 'done')
        flows = Union(incoming, outgoing, all_=True)
        location = Location.__table__()
        product = Product.__table__()
        template = Template.__table__()
        return (flows
            .join(location, condition=flows.location == location.id)
            .join(product, condition=flows.product == product.id)
            .join(template, condition=product.template == template.id)
            .select(
                Min(flows.id).as_('id'),
                flows.location.as_('location'),
                flows.product.as_('product'),
                template.part_category.as_('part_category'),
                Sum(flows.quantity).as_('quantity'),
                where=(location.type == 'storage')
                & (template.spare_part == Literal(True)),
                group_by=[
                    flows.location, flows.product, template.part_category],
                having=Sum(flows.quantity) != 0))

    def get_unit(self, name):
        return self.product.default_uom.id

    def get_value(self, name):
        cost = self.product.cost_price or Decimal(0)
        return (Decimal(str(self.quantity)) * cost).quantize(Decimal('0.01'))

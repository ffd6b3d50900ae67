# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from sql import Literal
from sql.conditionals import Coalesce
from sql.operators import Equal

from trytond.i18n import gettext
from trytond.model import Exclude, Index, ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from .exceptions import PartSubstituteError

# A serialised part needs its serial on every move
SERIAL_LOT_REQUIRED = ['supplier', 'customer', 'lost_found', 'storage']


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    _part_states = {
        'invisible': ~Eval('spare_part'),
        }

    spare_part = fields.Boolean(
        "Spare Part", help="Check for parts used in repairs.")
    part_category = fields.Many2One(
        'product.category', "Part Category", ondelete='RESTRICT',
        domain=[('part_category', '=', True)],
        states={
            'invisible': ~Eval('spare_part'),
            'required': Bool(Eval('spare_part')),
            },
        help="The classification of the part; "
        "a new part gets the category code and its next number.")
    manufacturer = fields.Many2One(
        'party.party', "Manufacturer", ondelete='RESTRICT',
        states=_part_states)
    manufacturer_code = fields.Char(
        "Manufacturer Code", states=_part_states)
    compatible_models = fields.Many2Many(
        'appliance.part-appliance.model', 'part', 'model',
        "Compatible Models",
        domain=[('appliance', '=', True)],
        states=_part_states)
    substitutes = fields.One2Many(
        'appliance.part.substitute', 'part', "Substitutes",
        states=_part_states,
        help="The parts that can replace this one.")
    serialised = fields.Boolean(
        "Serialised", states=_part_states,
        help="Check to track each unit by its serial number "
        "(compressors, main boards).")
    specification = fields.Function(
        fields.Char("Specification", states=_part_states),
        'get_specification', searcher='search_specification')
    serial = fields.Function(
        fields.Char("Serial Number", states=_part_states),
        'get_serial', searcher='search_serial')

    del _part_states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('part_code_exclude',
                Exclude(t, (t.code, Equal),
                    where=(t.spare_part == Literal(True))
                    & (Coalesce(t.code, '') != '')),
                'appliance_parts.msg_part_code_unique'),
            ]
        cls._sql_indexes.update({
                Index(t,
                    (t.part_category, Index.Equality()),
                    where=t.spare_part == Literal(True)),
                })

    @classmethod
    def default_spare_part(cls):
        return False

    @classmethod
    def default_serialised(cls):
        return False

    @fields.depends('serialised', 'lot_required')
    def on_change_serialised(self):
        if self.serialised:
            self.lot_required = SERIAL_LOT_REQUIRED

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Category = pool.get('product.category')
        values = super().preprocess_values(mode, values)
        if (mode == 'create' and values.get('spare_part')
                and values.get('part_category') and not values.get('code')):
            category = Category(values['part_category'])
            values['code'] = category.next_part_code()
        if values.get('serialised'):
            values['lot_required'] = SERIAL_LOT_REQUIRED
        return values

    def get_specification(self, name):
        return ' | '.join(filter(None,
                (p.specification for p in self.products)))

    @classmethod
    def search_specification(cls, name, clause):
        return [('products.specification',) + tuple(clause[1:])]

    def get_serial(self, name):
        return None

    @classmethod
    def search_serial(cls, name, clause):
        pool = Pool()
        Lot = pool.get('stock.lot')
        Product = pool.get('product.product')
        lot = Lot.__table__()
        product = Product.__table__()
        _, operator, value = clause[:3]
        Operator = fields.SQL_OPERATORS[operator]
        query = lot.join(product, condition=lot.product == product.id
            ).select(product.template,
                where=Operator(lot.number, value))
        return [('id', 'in', query)]

    @classmethod
    def compatible_domain(cls, model):
        "Return the domain of the spare parts that fit the appliance model"
        return [
            ('spare_part', '=', True),
            ('compatible_models', '=', model.id if model else None),
            ]

    def substitute_templates(self):
        "Return the parts that can replace this one, in order of preference"
        pool = Pool()
        Substitute = pool.get('appliance.part.substitute')
        substitutes = Substitute.search(['OR',
                ('part', '=', self.id),
                [('substitute', '=', self.id), ('both_ways', '=', True)],
                ], order=[('sequence', 'ASC NULLS LAST'), ('id', 'ASC')])
        result = []
        for substitute in substitutes:
            other = (substitute.substitute if substitute.part == self
                else substitute.part)
            if other not in result and other.active:
                result.append(other)
        return result


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    specification = fields.Char(
        "Specification", readonly=True,
        help="The attributes as text, for searching.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (Coalesce(t.specification, ''),
                        Index.Similarity(cardinality='high'))),
                })

    @classmethod
    def on_modification(cls, mode, products, field_names=None):
        super().on_modification(mode, products, field_names=field_names)
        if mode == 'create' or (
                mode == 'write' and 'attributes' in (field_names or ())):
            cls._store_specification(products)

    @classmethod
    def _store_specification(cls, products):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        for product in cls.browse(products):
            specification = product.on_change_with_attributes_name() or None
            if specification != product.specification:
                cursor.execute(*table.update(
                        [table.specification], [specification],
                        where=table.id == product.id))

    @classmethod
    def parts_compatible_with(cls, model):
        "Return the spare parts that fit the appliance model"
        return cls.search([
                ('template.spare_part', '=', True),
                ('template.compatible_models', '=', model.id),
                ])

    def fits(self, model):
        "Return whether the part fits the appliance model"
        return bool(model) and model in self.compatible_models

    def substitutes_in_stock(self, location, quantity=1):
        """Return the substitutes with at least quantity in location
        (children included), the best stocked first, as (product, quantity)
        """
        pool = Pool()
        Product = pool.get('product.product')
        candidates = [p for t in self.template.substitute_templates()
            for p in t.products if p.active]
        if not candidates:
            return []
        with Transaction().set_context(
                stock_date_end=None, forecast=False):
            pbl = Product.products_by_location(
                [location.id], with_childs=True,
                grouping_filter=([p.id for p in candidates],))
        available = []
        for product in candidates:
            stock = pbl.get((location.id, product.id), 0)
            if stock >= quantity:
                available.append((product, stock))
        return sorted(available, key=lambda a: -a[1])


class TemplateCompatibleModel(ModelSQL):
    "Spare part compatible with an appliance model"
    __name__ = 'appliance.part-appliance.model'

    part = fields.Many2One(
        'product.template', "Part", required=True, ondelete='CASCADE')
    model = fields.Many2One(
        'product.template', "Appliance Model", required=True,
        ondelete='CASCADE')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.part, Index.Equality())),
                Index(t, (t.model, Index.Equality())),
                })


class PartSubstitute(ModelSQL, ModelView):
    "Spare part substitute"
    __name__ = 'appliance.part.substitute'

    part = fields.Many2One(
        'product.template', "Part", required=True, ondelete='CASCADE',
        domain=[('spare_part', '=', True)])
    substitute = fields.Many2One(
        'product.template', "Substitute", required=True, ondelete='CASCADE',
        domain=[
            ('spare_part', '=', True),
            ('id', '!=', Eval('part', -1)),
            ])
    both_ways = fields.Boolean(
        "Both Ways",
        help="Check when the part can also replace its substitute; "
        "otherwise the substitute replaces the part only.")
    sequence = fields.Integer("Sequence")
    note = fields.Char("Note")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('sequence', 'ASC NULLS LAST'))
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.part, Index.Equality())),
                Index(t, (t.substitute, Index.Equality())),
                })

    @classmethod
    def default_both_ways(cls):
        return False

    @classmethod
    def validate_fields(cls, substitutes, field_names):
        super().validate_fields(substitutes, field_names)
        for substitute in substitutes:
            if substitute.part == substitute.substitute:
                raise PartSubstituteError(gettext(
                        'appliance_parts.msg_substitute_itself',
                        part=substitute.part.rec_name))

# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, Id
from trytond.transaction import without_check_access

from .exceptions import PartCategoryError


class Category(metaclass=PoolMeta):
    __name__ = 'product.category'

    part_category = fields.Boolean(
        "Spare Part Category",
        help="Check to classify spare parts in this category; "
        "their codes start with the category code.")
    part_sequence = fields.Many2One(
        'ir.sequence', "Part Sequence",
        domain=[
            ('sequence_type', '=',
                Id('appliance_parts', 'sequence_type_part')),
            ],
        states={
            'invisible': ~Eval('part_category'),
            },
        help="Numbers the parts of the category; "
        "created with the category when left empty.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.code.states['required'] = Bool(Eval('part_category'))

    @classmethod
    def default_part_category(cls):
        return False

    @classmethod
    def validate_fields(cls, categories, field_names):
        super().validate_fields(categories, field_names)
        cls.check_part_code(categories, field_names)

    @classmethod
    def check_part_code(cls, categories, field_names=None):
        if field_names and not (field_names & {'part_category', 'code'}):
            return
        for category in categories:
            if category.part_category and not category.code:
                raise PartCategoryError(gettext(
                        'appliance_parts.msg_part_category_code_required',
                        category=category.rec_name))

    @classmethod
    def on_modification(cls, mode, categories, field_names=None):
        super().on_modification(mode, categories, field_names=field_names)
        if mode in {'create', 'write'}:
            cls._create_part_sequences(categories)

    @classmethod
    def _create_part_sequences(cls, categories):
        pool = Pool()
        Sequence = pool.get('ir.sequence')
        ModelData = pool.get('ir.model.data')
        missing = [c for c in categories
            if c.part_category and not c.part_sequence]
        if not missing:
            return
        sequence_type = ModelData.get_id(
            'appliance_parts', 'sequence_type_part')
        # The Parts Clerks classify the parts, not the sequences
        with without_check_access():
            sequences = Sequence.create([{
                        'name': c.name,
                        'sequence_type': sequence_type,
                        'padding': 5,
                        } for c in missing])
        for category, sequence in zip(missing, sequences):
            category.part_sequence = sequence
        cls.save(missing)

    def next_part_code(self):
        "Return the next code of a part of the category"
        return f'{self.code}-{self.part_sequence.get()}'

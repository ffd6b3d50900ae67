# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from trytond.model import ModelSQL, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    spare_part = fields.Boolean(
        "Spare Part", help="Check for parts used in repairs.")
    manufacturer = fields.Many2One(
        'party.party', "Manufacturer", ondelete='RESTRICT',
        states={
            'invisible': ~Eval('spare_part'),
            })
    manufacturer_code = fields.Char(
        "Manufacturer Code",
        states={
            'invisible': ~Eval('spare_part'),
            })
    compatible_models = fields.Many2Many(
        'appliance.part-appliance.model', 'part', 'model',
        "Compatible Models",
        domain=[('appliance', '=', True)],
        states={
            'invisible': ~Eval('spare_part'),
            })

    @classmethod
    def default_spare_part(cls):
        return False


class TemplateCompatibleModel(ModelSQL):
    "Spare part compatible with an appliance model"
    __name__ = 'appliance.part-appliance.model'

    part = fields.Many2One(
        'product.template', "Part", required=True, ondelete='CASCADE')
    model = fields.Many2One(
        'product.template', "Appliance Model", required=True,
        ondelete='CASCADE')

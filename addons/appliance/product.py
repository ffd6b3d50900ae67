# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Bool, Eval


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    _appliance_states = {
        'invisible': ~Eval('appliance'),
        'required': Bool(Eval('appliance')),
        }

    appliance = fields.Boolean(
        "Appliance Model",
        help="Check to register appliances of this model.")
    appliance_brand = fields.Many2One(
        'appliance.brand', "Brand", ondelete='RESTRICT',
        states=_appliance_states)
    appliance_category = fields.Many2One(
        'appliance.category', "Appliance Category", ondelete='RESTRICT',
        states=_appliance_states)
    model_code = fields.Char(
        "Model Code", states=_appliance_states,
        help="The maker's model code printed on the rating plate.")
    warranty_policy = fields.Many2One(
        'appliance.warranty.policy', "Warranty Policy", ondelete='RESTRICT',
        states={
            'invisible': ~Eval('appliance'),
            },
        help="Overrides the warranty policy of the category.")

    del _appliance_states

    @classmethod
    def default_appliance(cls):
        return False

    def get_appliance_warranty_policy(self):
        if self.warranty_policy:
            return self.warranty_policy
        if self.appliance_category:
            return self.appliance_category.warranty_policy


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        return ['OR', domain,
            ('template.model_code',) + tuple(clause[1:]),
            ]

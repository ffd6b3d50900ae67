# This file is part of the appliance_service_parts module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Id


class Configuration(metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    supplier_claim_sequence = fields.Many2One(
        'ir.sequence', "Supplier Claim Sequence", required=True,
        domain=[('sequence_type', '=',
                Id('appliance_service_parts', 'sequence_type_claim'))])
    claim_labour_rate = fields.Numeric(
        "Claimed Labour Rate", digits=(16, 2),
        domain=['OR',
            ('claim_labour_rate', '=', None),
            ('claim_labour_rate', '>=', 0),
            ],
        help="The amount per hour of labour claimed from the suppliers "
        "that reimburse it, in the currency of the company.")

    @classmethod
    def default_supplier_claim_sequence(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id(
                'appliance_service_parts', 'sequence_claim')
        except KeyError:
            return None

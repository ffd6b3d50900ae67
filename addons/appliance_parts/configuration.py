# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from .exceptions import LocationError


def _model_data_id(xml_id):
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    try:
        return ModelData.get_id('appliance_parts', xml_id)
    except KeyError:
        return None


class StockConfiguration(metaclass=PoolMeta):
    __name__ = 'stock.configuration'

    van_parent = fields.Many2One(
        'stock.location', "Vans Parent",
        domain=[('type', '=', 'view')],
        help="The location under which the engineers' vans are created; "
        "outside every warehouse so that warehouse stock never counts them.")
    defective_location = fields.Many2One(
        'stock.location', "Defective Parts Location",
        domain=[('type', '=', 'storage')],
        help="Where the removed defective parts wait for their return "
        "to the supplier.")
    outside_lost_found = fields.Many2One(
        'stock.location', "Lost and Found Outside Warehouses",
        domain=[('type', '=', 'lost_found')],
        help="Where the stocktakes of the vans and of the defective parts "
        "post their differences.")
    consumption_days = fields.Integer(
        "Consumption Period", required=True,
        domain=[('consumption_days', '>', 0)],
        help="The number of past days over which the consumption rate "
        "of the order points is computed.")
    van_lead_time = fields.Integer(
        "Van Refill Lead Time", required=True,
        domain=[('van_lead_time', '>=', 0)],
        help="The days a van waits for its refill from the warehouse.")
    inventory_approval_amount = fields.Numeric(
        "Stocktake Approval Amount", digits=(16, 2),
        domain=['OR',
            ('inventory_approval_amount', '=', None),
            ('inventory_approval_amount', '>=', 0),
            ],
        help="A stocktake whose adjustments are worth more than this amount "
        "(in absolute value) needs a Service Manager to confirm it.")

    @classmethod
    def validate_fields(cls, configurations, field_names):
        super().validate_fields(configurations, field_names)
        for configuration in configurations:
            for name in ['van_parent', 'defective_location']:
                location = getattr(configuration, name)
                if location and location.warehouse:
                    raise LocationError(gettext(
                            'appliance_parts.msg_location_in_warehouse',
                            location=location.rec_name,
                            warehouse=location.warehouse.rec_name))

    @classmethod
    def default_van_parent(cls):
        return _model_data_id('location_vans')

    @classmethod
    def default_defective_location(cls):
        return _model_data_id('location_defective')

    @classmethod
    def default_outside_lost_found(cls):
        return _model_data_id('location_outside_lost_found')

    @classmethod
    def default_consumption_days(cls):
        return 90

    @classmethod
    def default_van_lead_time(cls):
        return 1


class PurchaseConfiguration(metaclass=PoolMeta):
    __name__ = 'purchase.configuration'

    approval_amount = fields.Numeric(
        "First Approval Amount", digits=(16, 2),
        domain=['OR',
            ('approval_amount', '=', None),
            ('approval_amount', '>=', 0),
            ],
        help="Purchases of this amount or more (in the company currency, "
        "without taxes) need the first approval to be confirmed.")
    second_approval_amount = fields.Numeric(
        "Second Approval Amount", digits=(16, 2),
        domain=['OR',
            ('second_approval_amount', '=', None),
            ('second_approval_amount', '>=', 0),
            ],
        help="Purchases of this amount or more also need the second "
        "approval.")
    receipt_tolerance = fields.Float(
        "Receipt Tolerance", digits=(16, 4),
        domain=['OR',
            ('receipt_tolerance', '=', None),
            ('receipt_tolerance', '>=', 0),
            ],
        help="The share received over the ordered quantity that is still "
        "accepted (0.05 for 5%).")

    @classmethod
    def default_receipt_tolerance(cls):
        return 0.0

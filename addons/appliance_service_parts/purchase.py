# This file is part of the appliance_service_parts module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class ProductSupplier(metaclass=PoolMeta):
    "The warranty a supplier gives on each part it supplies"
    __name__ = 'purchase.product_supplier'

    warranty_months = fields.Integer(
        "Supplier Warranty",
        domain=['OR',
            ('warranty_months', '=', None),
            ('warranty_months', '>=', 0),
            ],
        help="The months from its receipt during which the supplier "
        "replaces or refunds a defective part.")
    warranty_labour = fields.Boolean(
        "Labour Reimbursed",
        help="Check when the supplier also pays the labour of replacing "
        "a part that failed under its warranty.")

    @classmethod
    def default_warranty_labour(cls):
        return False

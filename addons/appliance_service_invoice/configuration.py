# This file is part of the appliance_service_invoice module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    labour_product = fields.Many2One(
        'product.product', "Labour Product",
        domain=[('type', '=', 'service')],
        help="The service charged per hour of labour "
        "on out-of-warranty work, at its list price.")
    call_out_product = fields.Many2One(
        'product.product', "Call-out Fee Product",
        domain=[('type', '=', 'service')],
        help="The flat fee charged once per out-of-warranty visit.\n"
        "It is the only charge when the customer declines the quote "
        "after the engineer set off.")

# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Appliance(metaclass=PoolMeta):
    __name__ = 'appliance.appliance'

    work_orders = fields.One2Many(
        'appliance.work_order', 'appliance', "Service History",
        readonly=True)

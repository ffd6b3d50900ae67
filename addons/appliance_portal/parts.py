# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The parts of the staff API, with appliance_parts: only the products
flagged spare part, and for an order those that fit its appliance model."""
from trytond.pool import PoolMeta


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.portal.work_order'

    @classmethod
    def part_domain(cls, order=None, code=None, text=None):
        domain = super().part_domain(order=order, code=code, text=text)
        domain.append(('template.spare_part', '=', True))
        model = (order.appliance.product.template
            if order and order.appliance else None)
        if model:
            domain.append(('template.compatible_models', '=', model.id))
        return domain

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The automatic dispatch of the staff API, with
appliance_service_dispatch."""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

from .api import MODULE, ApiError


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.portal.work_order'

    @classmethod
    def dispatch_automatically(cls, order):
        "Dispatch order to the engineer of least cost"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        WorkOrder.auto_dispatch([order])
        order = WorkOrder(order.id)
        if order.state == 'scheduled':
            # No engineer can take it: the dispatch note says why
            raise ApiError('validation',
                message=order.dispatch_note
                or gettext(f'{MODULE}.msg_engineer_required'))

# This file is part of the appliance_service_invoice module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
from trytond.pool import PoolMeta


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['appliance.work_order.charge']

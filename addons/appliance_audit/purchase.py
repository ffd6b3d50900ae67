# This file is part of the appliance_audit module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.
from trytond.pool import PoolMeta

from .audit import AuditTrailMixin


class Purchase(AuditTrailMixin, metaclass=PoolMeta):
    "Approvals: the state of the purchase and who moved it"
    __name__ = 'purchase.purchase'


class PurchaseRequest(AuditTrailMixin, metaclass=PoolMeta):
    __name__ = 'purchase.request'

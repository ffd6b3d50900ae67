# This file is part of the appliance_audit module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.
from trytond.pool import PoolMeta

from .audit import AuditMixin, AuditTrailMixin


class Inventory(AuditTrailMixin, metaclass=PoolMeta):
    "Stock adjustments: the counts and their confirmation"
    __name__ = 'stock.inventory'


class InventoryLine(AuditMixin, metaclass=PoolMeta):
    "The counted quantities are changes of their inventory"
    __name__ = 'stock.inventory.line'
    _audit_owner = 'inventory'

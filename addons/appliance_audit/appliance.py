# This file is part of the appliance_audit module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.
from trytond.pool import PoolMeta

from .audit import AuditTrailMixin


class WorkOrder(AuditTrailMixin, metaclass=PoolMeta):
    __name__ = 'appliance.work_order'


class WarrantyPolicy(AuditTrailMixin, metaclass=PoolMeta):
    __name__ = 'appliance.warranty.policy'


class WarrantyPolicyLine(AuditTrailMixin, metaclass=PoolMeta):
    __name__ = 'appliance.warranty.policy.line'


class Coverage(AuditTrailMixin, metaclass=PoolMeta):
    __name__ = 'appliance.warranty.coverage'


class Extension(AuditTrailMixin, metaclass=PoolMeta):
    __name__ = 'appliance.warranty.extension'

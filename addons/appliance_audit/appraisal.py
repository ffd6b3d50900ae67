# This file is part of the appliance_audit module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.
from trytond.pool import PoolMeta

from .audit import AuditMixin, AuditTrailMixin


class Appraisal(AuditTrailMixin, metaclass=PoolMeta):
    __name__ = 'appliance.appraisal'


class AppraisalLine(AuditMixin, metaclass=PoolMeta):
    "The scores of the criteria are changes of their appraisal"
    __name__ = 'appliance.appraisal.line'
    _audit_owner = 'appraisal'

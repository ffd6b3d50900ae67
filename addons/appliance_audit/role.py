# This file is part of the appliance_audit module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.
from trytond.pool import PoolMeta

from .audit import AuditMixin


class UserRole(AuditMixin, metaclass=PoolMeta):
    "The roles of a user and their periods are changes of the user"
    __name__ = 'res.user.role'
    _audit_owner = 'user'

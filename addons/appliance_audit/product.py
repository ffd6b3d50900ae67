# This file is part of the appliance_audit module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.
from trytond.pool import PoolMeta

from .audit import AuditMixin, AuditTrailMixin


class Template(AuditTrailMixin, metaclass=PoolMeta):
    __name__ = 'product.template'


class Product(AuditTrailMixin, metaclass=PoolMeta):
    __name__ = 'product.product'


class ListPrice(AuditMixin, metaclass=PoolMeta):
    "The list prices are changes of their template"
    __name__ = 'product.list_price'
    _audit_fields = ['template', 'list_price']
    _audit_owner = 'template'


class CostPrice(AuditMixin, metaclass=PoolMeta):
    "The cost prices are changes of their product"
    __name__ = 'product.cost_price'
    _audit_fields = ['product', 'cost_price']
    _audit_owner = 'product'

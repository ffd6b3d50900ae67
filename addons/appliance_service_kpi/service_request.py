# This file is part of the appliance_service_kpi module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
from trytond.model import Index, fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval


class ServiceRequest(metaclass=PoolMeta):
    __name__ = 'appliance.service.request'

    complaint_work_order = fields.Many2One(
        'appliance.work_order', "Work Order Complained About",
        ondelete='SET NULL',
        domain=[
            ('customer', '=', Eval('customer', -1)),
            ],
        states={
            'invisible': Eval('kind') != 'complaint',
            'readonly': Eval('state').in_(['closed', 'cancelled']),
            },
        help="The visit the customer complains about: the complaint counts "
        "against its engineer.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.complaint_work_order, Index.Equality()),
                where=t.complaint_work_order != None))  # noqa: E711

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('complaint_work_order', None)
        return super().copy(requests, default=default)

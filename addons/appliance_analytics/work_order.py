# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""What the analytics add to the work orders: the class of the root cause,
so that faults can be counted per cause (the root cause itself is free
text), the indexes of the reports and the marks of the daily summary."""
from trytond.model import Index, fields
from trytond.modules.appliance_service.work_order import CLOSED_STATES
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

CAUSES = [
    (None, ""),
    ('manufacturing', "Manufacturing Defect"),
    ('design', "Design"),
    ('component', "Component Failure"),
    ('wear', "Wear and Ageing"),
    ('installation', "Installation"),
    ('usage', "Improper Use"),
    ('environment', "Power or Environment"),
    ('other', "Other"),
    ]


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    cause = fields.Selection(
        CAUSES, "Cause Class",
        states={
            'readonly': Eval('state').in_(CLOSED_STATES),
            },
        help="The class of the root cause, for the fault statistics.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                # The daily summary computes the days again by these dates
                Index(t, (t.create_date, Index.Range())),
                Index(t, (t.done_at, Index.Range())),
                })

    @classmethod
    def _completion_fields(cls):
        return super()._completion_fields() | {'cause'}

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('cause', None)
        return super().copy(orders, default=default)

    @classmethod
    def check_modification(cls, mode, orders, values=None, external=False):
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        super().check_modification(
            mode, orders, values=values, external=external)
        # The days the orders counted in before the change
        if mode == 'delete' or (mode == 'write' and values and (
                    set(values) & cls._daily_fields())):
            Daily.mark_orders(orders)

    @classmethod
    def on_modification(cls, mode, orders, field_names=None):
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        super().on_modification(mode, orders, field_names=field_names)
        if mode == 'create' or (mode == 'write' and (field_names is None
                    or set(field_names) & cls._daily_fields())):
            Daily.mark_orders(orders)

    @classmethod
    def _daily_fields(cls):
        "The fields the daily summary counts the orders by"
        return {'company', 'kind', 'state', 'done_at', 'appliance',
            'address', 'fault_type', 'actual_fault_type'}

# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The class of the root cause found by the engineer, so that faults can be
counted per cause (the root cause itself is free text)."""
from trytond.model import fields
from trytond.modules.appliance_service.work_order import CLOSED_STATES
from trytond.pool import PoolMeta
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
    def _completion_fields(cls):
        return super()._completion_fields() | {'cause'}

# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('appliance.analytics.defect_alert|detect',
                    "Detect Batch Defects"),
                ('appliance.analytics.daily|update',
                    "Update the Daily Summary of the Wall Screen"),
                ])

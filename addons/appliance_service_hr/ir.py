# This file is part of the appliance_service_hr module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('appliance.engineer.certificate|remind_expiring',
                    "Remind Expiring Certificates"),
                ('appliance.appraisal|create_period_appraisals',
                    "Create Period Appraisals"),
                ])

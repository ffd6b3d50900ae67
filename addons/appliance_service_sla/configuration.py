# This file is part of the appliance_service_sla module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    sla_calendar = fields.Many2One(
        'appliance.sla.calendar', "SLA Calendar", ondelete='RESTRICT',
        help="The working hours the SLA clocks count.")
    sla_risk_share = fields.Float(
        "At-Risk Threshold", required=True, digits=(16, 4),
        domain=[
            ('sla_risk_share', '>=', 0),
            ('sla_risk_share', '<', 1),
            ],
        help="An order is at risk when less than this share of its target "
        "time remains.")

    @classmethod
    def default_sla_calendar(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id(
                'appliance_service_sla', 'sla_calendar_standard')
        except KeyError:
            return None

    @classmethod
    def default_sla_risk_share(cls):
        return 0.25

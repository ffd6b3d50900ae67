# This file is part of the appliance_service_kpi module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
from trytond.model import ModelSQL, fields
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool, PoolMeta

kpi_labour_cost = fields.Numeric(
    "Labour Cost per Hour", digits=(16, 2),
    domain=['OR',
        ('kpi_labour_cost', '=', None),
        ('kpi_labour_cost', '>=', 0),
        ],
    help="What an hour of an engineer's work costs the company, "
    "for the cost of the work orders in the indicators.")


class Configuration(CompanyMultiValueMixin, metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    kpi_labour_cost = fields.MultiValue(kpi_labour_cost)

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field == 'kpi_labour_cost':
            return pool.get('appliance.configuration.kpi')
        return super().multivalue_model(field)


class ConfigurationKPI(ModelSQL, CompanyValueMixin):
    "Appliance configuration of the indicators"
    __name__ = 'appliance.configuration.kpi'

    kpi_labour_cost = kpi_labour_cost

# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The appliances mark the month of their installation in the installed
base of the wall screen."""
from trytond.pool import Pool, PoolMeta

DATE_FIELDS = {'installation_date', 'sale_date', 'production_date',
    'installation_address', 'company'}


class Appliance(metaclass=PoolMeta):
    __name__ = 'appliance.appliance'

    @classmethod
    def check_modification(
            cls, mode, appliances, values=None, external=False):
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        super().check_modification(
            mode, appliances, values=values, external=external)
        if mode == 'delete' or (
                mode == 'write' and values and set(values) & DATE_FIELDS):
            Daily.mark_appliances(appliances)

    @classmethod
    def on_modification(cls, mode, appliances, field_names=None):
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        super().on_modification(mode, appliances, field_names=field_names)
        if mode == 'create' or (mode == 'write' and (field_names is None
                    or set(field_names) & DATE_FIELDS)):
            Daily.mark_appliances(appliances)

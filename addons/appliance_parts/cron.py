# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from trytond.pool import Pool, PoolMeta

CRONS = ['cron_supply_stock', 'cron_update_minimums']


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('stock.order_point|update_minimums',
                    "Update Order Point Minimums"),
                ])


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    @classmethod
    def on_modification(cls, mode, companies, field_names=None):
        super().on_modification(mode, companies, field_names=field_names)
        if mode == 'create':
            cls._register_parts_crons(companies)

    @classmethod
    def _register_parts_crons(cls, companies):
        "Run the spare parts jobs for the new companies too"
        pool = Pool()
        Cron = pool.get('ir.cron')
        ModelData = pool.get('ir.model.data')
        crons = []
        for xml_id in CRONS:
            try:
                crons.append(Cron(ModelData.get_id('appliance_parts', xml_id)))
            except KeyError:
                continue
        if crons:
            Cron.write(crons, {
                    'companies': [('add', [c.id for c in companies])],
                    })

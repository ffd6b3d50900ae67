# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The ratings mark their day in the daily summary."""
from trytond.pool import Pool, PoolMeta


class Rating(metaclass=PoolMeta):
    __name__ = 'appliance.work_order.rating'

    @classmethod
    def check_modification(cls, mode, ratings, values=None, external=False):
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        super().check_modification(
            mode, ratings, values=values, external=external)
        if mode in {'write', 'delete'}:
            Daily.mark_ratings(ratings)

    @classmethod
    def on_modification(cls, mode, ratings, field_names=None):
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        super().on_modification(mode, ratings, field_names=field_names)
        if mode in {'create', 'write'}:
            Daily.mark_ratings(ratings)

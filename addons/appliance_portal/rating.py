# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The ratings of the visits in the API, with appliance_service_rating: the
rating link's page and the API record them with the same model method."""
from trytond.modules.appliance_service_rating.exceptions import RatingError
from trytond.pool import Pool, PoolMeta

from .api import MODULE, ApiError


def serialize_rating(rating):
    if not rating:
        return None
    return {
        'overall': rating.overall,
        'punctuality': rating.punctuality,
        'attitude': rating.attitude,
        'quality': rating.quality,
        'comment': rating.comment,
        'date': rating.date,
        }


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.portal.work_order'

    @classmethod
    def conflict_errors(cls):
        return super().conflict_errors() + [(RatingError, 'already_rated')]

    @classmethod
    def _rating(cls, order):
        for rating in order.ratings:
            return rating

    @classmethod
    def customer_visit(cls, order):
        result = super().customer_visit(order)
        rating = cls._rating(order)
        result['rating'] = serialize_rating(rating)
        result['can_rate'] = order.state == 'done' and not rating
        return result

    @classmethod
    def staff_detail(cls, order):
        result = super().staff_detail(order)
        result['rating'] = serialize_rating(cls._rating(order))
        return result

    @classmethod
    def rate(cls, order, scores, channel, comment=None):
        "Rate order once; the model locks it so that two ratings queue up"
        WorkOrder = Pool().get('appliance.work_order')
        if order.state != 'done':
            raise ApiError('wrong_state', f'{MODULE}.msg_nothing_to_rate')
        WorkOrder.rate(order, scores, channel=channel, comment=comment)

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The planned routes in the API, with appliance_service_route: the
engineer's jobs of a day in the order of the route with their planned
arrival, and the narrowed arrival window the customer is told once the
route is announced."""
from trytond.pool import PoolMeta

# The states of a visit whose arrival the customer still waits for
WAITING_STATES = {'scheduled', 'dispatched', 'on_the_way'}


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.portal.work_order'

    @classmethod
    def customer_visit(cls, order):
        result = super().customer_visit(order)
        # The window is the customer's once it was announced: before, the
        # planning of the day may still move the visit
        if (order.route and order.announced
                and order.state in WAITING_STATES):
            result['arrival_window_start'] = order.arrival_window_start
            result['arrival_window_end'] = order.arrival_window_end
        return result

    @classmethod
    def staff_order(cls, order):
        result = super().staff_order(order)
        if order.route:
            result.update({
                    'planned_sequence': order.planned_sequence,
                    'planned_arrival': order.planned_arrival,
                    'travel_km': order.travel_km,
                    'travel_minutes': order.travel_minutes,
                    })
        return result

    @classmethod
    def route_order(cls):
        "The stops of the routes first, in the order of their route"
        return [('planned_sequence', 'ASC NULLS LAST')] + super().route_order()

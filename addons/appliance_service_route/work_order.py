# This file is part of the appliance_service_route module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"""The planned stop of a work order in its engineer's route."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.appliance_service.local_time import local_string
from trytond.modules.appliance_service_dispatch.candidate import format_number
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

# What the planning of an order is, cleared when the order leaves its route
PLANNING_FIELDS = {
    'route': None,
    'planned_sequence': None,
    'planned_arrival': None,
    'planned_start': None,
    'travel_minutes': None,
    'travel_km': None,
    'announced': False,
    }
# The factor of the prize of an order per SLA status
SLA_PRIZE_FACTORS = {
    'at_risk': 2.,
    'breached': 3.,
    }


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    route = fields.Many2One(
        'appliance.route', "Route", readonly=True, ondelete='SET NULL',
        help="The day of the engineer this visit is planned in.")
    planned_sequence = fields.Integer(
        "Planned Sequence", readonly=True,
        help="The place of the visit in the engineer's route.")
    planned_arrival = fields.DateTime(
        "Planned Arrival", readonly=True,
        help="When the engineer is planned to arrive at the customer.")
    planned_start = fields.DateTime(
        "Planned Start", readonly=True,
        help="When the work is planned to start: the arrival or, "
        "when the engineer arrives early, the start of the window.")
    travel_minutes = fields.Float(
        "Travel Time (min)", digits=(16, 0), readonly=True,
        help="The driving time from the previous stop or the home base.")
    travel_km = fields.Float(
        "Travel Distance (km)", digits=(16, 1), readonly=True,
        help="The driving distance from the previous stop "
        "or the home base.")
    announced = fields.Boolean(
        "Announced", readonly=True,
        help="The customer was told the narrowed arrival window; "
        "planning again avoids moving the visit.")
    arrival_window_start = fields.Function(
        fields.DateTime(
            "Arrival From",
            help="The narrowed arrival window the customer is told."),
        'get_arrival_window')
    arrival_window_end = fields.Function(
        fields.DateTime("Arrival Until"), 'get_arrival_window')
    route_note = fields.Function(
        fields.Text(
            "Route Note",
            help="The place of the visit in the route and its travel."),
        'get_route_note')

    @classmethod
    def default_announced(cls):
        return False

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name, value in PLANNING_FIELDS.items():
            default.setdefault(name, value)
        return super().copy(orders, default=default)

    def route_service_minutes(self, settings):
        "The minutes the visit takes"
        return settings['route_service_minutes']

    def route_prize_factor(self):
        "How much more than its priority leaving the order costs"
        return 1.

    def get_arrival_window(self, name):
        if not self.planned_start:
            return None
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        margin = dt.timedelta(minutes=Configuration(1).get_multivalue(
                'route_arrival_margin', company=self.company.id))
        if name == 'arrival_window_start':
            value = self.planned_start - margin
            if self.appointment_start:
                value = max(value, self.appointment_start)
        else:
            value = self.planned_start + margin
            if self.appointment_end:
                value = min(value, self.appointment_end)
        return value

    def get_route_note(self, name):
        if not self.route or not self.planned_sequence:
            return None
        late = 0.
        if self.appointment_end and self.planned_start:
            late = max((self.planned_start - self.appointment_end
                    ).total_seconds() / 60, 0.)
        slack = 0.
        if self.appointment_end and self.planned_start:
            slack = max((self.appointment_end - self.planned_start
                    ).total_seconds() / 60, 0.)
        wait = 0.
        if self.planned_arrival and self.planned_start:
            wait = (self.planned_start - self.planned_arrival
                ).total_seconds() / 60
        return gettext('appliance_service_route.msg_route_note',
            sequence=self.planned_sequence,
            stops=self.route.stop_count,
            engineer=self.route.engineer.rec_name,
            km=format_number(self.travel_km or 0.),
            travel=format_number(self.travel_minutes or 0., 0),
            arrival=local_string(
                self.planned_arrival, self.timezone, '%H:%M'),
            wait=format_number(wait, 0),
            slack=format_number(slack, 0),
            lateness=format_number(late, 0))

    @classmethod
    def get_dispatch_note(cls, orders, name):
        "The dispatch note followed by the travel and lateness of the route"
        notes = super().get_dispatch_note(orders, name)
        for order in orders:
            route_note = order.get_route_note(name)
            if route_note:
                note = notes.get(order.id)
                notes[order.id] = (
                    '\n'.join([note, route_note]) if note else route_note)
        return notes

    @classmethod
    def _check_dispatch(cls, pairs, slot=None):
        # The route planner allows only the engineers of the region with
        # the skill and at work, and fits the visits by their driving times
        # instead of counting them per window
        if Transaction().context.get('_appliance_route_checked'):
            return
        super()._check_dispatch(pairs, slot=slot)

    @classmethod
    def clear_planning(cls, orders):
        "Take orders out of their routes"
        planned = [o for o in orders if o.route]
        if planned:
            cls.write(planned, dict(PLANNING_FIELDS))

    @classmethod
    def cancel(cls, orders):
        super().cancel(orders)
        cls.clear_planning(orders)

    @classmethod
    def reschedule(cls, orders, slot):
        super().reschedule(orders, slot)
        cls.clear_planning(orders)

    @classmethod
    def release(cls, orders):
        super().release(orders)
        cls.clear_planning(orders)


class WorkOrderRepair(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    def route_service_minutes(self, settings):
        "The labour time of the repair plan of the fault when known"
        plan = self.plan
        if not plan and self.fault_type:
            plan = self.fault_type.active_plan(
                self.appliance.category if self.appliance
                else self.fault_type.category)
        if plan and plan.labour_hours:
            return plan.labour_hours * 60
        return super().route_service_minutes(settings)


class WorkOrderSLA(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    def route_prize_factor(self):
        "Orders at risk or past their SLA deadline are served first"
        factor = super().route_prize_factor()
        return factor * SLA_PRIZE_FACTORS.get(self.sla_status, 1.)

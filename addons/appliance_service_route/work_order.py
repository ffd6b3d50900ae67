# This file is part of the appliance_service_route module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"""The planned stop of a work order in its engineer's route."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.appliance_service.local_time import (
    company_timezone, local_date, local_string, local_today, utc_now)
from trytond.modules.appliance_service_dispatch.candidate import format_number
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .configuration import KIND_SERVICE_MINUTES

# What the planning of an order is, cleared when the order leaves its route
PLANNING_FIELDS = {
    'route': None,
    'planned_sequence': None,
    'planned_arrival': None,
    'planned_start': None,
    'travel_minutes': None,
    'travel_km': None,
    'announced': False,
    'announced_start': None,
    'announced_end': None,
    }
# The states of the orders whose change plans their day again: still to be
# visited, or cancelled from a planned day
REPLAN_STATES = {'scheduled', 'dispatched', 'on_the_way', 'cancelled'}
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
    announced_start = fields.DateTime(
        "Announced From", readonly=True,
        help="The start of the arrival window the customer was told.")
    announced_end = fields.DateTime(
        "Announced Until", readonly=True,
        help="The end of the arrival window the customer was told.")
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
        "The minutes the visit takes: the default of its kind, else of all"
        name = KIND_SERVICE_MINUTES.get(self.kind)
        return ((settings.get(name) if name else None)
            or settings['route_service_minutes'])

    def route_prize_factor(self):
        "How much more than its priority leaving the order costs"
        return 1.

    def route_arrival_window(self, planned_start=None):
        """The (start, end) arrival window around planned_start (by default
        the planned start): the arrival margin either side, inside the
        appointment"""
        planned_start = planned_start or self.planned_start
        if not planned_start:
            return None, None
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        margin = dt.timedelta(minutes=Configuration(1).get_multivalue(
                'route_arrival_margin', company=self.company.id))
        start, end = planned_start - margin, planned_start + margin
        if self.appointment_start:
            start = max(start, self.appointment_start)
        if self.appointment_end:
            end = min(end, self.appointment_end)
        return start, end

    def get_arrival_window(self, name):
        # once told, the customer keeps the window while the plan allows
        if self.announced and self.announced_start and self.announced_end:
            start, end = self.announced_start, self.announced_end
        else:
            start, end = self.route_arrival_window()
        return start if name == 'arrival_window_start' else end

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
    def route_days(cls, orders):
        """The days planned today that orders are in: {(company id, date,
        region id)}; the region is the one of the route planned, else of the
        order"""
        pool = Pool()
        Route = pool.get('appliance.route')
        # whoever changes an order, its day is planned again: the routes
        # are read as the system
        with without_check_access():
            return cls._route_days(cls.browse(orders), Route)

    @classmethod
    def _route_days(cls, orders, Route):
        days, wanted = set(), set()
        for order in orders:
            if order.state not in REPLAN_STATES:
                continue
            timezone = company_timezone(order.company)
            today = local_today(timezone)
            if order.route:
                if order.route.date == today:
                    region = order.route.region or order.region
                    days.add((order.company.id, today, region.id))
            elif (order.state != 'cancelled'
                    and local_date(order.appointment_start, timezone)
                    == today):
                wanted.add((order.company.id, today, order.region.id))
        # an order new to the day only when the day was planned
        for company_id, date, region_id in wanted - days:
            if Route.search([
                        ('company', '=', company_id),
                        ('date', '=', date),
                        ['OR',
                            ('region', '=', region_id),
                            ('region', '=', None),
                            ],
                        ], limit=1):
                days.add((company_id, date, region_id))
        return days

    @classmethod
    def replan_later(cls, orders, days=()):
        """Plan again through the queue the days of today orders are in
        (and days), so that the user does not wait for the planner"""
        if Transaction().context.get('_appliance_route_checked'):
            return
        orders = cls.browse(orders)
        days = set(days) | cls.route_days(orders)
        if days:
            cls.__queue__.replan_routes(orders, sorted(
                    [c, d.isoformat(), r] for c, d, r in days),
                utc_now().isoformat())

    @classmethod
    def replan_routes(cls, orders, days, requested):
        "Plan days again [[company id, ISO date, region id]]"
        pool = Pool()
        Route = pool.get('appliance.route')
        Route.replan_days(
            [(c, dt.date.fromisoformat(d), r) for c, d, r in days],
            dt.datetime.fromisoformat(requested))

    def route_delay(self, now):
        """The minutes the engineer is behind the planned route after
        the progress of the order at now (naive UTC), or None"""
        if not self.route or not self.planned_start:
            return None
        if self.state == 'on_the_way' and self.planned_arrival:
            expected = now + dt.timedelta(minutes=self.travel_minutes or 0)
            late = expected - self.planned_arrival
        elif self.state == 'in_progress':
            late = now - self.planned_start
        elif self.state == 'done':
            following = [o for o in self.route.stops
                if o.state == 'dispatched' and o.planned_arrival
                and (o.planned_sequence or 0) > self.planned_sequence]
            if not following:
                return None
            stop = following[0]
            expected = now + dt.timedelta(minutes=stop.travel_minutes or 0)
            late = expected - stop.planned_arrival
        else:
            return None
        return late.total_seconds() / 60

    @classmethod
    def replan_if_late(cls, orders):
        """Plan again the day of the orders whose progress shows the
        engineer later than the plan by more than the arrival margin"""
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        if Transaction().context.get('_appliance_route_checked'):
            return
        now = utc_now()
        days = set()
        # the engineer reporting progress may not read the whole route
        with without_check_access():
            for order in cls.browse(orders):
                if not order.route:
                    continue
                timezone = company_timezone(order.company)
                if order.route.date != local_today(timezone):
                    continue
                margin = Configuration(1).get_multivalue(
                    'route_arrival_margin', company=order.company.id)
                delay = order.route_delay(now)
                if delay is not None and delay > margin:
                    region = order.route.region or order.region
                    days.add(
                        (order.company.id, order.route.date, region.id))
        if days:
            cls.__queue__.replan_routes(orders, sorted(
                    [c, d.isoformat(), r] for c, d, r in days),
                now.isoformat())

    @classmethod
    def schedule(cls, orders):
        super().schedule(orders)
        cls.replan_later(orders)

    @classmethod
    def dispatch(cls, orders):
        super().dispatch(orders)
        cls.replan_later(orders)

    @classmethod
    def cancel(cls, orders):
        days = cls.route_days(orders)
        super().cancel(orders)
        cls.clear_planning(orders)
        cls.replan_later(orders, days)

    @classmethod
    def reschedule(cls, orders, slot):
        days = cls.route_days(orders)
        super().reschedule(orders, slot)
        cls.clear_planning(orders)
        cls.replan_later(orders, days)

    @classmethod
    def depart(cls, orders):
        super().depart(orders)
        cls.replan_if_late(orders)

    @classmethod
    def start(cls, orders):
        super().start(orders)
        cls.replan_if_late(orders)

    @classmethod
    def _complete(cls, orders):
        super()._complete(orders)
        cls.replan_if_late(orders)

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

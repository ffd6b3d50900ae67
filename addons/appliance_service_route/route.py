# This file is part of the appliance_service_route module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"""The routes of the engineers: the work orders of a date and region given
to routing.py as vehicles and visits, the plan checked and stored."""
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.appliance_service.local_time import (
    company_timezone, day_bounds, local_now, local_string, to_local, to_utc,
    utc_now)
from trytond.modules.appliance_service_dispatch.routing import (
    REQUIRED, Problem, StraightLineTravel, Vehicle, Visit, check_plan, solve)
from trytond.modules.appliance_service_dispatch.solver import (
    availability, evaluate, minutes, unassigned_cost)
from trytond.modules.appliance_service_dispatch.work_order import (
    DISPATCH_GROUP)
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import (
    Button, StateAction, StateTransition, StateView, Wizard)

from .exceptions import RouteError

ROUTE_STATES = [
    ('planned', "Planned"),
    ('announced', "Announced"),
    ]
# The orders a plan places: booked (scheduled) or already given to their
# engineer (dispatched)
PLANNED_STATES = ['scheduled', 'dispatched']
# The orders that take a place of the engineer's day without being planned
BUSY_STATES = ['on_the_way', 'in_progress', 'waiting', 'done']


def local_datetime(date, value):
    "The naive local date time value minutes after the midnight of date"
    return (dt.datetime.combine(date, dt.time())
        + dt.timedelta(seconds=round(value * 60)))


class Route(Workflow, ModelSQL, ModelView):
    "Engineer route"
    __name__ = 'appliance.route'

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    engineer = fields.Many2One(
        'company.employee', "Engineer", required=True, readonly=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True, readonly=True)
    region = fields.Many2One(
        'appliance.service.region', "Region", readonly=True,
        help="The region planned; empty when all were.")
    state = fields.Selection(
        ROUTE_STATES, "State", required=True, readonly=True, sort=False)
    stops = fields.One2Many(
        'appliance.work_order', 'route', "Stops", readonly=True,
        order=[('planned_sequence', 'ASC'), ('id', 'ASC')])
    stop_count = fields.Function(
        fields.Integer("Stops"), 'get_stop_count')
    departure = fields.DateTime(
        "Departure", readonly=True,
        help="When the engineer leaves the home base.")
    arrival = fields.DateTime(
        "Return", readonly=True,
        help="When the engineer is back at the home base.")
    km = fields.Float(
        "Distance (km)", digits=(16, 1), readonly=True,
        help="The driven distance, back home included.")
    hours = fields.Float(
        "Hours", digits=(16, 2), readonly=True,
        help="From the departure to the return.")
    travel_minutes = fields.Float(
        "Driving Time (min)", digits=(16, 0), readonly=True)
    planned_at = fields.DateTime("Planned At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('engineer_date_unique', Unique(t, t.engineer, t.date),
                'appliance_service_route.msg_route_engineer_date_unique'),
            ]
        cls._order = [('date', 'DESC'), ('engineer', 'ASC'), ('id', 'DESC')]
        cls._transitions |= {
            ('planned', 'announced'),
            }
        cls._buttons.update({
                'announce': {
                    'invisible': Eval('state') != 'planned',
                    'readonly': ~Eval('stop_count', 0),
                    'depends': ['state', 'stop_count'],
                    },
                'replan': {
                    'depends': [],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'planned'

    def get_rec_name(self, name):
        pool = Pool()
        Lang = pool.get('ir.lang')
        return '%s %s' % (
            self.engineer.rec_name, Lang.get().strftime(self.date))

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('engineer.rec_name', *clause[1:])]

    @classmethod
    def get_stop_count(cls, routes, name):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        counts = {r.id: 0 for r in routes}
        for order in WorkOrder.search([
                    ('route', 'in', [r.id for r in routes]),
                    ]):
            counts[order.route.id] += 1
        return counts

    @classmethod
    @ModelView.button
    @Workflow.transition('announced')
    def announce(cls, routes):
        """Tell the customers of the routes the narrowed arrival window"""
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        orders = [o for r in routes for o in r.stops
            if o.state in PLANNED_STATES]
        if not orders:
            return
        values = []
        for order in orders:
            start, end = order.route_arrival_window()
            values.extend([[order], {
                        'announced': True,
                        'announced_start': start,
                        'announced_end': end,
                        }])
        WorkOrder.write(*values)
        for order in WorkOrder.browse(orders):
            WorkOrder.log_event([order],
                'appliance_service_route.msg_event_announced',
                start=local_string(
                    order.arrival_window_start, order.timezone, '%H:%M'),
                end=local_string(
                    order.arrival_window_end, order.timezone, '%H:%M'))

    @classmethod
    @ModelView.button
    def replan(cls, routes):
        "Plan the dates and regions of the routes again"
        keys = {(r.company, r.date, r.region) for r in routes}
        for company, date, region in sorted(
                keys, key=lambda k: (k[0].id, k[1], k[2].id if k[2] else 0)):
            with Transaction().set_context(company=company.id):
                cls.plan(date, regions=[region] if region else None)

    @classmethod
    def replan_days(cls, days, requested=None):
        """Plan again days [(company id, date, region id)] that are not
        over, unless all their routes were planned since requested (naive
        UTC); the re-planning on demand of the queue"""
        pool = Pool()
        Company = pool.get('company.company')
        Region = pool.get('appliance.service.region')
        for company_id, date, region_id in sorted(days):
            company = Company(company_id)
            if date < local_now(company_timezone(company)).date():
                continue
            domain = [
                ('company', '=', company_id),
                ('date', '=', date),
                ]
            if region_id is not None:
                domain.append(['OR',
                        ('region', '=', region_id),
                        ('region', '=', None),
                        ('stops.region', '=', region_id),
                        ])
            if requested is not None:
                domain.append(('planned_at', '<=', requested))
            if not cls.search(domain, limit=1):
                continue
            with Transaction().set_context(company=company_id):
                cls.plan(date, regions=[Region(region_id)]
                    if region_id is not None else None)

    @classmethod
    def plan_tomorrow(cls):
        "Plan the next day of every company (the cron, each evening)"
        pool = Pool()
        Company = pool.get('company.company')
        company_id = Transaction().context.get('company')
        companies = ([Company(company_id)] if company_id is not None
            else Company.search([]))
        for company in companies:
            with Transaction().set_context(company=company.id):
                today = local_now(company_timezone(company)).date()
                cls.plan(today + dt.timedelta(days=1))

    @classmethod
    def plan(cls, date, regions=None):
        """Plan the routes of the engineers of the company of the context
        on date for regions (all by default).

        The booked orders of the regions and the dispatched orders of their
        engineers are planned; the booked orders served are dispatched.
        Return {'routes', 'served', 'left', 'unplanned', 'km'}."""
        pool = Pool()
        Company = pool.get('company.company')
        company = Company(Transaction().context['company'])
        timezone = company_timezone(company)
        now = local_now(timezone)
        if date < now.date():
            raise RouteError(gettext(
                    'appliance_service_route.msg_route_past_date',
                    date=pool.get('ir.lang').get().strftime(date)))
        # one plan of the routes at a time: re-planning from the queue may
        # run with the wizard or the cron
        cls.lock()
        problem, orders, engineers = cls._route_problem(
            company, date, regions, now)
        settings = cls._route_settings(company)
        initial = cls._route_initial(date, engineers, orders)
        plan = solve(problem, seconds=settings['route_time_limit'],
            initial=initial)
        violations = check_plan(problem, plan)
        broken = [v for v in violations if v.reason != REQUIRED]
        if broken:
            raise RouteError(gettext(
                    'appliance_service_route.msg_route_violation',
                    orders=', '.join(sorted({
                                orders[v.visit].rec_name
                                for v in broken if v.visit in orders}))))
        routes = cls._store_plan(
            company, date, regions, problem, plan, orders, engineers)
        return {
            'routes': routes,
            'served': plan.served,
            'left': len([i for i in plan.unserved
                    if orders[i].state == 'scheduled']),
            'unplanned': len([i for i in plan.unserved
                    if orders[i].state != 'scheduled']),
            'km': plan.km,
            }

    @classmethod
    def _route_settings(cls, company):
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        return Configuration(1).route_settings(company)

    @classmethod
    def _route_problem(cls, company, date, regions, now):
        """Return the routing Problem of date for regions, the orders and
        the engineers by id"""
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        settings = cls._route_settings(company)
        weights = WorkOrder.dispatch_weights(company)
        timezone = company_timezone(company)
        region_ids = {r.id for r in regions} if regions else None

        engineers = WorkOrder._service_engineers(company)
        if region_ids is not None:
            engineers = [e for e in engineers
                if {r.id for r in e.service_regions} & region_ids]
        begin, end = day_bounds(date, timezone)
        day = [
            ('company', '=', company.id),
            ('appointment_start', '>=', begin),
            ('appointment_start', '<', end),
            ]
        scheduled = WorkOrder.search(day + [
                ('state', '=', 'scheduled'),
                ] + ([('region', 'in', list(region_ids))]
                if region_ids is not None else []),
            order=[('id', 'ASC')])
        engineer_ids = [e.id for e in engineers]
        dispatched = WorkOrder.search(day + [
                ('state', '=', 'dispatched'),
                ('engineer', 'in', engineer_ids),
                ], order=[('id', 'ASC')])
        busy = defaultdict(int)
        busy_orders = WorkOrder.search(day + [
                ('state', 'in', BUSY_STATES),
                ('engineer', 'in', engineer_ids),
                ], order=[('id', 'ASC')])
        for order in busy_orders:
            busy[order.engineer.id] += 1
        orders = {o.id: o for o in scheduled + dispatched}
        infos = {o.id: o._dispatch_info() for o in orders.values()}

        shift_start = minutes(settings['route_shift_start'])
        shift_end = minutes(settings['route_shift_end'])
        # today the engineers at a customer start from there once done
        at_work = {}
        if date == now.date():
            shift_start = min(
                max(shift_start, now.hour * 60 + now.minute), shift_end)
            at_work = cls._route_at_work(
                date, busy_orders, settings, timezone, now)
        engineer_infos = WorkOrder._dispatch_engineers(
            engineers, set(), timezone=timezone)
        points = [(i.latitude, i.longitude) for i in infos.values()
            if None not in (i.latitude, i.longitude)]
        points += [(e.latitude, e.longitude) for e in engineer_infos
            if None not in (e.latitude, e.longitude)]
        # what has no location is put in the middle of the others
        centre = (tuple(sum(c) / len(points) for c in zip(*points))
            if points else (0., 0.))

        # only the orders of their regions may go to the engineers
        by_region = defaultdict(list)
        for order in scheduled:
            by_region[order.region.id].append(order)
        vehicles = []
        for info in engineer_infos:
            if availability(info, date):
                continue
            allowed, surcharges = set(), {}
            for order in (o for r in sorted(info.regions)
                    for o in by_region.get(r, ())):
                candidate = evaluate(infos[order.id], info, weights)
                if candidate.eligible:
                    allowed.add(order.id)
                    if candidate.skill_cost:
                        surcharges[order.id] = candidate.skill_cost
            latitude, longitude = (
                (info.latitude, info.longitude)
                if None not in (info.latitude, info.longitude) else centre)
            start = shift_start
            if info.id in at_work:
                free, point = at_work[info.id]
                start = min(max(start, free), shift_end)
                if None not in point:
                    latitude, longitude = point
            vehicles.append(Vehicle(
                    id=info.id, latitude=latitude, longitude=longitude,
                    shift_start=start, shift_end=shift_end,
                    capacity=max((info.capacity or 0) - busy[info.id], 0),
                    allowed=frozenset(allowed), surcharges=surcharges,
                    # planned first with the visits of its first region
                    area=min(info.regions, default=None)))
        visits = []
        for order_id, order in orders.items():
            info = infos[order_id]
            latitude, longitude = (
                (info.latitude, info.longitude)
                if None not in (info.latitude, info.longitude) else centre)
            previous = order.route.engineer.id if order.route else None
            visits.append(Visit(
                    id=order_id, latitude=latitude, longitude=longitude,
                    window_start=info.start, window_end=info.end,
                    service_minutes=order.route_service_minutes(settings),
                    prize=unassigned_cost(info, weights)
                    * order.route_prize_factor(),
                    fixed_vehicle=(order.engineer.id
                        if order.state == 'dispatched' else None),
                    previous_vehicle=previous,
                    announced=bool(order.announced),
                    kept_window=cls._route_kept_window(
                        order, date, timezone),
                    area=order.region.id))
        problem = Problem(
            vehicles=vehicles, visits=visits,
            travel=StraightLineTravel(
                detour=settings['route_detour'],
                speed_kmh=settings['route_speed']),
            change_cost=settings['route_change_cost'])
        return problem, orders, {e.id: e for e in engineers}

    @classmethod
    def _route_at_work(cls, date, busy_orders, settings, timezone, now):
        """{engineer id: (minutes, (latitude, longitude))}: when the
        engineers on the way to or working at a customer today are free
        again, and where"""
        at_work = {}
        now_minutes = (now - dt.datetime.combine(date, dt.time())
            ).total_seconds() / 60

        def local_minutes(value):
            return (to_local(value, timezone) - dt.datetime.combine(
                    date, dt.time())).total_seconds() / 60
        for order in busy_orders:
            if order.state not in {'on_the_way', 'in_progress'}:
                continue
            service = order.route_service_minutes(settings)
            if order.state == 'in_progress' and order.started_at:
                free = local_minutes(order.started_at) + service
            else:
                arrival = now_minutes
                if order.planned_arrival:
                    arrival = max(arrival,
                        local_minutes(order.planned_arrival))
                free = arrival + service
            info = order._dispatch_info()
            free = max(free, now_minutes)
            previous = at_work.get(order.engineer.id)
            if previous is None or free > previous[0]:
                at_work[order.engineer.id] = (
                    free, (info.latitude, info.longitude))
        return at_work

    @classmethod
    def _route_kept_window(cls, order, date, timezone):
        """The arrival window told to the customer of order in minutes
        from the midnight of date, or None"""
        if not (order.announced and order.announced_start
                and order.announced_end):
            return None
        midnight = dt.datetime.combine(date, dt.time())
        return tuple(
            (to_local(v, timezone) - midnight).total_seconds() / 60
            for v in (order.announced_start, order.announced_end))

    @classmethod
    def _route_initial(cls, date, engineers, orders):
        "{engineer id: [order ids]} of the routes planned before"
        routes = cls.search([
                ('date', '=', date),
                ('engineer', 'in', list(engineers)),
                ])
        return {r.engineer.id: [o.id for o in r.stops if o.id in orders]
            for r in routes}

    @classmethod
    def _store_plan(cls, company, date, regions, problem, plan, orders,
            engineers):
        "Store the routes of plan and dispatch the orders served"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        timezone = company_timezone(company)
        region = regions[0] if regions and len(regions) == 1 else None
        existing = {r.engineer.id: r for r in cls.search([
                    ('date', '=', date),
                    ('engineer', 'in', list(engineers)),
                    ])}
        now = utc_now()
        # whether each order was announced in the same engineer's route,
        # and the window told
        announced = {o.id: (o.route.engineer.id if o.route else None)
            for o in orders.values() if o.announced}
        told = {o.id: (o.announced_start, o.announced_end)
            for o in orders.values() if o.announced}
        # the stops under way or done stay in their route, the new ones
        # follow them
        kept = defaultdict(int)
        for order in WorkOrder.search([
                    ('route', 'in', [r.id for r in existing.values()]),
                    ('id', 'not in', list(orders)),
                    ]):
            kept[order.route.engineer.id] = max(
                kept[order.route.engineer.id], order.planned_sequence or 0)

        def utc(value):
            return to_utc(local_datetime(date, value), timezone)

        to_delete, to_create, to_write = [], [], []
        for route in plan.routes:
            record = existing.get(route.vehicle)
            if not route.stops:
                if record and route.vehicle not in kept:
                    to_delete.append(record)
                continue
            values = {
                'region': region.id if region else None,
                'state': 'planned',
                'departure': utc(route.departure),
                'arrival': utc(route.arrival),
                'km': round(route.km, 1),
                'hours': round(route.hours, 2),
                'travel_minutes': round(route.travel_minutes),
                'planned_at': now,
                }
            if record:
                to_write.extend([[record], values])
            else:
                to_create.append(dict(values,
                        company=company.id, engineer=route.vehicle,
                        date=date))
        # the orders leave their old routes before these go
        WorkOrder.clear_planning(list(orders.values()))
        if to_delete:
            cls.delete(to_delete)
        if to_write:
            cls.write(*to_write)
        if to_create:
            cls.create(to_create)
        records = {r.engineer.id: r for r in cls.search([
                    ('date', '=', date),
                    ('engineer', 'in', list(engineers)),
                    ])}

        order_values, to_dispatch, moved = [], defaultdict(list), []
        for route in plan.routes:
            for stop in route.stops:
                order = orders[stop.visit]
                start = utc(stop.start)
                values = {
                    'route': records[route.vehicle].id,
                    'planned_sequence': kept[route.vehicle] + stop.sequence,
                    'planned_arrival': utc(stop.arrival),
                    'planned_start': start,
                    'travel_minutes': round(stop.travel_minutes),
                    'travel_km': round(stop.travel_km, 1),
                    }
                if announced.get(order.id) == route.vehicle:
                    # the customer keeps the window told when the plan
                    # allows, else is told the new one
                    told_start, told_end = told[order.id]
                    if not (told_start and told_end
                            and told_start <= start <= told_end):
                        told_start, told_end = order.route_arrival_window(
                            start)
                        moved.append(order)
                    values.update({
                            'announced': True,
                            'announced_start': told_start,
                            'announced_end': told_end,
                            })
                order_values.extend([[order], values])
                if order.state == 'scheduled':
                    to_dispatch[route.vehicle].append(order)
        with Transaction().set_context(
                _appliance_dispatch_checked=True,
                _appliance_route_checked=True,
                _appliance_auto_dispatch=True):
            if order_values:
                WorkOrder.write(*order_values)
            engineer_values = []
            for engineer_id, engineer_orders in to_dispatch.items():
                engineer_values.extend([engineer_orders, {
                            'engineer': engineer_id}])
            if engineer_values:
                WorkOrder.write(*engineer_values)
            # by groups of whole engineers, like the auto dispatch
            group = []
            for engineer_orders in to_dispatch.values():
                group.extend(engineer_orders)
                if len(group) >= DISPATCH_GROUP:
                    WorkOrder.dispatch(WorkOrder.browse(group))
                    group = []
            if group:
                WorkOrder.dispatch(WorkOrder.browse(group))
        for order in WorkOrder.browse(moved):
            WorkOrder.log_event([order],
                'appliance_service_route.msg_event_window_changed',
                start=local_string(
                    order.arrival_window_start, order.timezone, '%H:%M'),
                end=local_string(
                    order.arrival_window_end, order.timezone, '%H:%M'))
        return [records[r.vehicle] for r in plan.routes if r.stops]


class PlanRoutesStart(ModelView):
    "Plan routes"
    __name__ = 'appliance.route.plan.start'

    date = fields.Date("Date", required=True)
    region = fields.Many2One(
        'appliance.service.region', "Region",
        help="Leave empty to plan every region.")
    routes = fields.Integer("Routes", readonly=True)
    served = fields.Integer(
        "Visits Planned", readonly=True)
    left = fields.Integer(
        "Orders Left", readonly=True,
        help="The booked orders no engineer could fit in the day.")
    unplanned = fields.Integer(
        "Dispatched Not Planned", readonly=True,
        help="The dispatched orders their engineer cannot fit in the day.")
    km = fields.Float("Distance (km)", digits=(16, 1), readonly=True)

    @classmethod
    def default_date(cls):
        return local_now().date() + dt.timedelta(days=1)


class PlanRoutes(Wizard):
    "Plan routes"
    __name__ = 'appliance.route.plan'

    start = StateView(
        'appliance.route.plan.start',
        'appliance_service_route.route_plan_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Plan", 'plan', 'tryton-ok', default=True),
            ])
    plan = StateTransition()
    result = StateView(
        'appliance.route.plan.start',
        'appliance_service_route.route_plan_result_view_form', [
            Button("Close", 'end', 'tryton-close'),
            Button("Show Routes", 'open_', 'tryton-forward', default=True),
            ])
    open_ = StateAction('appliance_service_route.act_route_form')

    def transition_plan(self):
        pool = Pool()
        Route = pool.get('appliance.route')
        result = Route.plan(self.start.date,
            regions=[self.start.region] if self.start.region else None)
        self.result.date = self.start.date
        self.result.region = self.start.region
        self.result.routes = len(result['routes'])
        self.result.served = result['served']
        self.result.left = result['left']
        self.result.unplanned = result['unplanned']
        self.result.km = round(result['km'], 1)
        return 'result'

    def default_result(self, fields):
        return {
            'date': self.result.date,
            'region': self.result.region.id if self.result.region else None,
            'routes': self.result.routes,
            'served': self.result.served,
            'left': self.result.left,
            'unplanned': self.result.unplanned,
            'km': self.result.km,
            }

    def do_open_(self, action):
        domain = [('date', '=', self.result.date)]
        if self.result.region:
            domain.append(('region', '=', self.result.region.id))
        action['pyson_domain'] = PYSONEncoder().encode(domain)
        return action, {}

# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Dispatch: who should visit which customer.

The first half of the file is plain Python (no database): the data of an
order and of an engineer, the hard constraints and the cost of a pair, and
the batch solver.  bench/dispatch_bench.py runs the very same functions.
The second half glues them to the work orders.

Cost model (lower is better, in "kilometre equivalents"):

- distance: straight-line (haversine) kilometres from the engineer's home
  base to the customer's address;
- skill: for each level the engineer has above the level required, so that
  masters are kept for the hard jobs;
- workload: the share of the engineer's daily capacity already booked on the
  appointment date, times the workload weight;
- window: the share of what fits in the appointment window already booked,
  times the window weight;
- an order left without engineer costs the unassigned weight times
  (1 + priority), so that when engineers run short urgent orders are served
  first.

Hard constraints make an engineer ineligible: the order's region must be one
of the engineer's service regions, the appointment date a working day
without leave, the skill level at least the required one, and neither the
day (daily capacity) nor the appointment window (what fits in its length at
the engineer's daily pace) may be full.
"""
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from typing import Optional

import numpy as np
from scipy.optimize import linear_sum_assignment
from sql import Column, Literal
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Date, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .common import require_state
from .exceptions import DispatchError

EARTH_RADIUS_KM = 6371.0088
WORKDAY_MINUTES = 8 * 60

REASONS = [
    ('eligible', "Eligible"),
    ('region', "Outside Service Regions"),
    ('not_working', "Not a Working Day"),
    ('leave', "On Leave"),
    ('skill', "Insufficient Skill"),
    ('capacity', "Day Fully Booked"),
    ('window', "Window Fully Booked"),
    ]


@dataclass(frozen=True)
class Weights:
    distance: float = 1.0
    skill: float = 3.0
    workload: float = 20.0
    window: float = 10.0
    unknown_distance_km: float = 30.0
    unassigned: float = 1000.0


WEIGHTS = Weights()


@dataclass
class OrderInfo:
    "What dispatch needs to know about a work order"
    id: int
    region: int
    date: Optional[dt.date] = None
    start: int = 0
    end: int = WORKDAY_MINUTES
    categories: frozenset = frozenset()
    brand: Optional[int] = None
    level: int = 1
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    priority: int = 1

    @property
    def window(self):
        return (self.start, self.end)


@dataclass
class EngineerInfo:
    "What dispatch needs to know about an engineer"
    id: int
    regions: frozenset
    skills: tuple = ()
    working_days: frozenset = frozenset(range(6))
    leaves: tuple = ()
    capacity: int = 6
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    start_date: Optional[dt.date] = None
    end_date: Optional[dt.date] = None
    # date -> list of (start, end) minutes of the visits already dispatched
    bookings: dict = field(default_factory=dict)


@dataclass
class Candidate:
    "The evaluation of one engineer for one order"
    order: int
    engineer: int
    eligible: bool
    reason: str
    required_level: int
    skill_level: int
    distance_km: Optional[float]
    day_load: int
    capacity: int
    window_load: int
    window_capacity: int
    distance_cost: float = 0.
    skill_cost: float = 0.
    workload_cost: float = 0.
    window_cost: float = 0.

    @property
    def cost(self):
        return (self.distance_cost + self.skill_cost + self.workload_cost
            + self.window_cost)

    @property
    def base_cost(self):
        "The cost without the window share, which the batch counts itself"
        return self.distance_cost + self.skill_cost + self.workload_cost


def minutes(time):
    return time.hour * 60 + time.minute


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; works on floats and numpy arrays"""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.)))


def _distance_km(order, engineer):
    if None in (order.latitude, order.longitude,
            engineer.latitude, engineer.longitude):
        return None
    # math is much faster than numpy on scalars
    lat1, lon1 = math.radians(engineer.latitude), math.radians(
        engineer.longitude)
    lat2, lon2 = math.radians(order.latitude), math.radians(order.longitude)
    a = (math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2)
        * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(a, 1.)))


def skill_level(skills, categories, brand):
    """The best level of skills for an appliance.

    skills are (category, brand, level) where an empty category or brand
    means all; categories holds the category of the appliance and its
    parents.  An order of unknown category or brand accepts any skill for
    what is unknown."""
    best = 0
    for skill_category, skill_brand, level in skills:
        if (skill_category is not None and categories
                and skill_category not in categories):
            continue
        if (skill_brand is not None and brand is not None
                and skill_brand != brand):
            continue
        best = max(best, level)
    return best


def window_capacity(capacity, start, end):
    """How many visits fit in the window at the engineer's daily pace"""
    fit = int((end - start) * capacity / WORKDAY_MINUTES + 0.5)
    return max(1, min(capacity, fit))


def overlapping(bookings, start, end):
    return sum(1 for s, e in bookings if s < end and start < e)


def availability(engineer, date):
    "Return None if engineer works on date or the reason why not"
    if ((engineer.start_date and date < engineer.start_date)
            or (engineer.end_date and date > engineer.end_date)
            or date.weekday() not in engineer.working_days):
        return 'not_working'
    for start, end in engineer.leaves:
        if start <= date <= end:
            return 'leave'


def evaluate(order, engineer, weights=WEIGHTS):
    "Return the Candidate of engineer for order"
    return _evaluate(order, engineer, weights, _distance_km(order, engineer),
        availability(engineer, order.date) if order.date else None)


def _evaluate(order, engineer, weights, distance, unavailable):
    level = skill_level(engineer.skills, order.categories, order.brand)
    capacity = engineer.capacity or 0
    day_load = window_load = 0
    if order.date:
        bookings = engineer.bookings.get(order.date)
        if bookings:
            day_load = len(bookings)
            window_load = overlapping(bookings, order.start, order.end)
    w_capacity = window_capacity(capacity, order.start, order.end)

    if order.region not in engineer.regions:
        reason = 'region'
    elif unavailable:
        reason = unavailable
    elif level < order.level:
        reason = 'skill'
    elif order.date and day_load >= capacity:
        reason = 'capacity'
    elif order.date and window_load >= w_capacity:
        reason = 'window'
    else:
        reason = 'eligible'

    return Candidate(
        order=order.id,
        engineer=engineer.id,
        eligible=reason == 'eligible',
        reason=reason,
        required_level=order.level,
        skill_level=level,
        distance_km=distance,
        day_load=day_load,
        capacity=capacity,
        window_load=window_load,
        window_capacity=w_capacity,
        distance_cost=weights.distance * (
            distance if distance is not None
            else weights.unknown_distance_km),
        skill_cost=weights.skill * max(level - order.level, 0),
        workload_cost=(
            weights.workload * day_load / capacity if capacity else 0.),
        window_cost=weights.window * window_load / w_capacity,
        )


def rank(candidates):
    "Sort candidates: eligible ones first, cheapest first"
    return sorted(candidates,
        key=lambda c: (not c.eligible, c.cost, c.engineer))


def unassigned_cost(order, weights=WEIGHTS):
    return weights.unassigned * (1 + order.priority)


def index_by_region(engineers):
    by_region = defaultdict(list)
    for engineer in engineers:
        for region in engineer.regions:
            by_region[region].append(engineer)
    return by_region


def evaluate_all(orders, engineers, weights=WEIGHTS):
    """Return {order id: ranked candidates}.

    Only the engineers who serve the region of an order are evaluated; the
    others are ineligible whatever their other merits."""
    by_region = index_by_region(engineers)
    coordinates = {}
    for region, region_engineers in by_region.items():
        coordinates[region] = np.array([
                (e.latitude, e.longitude)
                if None not in (e.latitude, e.longitude) else (np.nan, np.nan)
                for e in region_engineers], dtype=float).reshape(-1, 2)
    unavailable = {}
    result = {}
    for order in orders:
        region_engineers = by_region.get(order.region, ())
        if not region_engineers:
            result[order.id] = []
            continue
        if None in (order.latitude, order.longitude):
            distances = [None] * len(region_engineers)
        else:
            points = coordinates[order.region]
            distances = [None if np.isnan(d) else float(d)
                for d in haversine_km(points[:, 0], points[:, 1],
                    order.latitude, order.longitude)]
        candidates = []
        for engineer, distance in zip(region_engineers, distances):
            key = engineer.id, order.date
            if key not in unavailable:
                unavailable[key] = (availability(engineer, order.date)
                    if order.date else None)
            candidates.append(_evaluate(
                    order, engineer, weights, distance, unavailable[key]))
        result[order.id] = rank(candidates)
    return result


def window_buckets(orders):
    """Group the orders of one date by appointment window.

    Windows that overlap fall in the same bucket, so that counting the
    visits of a bucket never lets overlapping visits exceed what fits.
    Return {order id: bucket index} and the list of (start, end, windows)
    of the buckets."""
    windows = sorted({o.window for o in orders})
    buckets = []
    for start, end in windows:
        if buckets and start < buckets[-1][1]:
            b_start, b_end, b_windows = buckets[-1]
            buckets[-1] = (b_start, max(b_end, end), b_windows + [
                    (start, end)])
        else:
            buckets.append((start, end, [(start, end)]))
    index = {}
    for i, (start, end, bucket_windows) in enumerate(buckets):
        for window in bucket_windows:
            index[window] = i
    return {o.id: index[o.window] for o in orders}, buckets


@dataclass
class Resource:
    "The places of an engineer in a bucket of a date"
    engineer: int
    date: dt.date
    bucket: int
    # the window share of the first new visit and of each further one
    window_cost: float
    window_step: float
    places: int


def resources(engineer, date, buckets, weights=WEIGHTS):
    """Yield the remaining places of engineer on date per bucket and the
    remaining places of the day"""
    bookings = engineer.bookings.get(date, ())
    day_left = (engineer.capacity or 0) - len(bookings)
    result = []
    for i, (start, end, windows) in enumerate(buckets):
        capacity = min(window_capacity(engineer.capacity or 0, s, e)
            for s, e in windows)
        load = overlapping(bookings, start, end)
        result.append(Resource(
                engineer=engineer.id, date=date, bucket=i,
                window_cost=weights.window * load / capacity,
                window_step=weights.window / capacity,
                places=max(capacity - load, 0)))
    return result, max(day_left, 0)


@dataclass
class BatchResult:
    # order id -> (engineer id, cost of the visit including window share)
    assignment: dict
    # order id -> 'no_engineer' or 'fully_booked'
    unassigned: dict
    candidates: dict
    cost: float = 0.
    dates: int = 0

    @property
    def assigned_cost(self):
        return sum(c for _, c in self.assignment.values())


def solve_batch(orders, engineers, weights=WEIGHTS, candidates=None):
    """Assign engineers to orders at the least total cost.

    Each date is an independent assignment problem solved exactly by
    scipy's linear_sum_assignment (a shortest augmenting path algorithm):

    - the columns are the places of each engineer in each window bucket of
      the date, as many as fit in the window and are not yet booked; the
      k-th place of a bucket carries k window steps more, so the window
      share rises with every visit as it does one order at a time;
    - the rows are the orders, plus, for each engineer whose windows hold
      more places than the day has left, as many "blocker" rows that may
      only sit on that engineer's places at no cost: whatever the orders
      take, the day never gets more visits than the daily capacity;
    - each order has its own "unassigned" column at the cost of leaving it;
    - ineligible pairs are infinite: they can never be chosen.
    """
    if candidates is None:
        candidates = evaluate_all(orders, engineers, weights)
    engineers_by_id = {e.id: e for e in engineers}
    by_date = defaultdict(list)
    for order in orders:
        by_date[order.date].append(order)

    assignment, unassigned = {}, {}
    total = 0.
    for date, date_orders in sorted(by_date.items(),
            key=lambda i: (i[0] is None, i[0] or dt.date.min)):
        date_orders.sort(key=lambda o: o.id)
        bucket_of, buckets = window_buckets(date_orders)

        # eligible engineers per bucket and their orders
        pairs = defaultdict(list)  # (engineer, bucket) -> [(row, cost)]
        for row, order in enumerate(date_orders):
            for candidate in candidates[order.id]:
                if candidate.eligible:
                    pairs[candidate.engineer, bucket_of[order.id]].append(
                        (row, candidate.base_cost))

        columns = []  # (engineer, bucket, place cost)
        blockers = []  # list of column lists
        engineer_buckets = defaultdict(list)
        for engineer_id, bucket in pairs:
            engineer_buckets[engineer_id].append(bucket)
        pair_columns = {}
        for engineer_id, bucket_ids in engineer_buckets.items():
            engineer = engineers_by_id[engineer_id]
            bucket_resources, day_left = resources(
                engineer, date, buckets, weights)
            engineer_columns = []
            for bucket in bucket_ids:
                resource = bucket_resources[bucket]
                places = min(resource.places, day_left,
                    len(pairs[engineer_id, bucket]))
                first = len(columns)
                for k in range(places):
                    columns.append(
                        resource.window_cost + k * resource.window_step)
                pair_columns[engineer_id, bucket] = range(
                    first, first + places)
                engineer_columns.extend(range(first, first + places))
            surplus = len(engineer_columns) - day_left
            for _ in range(max(surplus, 0)):
                blockers.append(engineer_columns)

        n_orders, n_places = len(date_orders), len(columns)
        matrix = np.full(
            (n_orders + len(blockers), n_places + n_orders), np.inf)
        place_cost = np.array(columns, dtype=float)
        for (engineer_id, bucket), rows in pairs.items():
            cols = pair_columns[engineer_id, bucket]
            if not len(cols):
                continue
            cols = np.arange(cols.start, cols.stop)
            for row, cost in rows:
                matrix[row, cols] = cost + place_cost[cols]
        for row, order in enumerate(date_orders):
            matrix[row, n_places + row] = unassigned_cost(order, weights)
        for i, cols in enumerate(blockers):
            matrix[n_orders + i, cols] = 0.

        row_ind, col_ind = linear_sum_assignment(matrix)
        column_engineer = np.empty(n_places, dtype=np.int64)
        for (engineer_id, bucket), cols in pair_columns.items():
            column_engineer[cols.start:cols.stop] = engineer_id
        for row, col in zip(row_ind, col_ind):
            if row >= n_orders:
                continue
            order = date_orders[row]
            cost = float(matrix[row, col])
            total += cost
            if col < n_places:
                assignment[order.id] = (int(column_engineer[col]), cost)
            elif any(c.eligible for c in candidates[order.id]):
                unassigned[order.id] = 'fully_booked'
            else:
                unassigned[order.id] = 'no_engineer'
    return BatchResult(
        assignment=assignment, unassigned=unassigned,
        candidates=candidates, cost=total, dates=len(by_date))


def batch_cost(orders, engineers, assignment, weights=WEIGHTS,
        candidates=None):
    """The total cost of assignment {order id: engineer id} and whether it
    respects every hard constraint.

    The cost is what solve_batch minimises: the cost of each pair without
    its window share, the window shares of the places taken (the k-th new
    visit of an engineer in a bucket costs k window steps more) and the cost
    of the orders left.  Return (cost, violations)."""
    if candidates is None:
        candidates = evaluate_all(orders, engineers, weights)
    engineers_by_id = {e.id: e for e in engineers}
    by_date = defaultdict(list)
    for order in orders:
        by_date[order.date].append(order)
    total, violations = 0., []
    for date, date_orders in by_date.items():
        bucket_of, buckets = window_buckets(date_orders)
        taken = defaultdict(int)
        day = defaultdict(int)
        for order in date_orders:
            engineer_id = assignment.get(order.id)
            if engineer_id is None:
                total += unassigned_cost(order, weights)
                continue
            candidate = next((c for c in candidates[order.id]
                    if c.engineer == engineer_id), None)
            if candidate is None or not candidate.eligible:
                violations.append((order.id, engineer_id, 'ineligible'))
                continue
            total += candidate.base_cost
            taken[engineer_id, bucket_of[order.id]] += 1
            day[engineer_id] += 1
        for engineer_id, count in day.items():
            engineer = engineers_by_id[engineer_id]
            bucket_resources, day_left = resources(
                engineer, date, buckets, weights)
            if count > day_left:
                violations.append((date, engineer_id, 'capacity'))
            for resource in bucket_resources:
                n = taken.get((engineer_id, resource.bucket), 0)
                if n > resource.places:
                    violations.append((date, engineer_id, 'window'))
                total += sum(resource.window_cost + k * resource.window_step
                    for k in range(n))
    return total, violations


# ---------------------------------------------------------------------------
# Work orders
# ---------------------------------------------------------------------------

BUSY_STATES = ['dispatched', 'on_the_way', 'in_progress', 'waiting', 'done']
DISPATCH_RESULTS = [
    (None, ""),
    ('auto', "Dispatched Automatically"),
    ('manual', "Dispatched by Hand"),
    ('left', "Left by Auto Dispatch"),
    ]
# How many orders auto_dispatch dispatches in one call
DISPATCH_GROUP = 100


def _datetime(value):
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value


def _window(start, end):
    "The window in minutes of an appointment from start to end"
    if not start:
        return 0, WORKDAY_MINUTES
    first = minutes(start)
    if not end or end <= start:
        return first, min(first + 60, 24 * 60)
    if end.date() > start.date():
        return first, 24 * 60
    return first, max(minutes(end), first + 1)


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    dispatch_candidates = fields.One2Many(
        'appliance.work_order.dispatch_candidate', 'work_order',
        "Dispatch Candidates", readonly=True,
        help="How each engineer of the region was weighed "
        "when the order was last dispatched.")
    dispatch_result = fields.Selection(
        DISPATCH_RESULTS, "Dispatch Result", readonly=True)
    dispatch_note = fields.Function(
        fields.Text(
            "Dispatch Note",
            help="Why the order went to its engineer or was left."),
        'get_dispatch_note')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {('dispatched', 'scheduled')}
        cls._buttons.update({
                'dispatch_wizard': {
                    'invisible': Eval('state') != 'scheduled',
                    'depends': ['state'],
                    },
                'auto_dispatch_wizard': {
                    'invisible': Eval('state') != 'scheduled',
                    'depends': ['state'],
                    },
                'reschedule_wizard': {
                    'invisible': ~Eval('state').in_(
                        ['scheduled', 'dispatched']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('dispatch_candidates', None)
        default.setdefault('dispatch_result', None)
        return super().copy(orders, default=default)

    def required_skill_level(self):
        """Return the (category, brand, level) the engineer must master.

        The category and brand come from the appliance; the level is 1
        unless the repair plan of the order asks for more."""
        category = brand = None
        if self.appliance:
            category = self.appliance.category
            brand = self.appliance.brand
        level = 1
        plan_skill_level = getattr(self, 'plan_skill_level', None)
        if plan_skill_level:
            level = max(level, plan_skill_level() or 1)
        return category, brand, level

    def _dispatch_info(self, slot=None):
        "Return the OrderInfo of the order, in slot if given"
        category, brand, level = self.required_skill_level()
        categories = set()
        while category:
            categories.add(category.id)
            category = category.parent
        if slot:
            start, end = slot.start, slot.end
        else:
            start, end = self.appointment_start, self.appointment_end
        start, end = _datetime(start), _datetime(end)
        window_start, window_end = _window(start, end)
        address = self.address
        return OrderInfo(
            id=self.id,
            region=self.region.id if self.region else None,
            date=start.date() if start else None,
            start=window_start,
            end=window_end,
            categories=frozenset(categories),
            brand=brand.id if brand else None,
            level=level,
            latitude=address.latitude if address else None,
            longitude=address.longitude if address else None,
            priority=int(self.priority or 1))

    @classmethod
    def _dispatch_engineers(cls, engineers, dates, exclude=()):
        "Return the EngineerInfo of engineers with their visits on dates"
        pool = Pool()
        Employee = pool.get('company.employee')
        default_capacity = Employee.default_daily_capacity()
        bookings = cls._dispatch_bookings(engineers, dates, exclude)
        infos = []
        for engineer in engineers:
            infos.append(EngineerInfo(
                    id=engineer.id,
                    regions=frozenset(r.id for r in engineer.service_regions),
                    skills=tuple(
                        (s.category.id if s.category else None,
                            s.brand.id if s.brand else None,
                            int(s.level))
                        for s in engineer.skills),
                    working_days=frozenset(
                        int(d) for d in engineer.working_days or ()),
                    leaves=tuple(
                        (l.start_date, l.end_date) for l in engineer.leaves),
                    capacity=(engineer.daily_capacity
                        if engineer.daily_capacity is not None
                        else default_capacity),
                    latitude=engineer.base_latitude,
                    longitude=engineer.base_longitude,
                    start_date=engineer.start_date,
                    end_date=engineer.end_date,
                    bookings=bookings.get(engineer.id, {})))
        return infos

    @classmethod
    def _dispatch_bookings(cls, engineers, dates, exclude=()):
        """Return {engineer id: {date: [(start, end)]}} of the visits
        already dispatched to engineers on dates, but the orders exclude"""
        dates = {d for d in dates if d}
        result = defaultdict(lambda: defaultdict(list))
        if not dates or not engineers:
            return result
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        exclude = set(exclude)
        begin = dt.datetime.combine(min(dates), dt.time())
        finish = dt.datetime.combine(
            max(dates) + dt.timedelta(days=1), dt.time())
        for sub_ids in grouped_slice(
                [e.id for e in engineers], backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.id, table.engineer,
                    table.appointment_start, table.appointment_end,
                    where=fields.SQL_OPERATORS['in'](
                        table.engineer, list(sub_ids))
                    & table.state.in_(BUSY_STATES)
                    & (table.appointment_start >= begin)
                    & (table.appointment_start < finish)))
            for order_id, engineer, start, end in cursor:
                if order_id in exclude:
                    continue
                start, end = _datetime(start), _datetime(end)
                if start.date() in dates:
                    result[engineer][start.date()].append(
                        _window(start, end))
        return result

    @classmethod
    def _service_engineers(cls, company):
        pool = Pool()
        Employee = pool.get('company.employee')
        return Employee.search([
                ('company', '=', company.id),
                ('service_engineer', '=', True),
                ], order=[('id', 'ASC')])

    @classmethod
    def dispatch_evaluate(cls, orders):
        "Return {order id: ranked Candidates} for the engineers of the region"
        result = {}
        for company, company_orders in groupby(
                sorted(orders, key=lambda o: o.company.id),
                key=lambda o: o.company):
            company_orders = list(company_orders)
            infos = [o._dispatch_info() for o in company_orders]
            engineers = cls._dispatch_engineers(
                cls._service_engineers(company),
                {i.date for i in infos},
                exclude={o.id for o in company_orders})
            result.update(evaluate_all(infos, engineers))
        return result

    @classmethod
    @require_state('scheduled')
    def plan_dispatch(cls, orders):
        "Return the BatchResult of the best dispatch of orders at once"
        result = BatchResult(assignment={}, unassigned={}, candidates={})
        for company, company_orders in groupby(
                sorted(orders, key=lambda o: o.company.id),
                key=lambda o: o.company):
            company_orders = list(company_orders)
            infos = [o._dispatch_info() for o in company_orders]
            engineers = cls._dispatch_engineers(
                cls._service_engineers(company),
                {i.date for i in infos},
                exclude={o.id for o in company_orders})
            company_result = solve_batch(infos, engineers)
            result.assignment.update(company_result.assignment)
            result.unassigned.update(company_result.unassigned)
            result.candidates.update(company_result.candidates)
            result.cost += company_result.cost
            result.dates += company_result.dates
        return result

    @classmethod
    @require_state('scheduled')
    def auto_dispatch(cls, orders):
        """Dispatch orders at once to the engineers of least total cost.

        The orders no engineer can take stay scheduled: their dispatch note
        says why.  Return the BatchResult."""
        plan = cls.plan_dispatch(orders)
        cls.store_dispatch_candidates(orders, plan.candidates, {
                o: e for o, (e, _) in plan.assignment.items()})
        by_engineer = defaultdict(list)
        left = []
        for order in orders:
            if order.id in plan.assignment:
                engineer_id, _ = plan.assignment[order.id]
                by_engineer[engineer_id].append(order)
            else:
                left.append(order)
        to_write = []
        for engineer_id, engineer_orders in by_engineer.items():
            to_write.extend([engineer_orders, {'engineer': engineer_id}])
        if left:
            to_write.extend([left, {'dispatch_result': 'left'}])
        if to_write:
            # dispatch checks the engineers right after
            with Transaction().set_context(
                    _appliance_dispatch_checked=True):
                cls.write(*to_write)
        # Dispatch by groups of whole engineers: the records of a call are
        # read together, which costs more than linearly
        group = []
        with Transaction().set_context(_appliance_auto_dispatch=True):
            for engineer_orders in by_engineer.values():
                group.extend(engineer_orders)
                if len(group) >= DISPATCH_GROUP:
                    cls.dispatch(cls.browse(group))
                    group = []
            if group:
                cls.dispatch(cls.browse(group))
        return plan

    @classmethod
    def get_dispatch_note(cls, orders, name):
        "Explain the dispatch of the orders from their candidates"
        pool = Pool()
        DispatchCandidate = pool.get(
            'appliance.work_order.dispatch_candidate')
        reasons = dict(DispatchCandidate.fields_get(
                ['reason'])['reason']['selection'])
        candidates = defaultdict(list)
        for sub_orders in grouped_slice(orders, backend.MAX_QUERY_PARAMS):
            for candidate in DispatchCandidate.search([
                        ('work_order', 'in', [o.id for o in sub_orders]),
                        ]):
                candidates[candidate.work_order.id].append(candidate)
        notes = {}
        for order in orders:
            rows = candidates[order.id]
            selected = [c for c in rows if c.selected]
            note = None
            if order.dispatch_result in {'auto', 'manual'} and selected:
                candidate, = selected
                note = gettext(
                    'appliance_service.msg_dispatch_note_'
                    + order.dispatch_result,
                    engineer=candidate.engineer.rec_name,
                    cost=_format(candidate.cost),
                    breakdown=candidate_breakdown(candidate),
                    rank=candidate.rank,
                    eligible=len([c for c in rows if c.eligible]))
            elif order.dispatch_result == 'left':
                note = _unassigned_note(order, rows, reasons)
            notes[order.id] = note
        return notes

    @classmethod
    def store_dispatch_candidates(cls, orders, candidates, selected=None):
        """Replace the dispatch candidates of orders by candidates
        {order id: [Candidate]}; selected is {order id: engineer id}"""
        pool = Pool()
        DispatchCandidate = pool.get(
            'appliance.work_order.dispatch_candidate')
        selected = selected or {}
        rows = []
        for order in orders:
            rank = 0
            for candidate in candidates.get(order.id, []):
                if candidate.eligible:
                    rank += 1
                rows.append(DispatchCandidate.values_from(
                        candidate,
                        rank=rank if candidate.eligible else None,
                        selected=selected.get(order.id) == candidate.engineer
                        ))
        DispatchCandidate.replace([o.id for o in orders], rows)

    @classmethod
    def _check_dispatch(cls, pairs, slot=None):
        """Raise DispatchError unless each engineer may take its order.

        pairs are (order, engineer) taken in turn: each order counts in the
        day and window of the engineer for the orders after it.  With slot,
        the orders are checked as if they were in slot."""
        pairs = [(o, e) for o, e in pairs if e]
        if not pairs:
            return
        infos = {o: o._dispatch_info(slot=slot) for o, _ in pairs}
        engineers = {i.id: i for i in cls._dispatch_engineers(
                list({e for _, e in pairs}), {i.date for i in infos.values()},
                exclude={o.id for o, _ in pairs})}
        for order, engineer in pairs:
            info = infos[order]
            engineer_info = engineers[engineer.id]
            candidate = evaluate(info, engineer_info)
            if not candidate.eligible:
                raise DispatchError(
                    order._dispatch_error(engineer, info, candidate))
            if info.date:
                engineer_info.bookings.setdefault(info.date, []).append(
                    info.window)

    def _dispatch_error(self, engineer, info, candidate):
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        variables = {
            'engineer': engineer.rec_name,
            'order': self.rec_name,
            }
        if info.date:
            variables['date'] = lang.strftime(info.date)
        if candidate.reason == 'region':
            variables['region'] = self.region.rec_name
        elif candidate.reason == 'skill':
            category, brand, _ = self.required_skill_level()
            variables.update({
                    'appliance': ' / '.join(
                        r.rec_name for r in [category, brand] if r) or '-',
                    'level': candidate.skill_level,
                    'required': candidate.required_level,
                    })
        elif candidate.reason == 'capacity':
            variables.update({
                    'load': candidate.day_load,
                    'capacity': candidate.capacity,
                    })
        elif candidate.reason == 'window':
            variables.update({
                    'load': candidate.window_load,
                    'start': _format_minutes(info.start),
                    'end': _format_minutes(info.end),
                    })
        return gettext(
            'appliance_service.msg_dispatch_' + candidate.reason,
            **variables)

    @classmethod
    def validate_fields(cls, orders, field_names):
        super().validate_fields(orders, field_names)
        if ('engineer' in field_names and not Transaction().context.get(
                    '_appliance_dispatch_checked')):
            # Refuse the engineer as soon as the dispatcher saves the choice
            cls._check_dispatch([(o, o.engineer) for o in orders
                    if o.state == 'scheduled'])

    def check_engineer(self, engineer):
        super().check_engineer(engineer)
        if not Transaction().context.get('_appliance_dispatch_checked'):
            self._check_dispatch([(self, engineer)])

    @classmethod
    @ModelView.button
    @require_state('scheduled')
    def dispatch(cls, orders):
        # Check all the orders together so that the orders given to the same
        # engineer add up in the day and the window
        cls._check_dispatch([(o, o.engineer) for o in orders])
        cls._mark_selected_candidates(orders)
        result = ('auto' if Transaction().context.get(
                '_appliance_auto_dispatch') else 'manual')
        cls.write(orders, {'dispatch_result': result})
        with Transaction().set_context(_appliance_dispatch_checked=True):
            super().dispatch(orders)

    @classmethod
    def _mark_selected_candidates(cls, orders):
        "Mark the candidate of the engineer of each order as selected"
        pool = Pool()
        DispatchCandidate = pool.get(
            'appliance.work_order.dispatch_candidate')
        by_engineer = defaultdict(list)
        for order in orders:
            by_engineer[order.engineer.id if order.engineer else None].append(
                order.id)
        DispatchCandidate.set_selected(
            [o.id for o in orders],
            {e: ids for e, ids in by_engineer.items() if e})

    @classmethod
    def reschedule(cls, orders, slot):
        super().reschedule(orders, slot)
        cls._check_dispatch([(o, o.engineer) for o in orders
                if o.state == 'dispatched'])

    @classmethod
    @require_state('dispatched')
    @Workflow.transition('scheduled')
    def release(cls, orders):
        "Take the engineer off dispatched orders to dispatch them again"
        cls.write(orders, {
                'engineer': None,
                'assigned_at': None,
                'dispatch_result': None,
                })
        cls._mark_selected_candidates(orders)
        cls.log_event(orders, 'appliance_service.msg_event_released',
            state='scheduled')

    @classmethod
    @ModelView.button_action('appliance_service.wizard_work_order_dispatch')
    def dispatch_wizard(cls, orders):
        pass

    @classmethod
    @ModelView.button_action(
        'appliance_service.wizard_work_order_auto_dispatch')
    def auto_dispatch_wizard(cls, orders):
        pass

    @classmethod
    @ModelView.button_action(
        'appliance_service.wizard_work_order_reschedule')
    def reschedule_wizard(cls, orders):
        pass


def _format(value, digits=1):
    pool = Pool()
    Lang = pool.get('ir.lang')
    return Lang.get().format_number(value, digits)


def _check_state(records, *states):
    "Raise like common.require_state unless every record is in states"
    require_state(*states)(lambda cls, records: None)(None, records)


def _unassigned_note(order, candidates, labels):
    "Why no engineer was given to order; labels are the reasons translated"
    if not candidates:
        return gettext('appliance_service.msg_dispatch_note_no_region',
            region=order.region.rec_name)
    eligible = [c for c in candidates if c.eligible]
    if not eligible:
        counts = defaultdict(int)
        for candidate in candidates:
            counts[candidate.reason] += 1
        keys = [r for r, _ in REASONS]
        return gettext('appliance_service.msg_dispatch_note_no_engineer',
            reasons=', '.join(f'{labels[r]} ({counts[r]})'
                for r in sorted(counts, key=keys.index)))
    return gettext('appliance_service.msg_dispatch_note_fully_booked',
        eligible=len(eligible),
        cost=_format(unassigned_cost(
                    OrderInfo(id=order.id, region=None,
                        priority=int(order.priority or 1)))))


def _format_minutes(value):
    return '%02d:%02d' % divmod(value, 60)


def candidate_breakdown(candidate):
    "The translated breakdown of the cost of candidate"
    if candidate.distance_km is None:
        distance = gettext('appliance_service.msg_dispatch_no_location')
    else:
        distance = gettext('appliance_service.msg_dispatch_distance',
            distance=_format(candidate.distance_km))
    return gettext('appliance_service.msg_dispatch_breakdown',
        distance=distance,
        distance_cost=_format(candidate.distance_cost),
        level=candidate.skill_level,
        required=candidate.required_level,
        skill_cost=_format(candidate.skill_cost),
        load=candidate.day_load,
        capacity=(candidate.daily_capacity
            if hasattr(candidate, 'daily_capacity') else candidate.capacity),
        workload_cost=_format(candidate.workload_cost),
        window_load=candidate.window_load,
        window_capacity=candidate.window_capacity,
        window_cost=_format(candidate.window_cost))


class DispatchCandidate(ModelSQL, ModelView):
    "Dispatch candidate"
    __name__ = 'appliance.work_order.dispatch_candidate'

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", required=True, readonly=True,
        ondelete='CASCADE')
    engineer = fields.Many2One(
        'company.employee', "Engineer", required=True, readonly=True,
        ondelete='CASCADE')
    rank = fields.Integer(
        "Rank", readonly=True,
        help="1 for the cheapest eligible engineer; "
        "empty for the ineligible ones.")
    eligible = fields.Boolean("Eligible", readonly=True)
    reason = fields.Selection(
        REASONS, "Reason", readonly=True, sort=False,
        help="The hard constraint the engineer fails, if any.")
    reason_string = reason.translated('reason')
    required_level = fields.Integer("Required Level", readonly=True)
    skill_level = fields.Integer("Skill Level", readonly=True)
    distance_km = fields.Float(
        "Distance (km)", digits=(16, 1), readonly=True,
        help="Straight-line distance from the engineer's home base "
        "to the address; empty when a location is missing.")
    day_load = fields.Integer(
        "Visits That Day", readonly=True,
        help="The visits already dispatched to the engineer "
        "on the appointment date.")
    daily_capacity = fields.Integer("Daily Capacity", readonly=True)
    window_load = fields.Integer(
        "Visits in Window", readonly=True,
        help="The visits already dispatched to the engineer "
        "in the appointment window.")
    window_capacity = fields.Integer(
        "Window Capacity", readonly=True,
        help="How many visits fit in the window at the engineer's "
        "daily pace.")
    distance_cost = fields.Float(
        "Distance Cost", digits=(16, 2), readonly=True)
    skill_cost = fields.Float(
        "Skill Cost", digits=(16, 2), readonly=True,
        help="Charged for each level above the requirement "
        "to keep the best engineers for the hard jobs.")
    workload_cost = fields.Float(
        "Workload Cost", digits=(16, 2), readonly=True)
    window_cost = fields.Float("Window Cost", digits=(16, 2), readonly=True)
    cost = fields.Float(
        "Cost", digits=(16, 2), readonly=True,
        help="The sum of the costs; the lowest wins.")
    selected = fields.Boolean(
        "Selected", readonly=True,
        help="The order was dispatched to this engineer.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.work_order, Index.Equality())))
        cls._order = [
            ('work_order', 'ASC'), ('eligible', 'DESC'), ('cost', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def set_selected(cls, order_ids, engineers):
        """Select the candidates of engineers {engineer id: order ids}
        among those of order_ids, and only them"""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        ModelAccess.check(cls.__name__, 'write')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        in_ = fields.SQL_OPERATORS['in']
        for sub_ids in grouped_slice(order_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.update(
                    [table.selected], [False],
                    where=in_(table.work_order, list(sub_ids))
                    & (table.selected == Literal(True))))
        for engineer_id, ids in engineers.items():
            for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
                cursor.execute(*table.update(
                        [table.selected], [True],
                        where=in_(table.work_order, list(sub_ids))
                        & (table.engineer == engineer_id)))
        cls._clear_caches()

    @classmethod
    def _clear_caches(cls):
        "Like create and write, make the records read before reload"
        transaction = Transaction()
        transaction.counter += 1
        for cache in transaction.cache.values():
            for model in [cls.__name__, 'appliance.work_order']:
                if model in cache:
                    cache[model].clear()

    @classmethod
    def replace(cls, order_ids, rows):
        """Replace the candidates of the orders by rows (values_from).

        A batch dispatch writes tens of thousands of these derived rows:
        they go in with one INSERT per chunk, after the access checks of
        delete and create, instead of create which costs a millisecond a
        row."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        ModelAccess.check(cls.__name__, 'delete')
        ModelAccess.check(cls.__name__, 'create')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        for sub_ids in grouped_slice(order_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.delete(
                    where=fields.SQL_OPERATORS['in'](
                        table.work_order, list(sub_ids))))
        if rows:
            names = sorted(rows[0])
            columns = [table.create_uid, table.create_date] + [
                Column(table, n) for n in names]
            size = max(1, backend.MAX_QUERY_PARAMS // len(columns))
            for sub_rows in grouped_slice(rows, size):
                cursor.execute(*table.insert(columns, [
                            [transaction.user, CurrentTimestamp()]
                            + [r[n] for n in names] for r in sub_rows]))
        cls._clear_caches()

    @classmethod
    def values_from(cls, candidate, **values):
        return {
            'work_order': candidate.order,
            'engineer': candidate.engineer,
            'eligible': candidate.eligible,
            'reason': candidate.reason,
            'required_level': candidate.required_level,
            'skill_level': candidate.skill_level,
            'distance_km': (round(candidate.distance_km, 1)
                if candidate.distance_km is not None else None),
            'day_load': candidate.day_load,
            'daily_capacity': candidate.capacity,
            'window_load': candidate.window_load,
            'window_capacity': candidate.window_capacity,
            'distance_cost': round(candidate.distance_cost, 2),
            'skill_cost': round(candidate.skill_cost, 2),
            'workload_cost': round(candidate.workload_cost, 2),
            'window_cost': round(candidate.window_cost, 2),
            'cost': round(candidate.cost, 2),
            **values,
            }


class DispatchStart(ModelView):
    "Dispatch a work order"
    __name__ = 'appliance.work_order.dispatch.start'

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", readonly=True)
    requirement = fields.Char("Requirement", readonly=True)
    candidates = fields.Many2Many(
        'appliance.work_order.dispatch_candidate', None, None,
        "Candidates", readonly=True,
        help="The engineers of the region, the cheapest eligible first.")
    eligible_engineers = fields.Many2Many(
        'company.employee', None, None, "Eligible Engineers",
        readonly=True)
    engineer = fields.Many2One(
        'company.employee', "Engineer", required=True,
        domain=[('id', 'in', Eval('eligible_engineers', []))],
        help="The best candidate is proposed; "
        "any other eligible engineer may be chosen.")


class Dispatch(Wizard):
    "Dispatch a work order"
    __name__ = 'appliance.work_order.dispatch'
    start_state = 'evaluate'

    evaluate = StateTransition()
    start = StateView(
        'appliance.work_order.dispatch.start',
        'appliance_service.dispatch_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Dispatch", 'dispatch', 'tryton-ok', default=True),
            ])
    dispatch = StateTransition()

    def transition_evaluate(self):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        order = self.record
        _check_state([order], 'scheduled')
        candidates = WorkOrder.dispatch_evaluate([order])
        WorkOrder.store_dispatch_candidates([order], candidates)
        return 'start'

    def default_start(self, fields):
        order = self.record
        category, brand, level = order.required_skill_level()
        requirement = gettext('appliance_service.msg_dispatch_requirement',
            appliance=' / '.join(
                r.rec_name for r in [category, brand] if r) or '-',
            level=level,
            region=order.region.rec_name)
        candidates = list(order.dispatch_candidates)
        eligible = [c for c in candidates if c.eligible]
        eligible.sort(key=lambda c: c.rank)
        return {
            'work_order': order.id,
            'requirement': requirement,
            'candidates': [c.id for c in candidates],
            'eligible_engineers': [c.engineer.id for c in eligible],
            'engineer': eligible[0].engineer.id if eligible else None,
            }

    def transition_dispatch(self):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        order = self.record
        order.engineer = self.start.engineer
        order.save()
        WorkOrder.dispatch([order])
        return 'end'


class AutoDispatchStart(ModelView):
    "Automatic dispatch plan"
    __name__ = 'appliance.work_order.auto_dispatch.start'

    lines = fields.One2Many(
        'appliance.work_order.auto_dispatch.line', None, "Plan",
        readonly=True)
    assigned = fields.Integer("Dispatched", readonly=True)
    unassigned = fields.Integer("Left", readonly=True)
    cost = fields.Float(
        "Total Cost", digits=(16, 1), readonly=True,
        help="The sum of the costs of the visits "
        "and of the orders left.")


class AutoDispatchLine(ModelView):
    "Automatic dispatch plan line"
    __name__ = 'appliance.work_order.auto_dispatch.line'

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", readonly=True)
    appointment_start = fields.DateTime("Appointment", readonly=True)
    engineer = fields.Many2One(
        'company.employee', "Engineer", readonly=True)
    rank = fields.Integer(
        "Rank", readonly=True,
        help="The rank of the engineer among the eligible ones "
        "of the order alone.")
    distance_km = fields.Float(
        "Distance (km)", digits=(16, 1), readonly=True)
    cost = fields.Float("Cost", digits=(16, 2), readonly=True)
    note = fields.Char("Note", readonly=True)


class AutoDispatch(Wizard):
    "Dispatch work orders automatically"
    __name__ = 'appliance.work_order.auto_dispatch'

    start = StateView(
        'appliance.work_order.auto_dispatch.start',
        'appliance_service.auto_dispatch_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Dispatch", 'dispatch', 'tryton-ok', default=True,
                states={
                    'readonly': ~Eval('assigned', 0),
                    }),
            ])
    dispatch = StateTransition()

    def default_start(self, fields):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        Candidate = pool.get('appliance.work_order.dispatch_candidate')
        reasons = dict(Candidate.fields_get(['reason'])['reason']['selection'])
        orders = self.records
        plan = WorkOrder.plan_dispatch(orders)
        lines = []
        for order in sorted(orders, key=lambda o: (
                    o.id in plan.assignment,
                    o.appointment_start or dt.datetime.min, o.id)):
            candidates = plan.candidates.get(order.id, [])
            eligible = [c for c in candidates if c.eligible]
            line = {
                'work_order': order.id,
                'appointment_start': order.appointment_start,
                }
            if order.id in plan.assignment:
                engineer_id, cost = plan.assignment[order.id]
                candidate, = [
                    c for c in candidates if c.engineer == engineer_id]
                line.update({
                        'engineer': engineer_id,
                        'rank': eligible.index(candidate) + 1,
                        'distance_km': (round(candidate.distance_km, 1)
                            if candidate.distance_km is not None else None),
                        'cost': round(cost, 2),
                        'note': candidate_breakdown(candidate),
                        })
            else:
                line['note'] = _unassigned_note(order, candidates, reasons)
            lines.append(line)
        return {
            'lines': lines,
            'assigned': len(plan.assignment),
            'unassigned': len(plan.unassigned),
            'cost': round(plan.cost, 2),
            }

    def transition_dispatch(self):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        WorkOrder.auto_dispatch(self.records)
        return 'end'


class RescheduleStart(ModelView):
    "Reschedule work orders"
    __name__ = 'appliance.work_order.reschedule.start'

    region = fields.Many2One(
        'appliance.service.region', "Region", readonly=True)
    count = fields.Integer("Orders", readonly=True)
    slot = fields.Many2One(
        'appliance.slot', "New Slot", required=True,
        domain=[
            ('region', '=', Eval('region', -1)),
            ('date', '>=', Date()),
            ('available', '>=', Eval('count', 1)),
            ])
    release_engineer = fields.Boolean(
        "Release Engineer",
        help="Send the dispatched orders whose engineer cannot make the "
        "new slot back for dispatch instead of refusing the change.")


class Reschedule(Wizard):
    "Reschedule work orders"
    __name__ = 'appliance.work_order.reschedule'

    start = StateView(
        'appliance.work_order.reschedule.start',
        'appliance_service.reschedule_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reschedule", 'reschedule', 'tryton-ok', default=True),
            ])
    reschedule = StateTransition()

    def default_start(self, fields):
        orders = self.records
        _check_state(orders, 'scheduled', 'dispatched')
        regions = {o.region for o in orders}
        if len(regions) > 1:
            raise DispatchError(gettext(
                    'appliance_service.msg_reschedule_regions',
                    regions=', '.join(sorted(r.rec_name for r in regions))))
        region, = regions
        return {
            'region': region.id,
            'count': len(orders),
            }

    def transition_reschedule(self):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        orders = self.records
        slot = self.start.slot
        if any(o.region != slot.region for o in orders):
            raise DispatchError(gettext(
                    'appliance_service.msg_reschedule_slot_region',
                    slot=slot.rec_name))
        if self.start.release_engineer:
            kept, to_release = [], []
            for order in orders:
                if order.state != 'dispatched':
                    continue
                try:
                    WorkOrder._check_dispatch(
                        kept + [(order, order.engineer)], slot=slot)
                except DispatchError:
                    to_release.append(order)
                else:
                    kept.append((order, order.engineer))
            if to_release:
                WorkOrder.release(to_release)
                orders = WorkOrder.browse(orders)
        try:
            WorkOrder.reschedule(orders, slot)
        except DispatchError as exception:
            raise DispatchError(gettext(
                    'appliance_service.msg_reschedule_release',
                    error=exception.message)) from exception
        return 'end'

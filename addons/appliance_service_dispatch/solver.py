# This file is part of the appliance_service_dispatch module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
"""The dispatch solver: who should visit which customer.

Plain Python on numpy and scipy, without database nor Tryton: the data of an
order and of an engineer, the hard constraints and the cost of a pair, and
the batch solver.  work_order.py feeds it the work orders and engineers;
bench/dispatch_bench.py and tests/test_dispatch_solver.py run the very same
functions.

Cost model (lower is better, in "kilometre equivalents"; the weights are
the company's in the appliance configuration, Weights holds their defaults):

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
from typing import Optional

import numpy as np
from scipy.optimize import linear_sum_assignment

EARTH_RADIUS_KM = 6371.0088
WORKDAY_MINUTES = 8 * 60

# Why an engineer is ineligible (the labels are those of the dispatch
# candidates)
REASONS = [
    ('eligible', "Eligible"),
    ('region', "Outside Service Regions"),
    ('not_working', "Not a Working Day"),
    ('leave', "On Leave"),
    ('skill', "Insufficient Skill"),
    ('certificate', "Missing Certificate"),
    ('capacity', "Day Fully Booked"),
    ('window', "Window Fully Booked"),
    ]


@dataclass(frozen=True)
class Weights:
    "The weights of the costs"
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
    # The engineers who may not take the order whatever their other merits
    # (appliance_service_hr: a mandatory certificate missing or expired)
    excluded: frozenset = frozenset()

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


def appointment_window(start, end):
    "The window in minutes of an appointment from start to end"
    if not start:
        return 0, WORKDAY_MINUTES
    first = minutes(start)
    if not end or end <= start:
        return first, min(first + 60, 24 * 60)
    if end.date() > start.date():
        return first, 24 * 60
    return first, max(minutes(end), first + 1)


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
    elif engineer.id in order.excluded:
        reason = 'certificate'
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

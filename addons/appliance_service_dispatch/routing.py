# This file is part of the appliance_service_dispatch module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"""Route planning: each engineer's day as a route through the visits.

Plain Python (no database): plain dataclasses in, plain dataclasses out, so
that the Tryton models, the tests and bench/route_bench.py run the very
same code.

- A Vehicle is an engineer on a date: it leaves its home base and comes
  back to it within its shift, with a capacity (in visits by default) and
  the visits it may do (region, skill, certificates and leave are computed
  by the caller into ``allowed``), with a surcharge per visit for
  over-qualification.
- A Visit is a work order: its appointment window (the visit must start
  inside it), its service time, the prize of serving it (what leaving it
  costs), whether it is required, the engineer it is booked to
  (``fixed_vehicle``) and, when re-planning, the engineer it was planned
  for and whether the customer was told.
- Travel gives the distance and driving time between points; the default
  is the straight line times a detour factor at a constant speed, a road
  matrix (e.g. from an OSRM server) may replace it.

The problem is solved by PyVRP (vehicle routing with time windows, prizes
and heterogeneous vehicles), single threaded.  Every cost is in "kilometre
equivalents", the unit of the dispatch score: one driven kilometre costs 1.

A pair that is not allowed must never be chosen: each vehicle whose costs
differ (forbidden visits, surcharges, change costs) gets its own PyVRP
"profile", a distance matrix where the edges into a forbidden visit carry a
finite penalty larger than any prize (PyVRP's default of 2**44 makes its
start-up crawl), and the result is checked (check_plan) and repaired: a
visit that breaks a rule is dropped and inserted again where it fits.
"""
import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Hashable, Mapping, Optional, Sequence

import numpy as np
import pyvrp
from pyvrp import (
    Client, Depot, Location, PenaltyParams, ProblemData, Solution, VehicleType)

EARTH_RADIUS_KM = 6371.0088
DEFAULT_DETOUR = 1.3
DEFAULT_SPEED_KMH = 30.
# PyVRP works on integers: metres and seconds by default
UNITS_PER_KM = 1000
UNITS_PER_MINUTE = 60
MAX_PENALTY = PenaltyParams().max_penalty
SOLVE_PARAMS = pyvrp.SolveParams()
# the history of late acceptance per second of search and visit of a route,
# within bounds (PyVRP's default is 300 whatever the search)
HISTORY_FACTOR = 5
MIN_HISTORY = 30
MAX_HISTORY = 1000
# tolerance on times in minutes (rounding to whole seconds)
EPSILON = 1e-6
# shares of the time of the passes when solving per area: each area with
# its own vehicles, the visits left with the vehicles of other areas, groups
# of neighbouring areas planned jointly from the routes found, and the
# routes shortened with the visits served fixed
FIRST_PASS_SHARE = .3
SECOND_PASS_SHARE = .05
JOINT_PASS_SHARE = .15
POLISH_PASS_SHARE = .5
# share of the time of planning again with the whole windows of the visits
# that could not keep the window they were told
WHOLE_WINDOW_SHARE = .2
# the most visits of a group of areas planned jointly
GROUP_VISITS = 500

# violation reasons
UNKNOWN = 'unknown'
DUPLICATE = 'duplicate'
FORBIDDEN = 'forbidden'
FIXED = 'fixed'
WINDOW = 'window'
SHIFT = 'shift'
TIMES = 'times'
CAPACITY = 'capacity'
REQUIRED = 'required'
ROUTE_REASONS = {DUPLICATE, FORBIDDEN, FIXED, WINDOW, SHIFT, TIMES, CAPACITY}


class RoutingError(ValueError):
    "A problem that cannot be planned; reason is a key, ids the culprits"

    def __init__(self, reason, ids=()):
        self.reason = reason
        self.ids = tuple(ids)
        super().__init__(f"{reason}: {', '.join(map(str, self.ids))}")


@dataclass(frozen=True)
class Vehicle:
    "An engineer on a date"
    id: Hashable
    latitude: float
    longitude: float
    # minutes from midnight: leave home not before, be back not after
    shift_start: float
    shift_end: float
    # the load of the day (visits by default); None for no limit
    capacity: Optional[int] = None
    # the visit ids it may do (region, skill, certificates); None for all
    allowed: Optional[frozenset] = None
    # visit id -> cost added when it does the visit (over-qualification)
    surcharges: Mapping[Hashable, float] = field(default_factory=dict)
    # the part of the problem it is planned with first (its home region)
    area: Hashable = None

    @property
    def point(self):
        return (self.latitude, self.longitude)

    def may_do(self, visit):
        if visit.fixed_vehicle is not None:
            return visit.fixed_vehicle == self.id
        return self.allowed is None or visit.id in self.allowed


@dataclass(frozen=True)
class Visit:
    "A work order to do on the date"
    id: Hashable
    latitude: float
    longitude: float
    # minutes from midnight: the visit starts inside [window_start,
    # window_end]
    window_start: float
    window_end: float
    service_minutes: float
    # what leaving it costs (priority, SLA risk); ignored when required
    prize: float = 0.
    required: bool = False
    load: int = 1
    # booked to this vehicle: no other may do it
    fixed_vehicle: Hashable = None
    # re-planning: the vehicle of the previous plan and whether the
    # customer was told; moving an announced visit costs change_cost
    previous_vehicle: Hashable = None
    announced: bool = False
    area: Hashable = None
    # re-planning: (start, end) in minutes from midnight of the arrival
    # window the customer was told; the visit starts inside it when it can
    kept_window: Optional[tuple] = None

    @property
    def point(self):
        return (self.latitude, self.longitude)

    def keeping_window(self):
        "The visit starting inside its kept window, or None when it cannot"
        if self.kept_window is None:
            return None
        start = max(self.window_start, self.kept_window[0])
        end = min(self.window_end, self.kept_window[1])
        if start > end:
            return None
        return replace(self, window_start=start, window_end=end)


class Travel(ABC):
    "Distances and driving times between points"

    @abstractmethod
    def matrix(self, points):
        """Return (km, minutes), two square arrays over points where [i, j]
        is from points[i] to points[j]"""


@dataclass(frozen=True)
class StraightLineTravel(Travel):
    "Great-circle distance times a detour factor, at a constant speed"
    detour: float = DEFAULT_DETOUR
    speed_kmh: float = DEFAULT_SPEED_KMH

    def matrix(self, points):
        coordinates = np.radians(np.asarray(points, dtype=float).reshape(
                -1, 2))
        lat, lon = coordinates[:, 0], coordinates[:, 1]
        a = (np.sin((lat[None, :] - lat[:, None]) / 2) ** 2
            + np.cos(lat[:, None]) * np.cos(lat[None, :])
            * np.sin((lon[None, :] - lon[:, None]) / 2) ** 2)
        km = (2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.)))
            * self.detour)
        return km, km / self.speed_kmh * 60


class MatrixTravel(Travel):
    "A given matrix over known points, e.g. road distances from OSRM"

    def __init__(self, points, km, minutes):
        self.index = {tuple(p): i for i, p in enumerate(points)}
        self.km = np.asarray(km, dtype=float)
        self.minutes = np.asarray(minutes, dtype=float)

    def matrix(self, points):
        try:
            rows = [self.index[tuple(p)] for p in points]
        except KeyError as exception:
            raise RoutingError('travel_point', exception.args)
        selection = np.ix_(rows, rows)
        return self.km[selection], self.minutes[selection]


@dataclass
class Problem:
    "The vehicles and visits of one date"
    vehicles: Sequence[Vehicle]
    visits: Sequence[Visit]
    travel: Travel = field(default_factory=StraightLineTravel)
    # cost of moving an announced visit to another vehicle
    change_cost: float = 30.
    # penalty of a forbidden pair in longest edges (at least above prizes)
    forbidden_factor: float = 50.
    # the integers PyVRP computes with
    units_per_km: float = UNITS_PER_KM
    units_per_minute: float = UNITS_PER_MINUTE

    def __post_init__(self):
        self.vehicles = list(self.vehicles)
        self.visits = list(self.visits)
        self.vehicle = _index_unique(self.vehicles, 'duplicate_vehicle')
        self.visit = _index_unique(self.visits, 'duplicate_visit')
        for vehicle in self.vehicles:
            if not vehicle.shift_start <= vehicle.shift_end:
                raise RoutingError('shift', [vehicle.id])
            if vehicle.capacity is not None and vehicle.capacity < 0:
                raise RoutingError('capacity', [vehicle.id])
        for visit in self.visits:
            if not visit.window_start <= visit.window_end:
                raise RoutingError('window', [visit.id])
            if visit.service_minutes < 0 or visit.load < 0 or visit.prize < 0:
                raise RoutingError('visit', [visit.id])

    def left_cost(self, visit):
        "What leaving visit costs: its prize, and the change if announced"
        cost = visit.prize
        if visit.announced and visit.previous_vehicle is not None:
            cost += self.change_cost
        return cost

    def extra_cost(self, vehicle, visit):
        "What vehicle doing visit costs on top of driving"
        cost = vehicle.surcharges.get(visit.id, 0.)
        if (visit.announced and visit.previous_vehicle is not None
                and visit.previous_vehicle != vehicle.id):
            cost += self.change_cost
        return cost


def _index_unique(records, reason):
    index = {}
    for record in records:
        if record.id in index:
            raise RoutingError(reason, [record.id])
        index[record.id] = record
    return index


@dataclass(frozen=True)
class Stop:
    "A visit in a route, times in minutes from midnight"
    visit: Hashable
    sequence: int
    arrival: float
    start: float
    departure: float
    # from the previous stop (or home)
    travel_km: float
    travel_minutes: float

    @property
    def wait(self):
        return self.start - self.arrival


@dataclass(frozen=True)
class Route:
    "The day of a vehicle"
    vehicle: Hashable
    stops: tuple = ()
    departure: Optional[float] = None
    arrival: Optional[float] = None
    # the way back home
    return_km: float = 0.
    return_minutes: float = 0.

    @property
    def visits(self):
        return [s.visit for s in self.stops]

    @property
    def km(self):
        return sum(s.travel_km for s in self.stops) + self.return_km

    @property
    def travel_minutes(self):
        return (sum(s.travel_minutes for s in self.stops)
            + self.return_minutes)

    @property
    def hours(self):
        if not self.stops:
            return 0.
        return (self.arrival - self.departure) / 60


@dataclass(frozen=True)
class Violation:
    "A rule a plan breaks"
    reason: str
    visit: Hashable = None
    vehicle: Hashable = None


@dataclass
class Plan:
    routes: list
    unserved: list
    # what the solver's result broke and was repaired
    repaired: list = field(default_factory=list)
    seconds: float = 0.
    parts: int = 0

    @property
    def km(self):
        return sum(r.km for r in self.routes)

    @property
    def travel_minutes(self):
        return sum(r.travel_minutes for r in self.routes)

    @property
    def served(self):
        return sum(len(r.stops) for r in self.routes)

    def assignment(self):
        "{visit id: (vehicle id, sequence)}"
        return {s.visit: (r.vehicle, s.sequence)
            for r in self.routes for s in r.stops}

    def cost(self, problem):
        "Driving plus surcharges plus the prizes of the visits left"
        cost = self.km
        for route in self.routes:
            vehicle = problem.vehicle[route.vehicle]
            cost += sum(problem.extra_cost(vehicle, problem.visit[v])
                for v in route.visits)
        return cost + sum(problem.left_cost(problem.visit[v])
            for v in self.unserved)


class Geometry:
    """The travel matrices of a problem: the homes of the vehicles first,
    then the visits"""

    def __init__(self, problem):
        # vehicles at the same home share it
        by_point = {}
        for vehicle in problem.vehicles:
            by_point.setdefault(vehicle.point, len(by_point))
        self.home = {v.id: by_point[v.point] for v in problem.vehicles}
        self.points = points = list(by_point)
        self.site = {}
        for visit in problem.visits:
            self.site[visit.id] = len(points)
            points.append(visit.point)
        km, minutes = problem.travel.matrix(points)
        self.km = np.asarray(km, dtype=float)
        self.minutes = np.asarray(minutes, dtype=float)
        shape = (len(points), len(points))
        for matrix in (self.km, self.minutes):
            if (matrix.shape != shape or not np.isfinite(matrix).all()
                    or (matrix < 0).any()):
                raise RoutingError('travel')


def schedule(problem, geometry, vehicle_id, visit_ids):
    """The Route of vehicle through visit_ids in that order, each visit at
    the earliest, leaving home just in time for the first one"""
    vehicle = problem.vehicle[vehicle_id]
    if not visit_ids:
        return Route(vehicle=vehicle_id)
    home = geometry.home[vehicle_id]
    first = geometry.site[visit_ids[0]]
    first_visit = problem.visit[visit_ids[0]]
    departure = max(vehicle.shift_start,
        first_visit.window_start - geometry.minutes[home, first])
    stops, previous, time_ = [], home, departure
    for sequence, visit_id in enumerate(visit_ids, 1):
        visit = problem.visit[visit_id]
        site = geometry.site[visit_id]
        travel = float(geometry.minutes[previous, site])
        arrival = time_ + travel
        start = max(arrival, visit.window_start)
        time_ = start + visit.service_minutes
        stops.append(Stop(
                visit=visit_id, sequence=sequence, arrival=arrival,
                start=start, departure=time_,
                travel_km=float(geometry.km[previous, site]),
                travel_minutes=travel))
        previous = site
    return Route(
        vehicle=vehicle_id, stops=tuple(stops), departure=departure,
        arrival=time_ + float(geometry.minutes[previous, home]),
        return_km=float(geometry.km[previous, home]),
        return_minutes=float(geometry.minutes[previous, home]))


def check_plan(problem, plan, geometry=None):
    """Return the Violations of plan: pairs that are not allowed, visits out
    of their window, days out of the shift or over capacity, times that
    driving cannot achieve, visits planned twice or unknown, required and
    booked visits left"""
    if geometry is None:
        geometry = Geometry(problem)
    violations, seen = [], set()
    for route in plan.routes:
        vehicle = problem.vehicle.get(route.vehicle)
        if vehicle is None:
            violations.append(Violation(UNKNOWN, vehicle=route.vehicle))
            continue
        violations.extend(_check_route(problem, geometry, vehicle, route,
                seen))
    for visit in problem.visits:
        if visit.id not in seen and (
                visit.required or visit.fixed_vehicle is not None):
            violations.append(Violation(REQUIRED, visit=visit.id))
    return violations


def _check_route(problem, geometry, vehicle, route, seen):
    violations = []

    def add(reason, visit=None):
        violations.append(Violation(reason, visit=visit, vehicle=vehicle.id))

    if route.stops and route.departure < vehicle.shift_start - EPSILON:
        add(SHIFT)
    previous, time_, load = geometry.home[vehicle.id], route.departure, 0
    for stop in route.stops:
        visit = problem.visit.get(stop.visit)
        if visit is None:
            add(UNKNOWN, stop.visit)
            continue
        if visit.id in seen:
            add(DUPLICATE, visit.id)
        seen.add(visit.id)
        if visit.fixed_vehicle is not None and visit.fixed_vehicle != (
                vehicle.id):
            add(FIXED, visit.id)
        elif not vehicle.may_do(visit):
            add(FORBIDDEN, visit.id)
        site = geometry.site[visit.id]
        if (stop.arrival < time_ + geometry.minutes[previous, site] - EPSILON
                or stop.start < stop.arrival - EPSILON
                or stop.departure < (
                    stop.start + visit.service_minutes - EPSILON)):
            add(TIMES, visit.id)
        if not (visit.window_start - EPSILON <= stop.start
                <= visit.window_end + EPSILON):
            add(WINDOW, visit.id)
        load += visit.load
        if vehicle.capacity is not None and load > vehicle.capacity:
            add(CAPACITY, visit.id)
        previous, time_ = site, stop.departure
    if route.stops:
        home = geometry.home[vehicle.id]
        if route.arrival < time_ + geometry.minutes[previous, home] - EPSILON:
            add(TIMES)
        if route.arrival > vehicle.shift_end + EPSILON:
            add(SHIFT, route.stops[-1].visit)
    return violations


# ---------------------------------------------------------------------------
# The PyVRP model
# ---------------------------------------------------------------------------

@dataclass
class Model:
    "A PyVRP ProblemData and how to read its solutions back"
    data: ProblemData
    # PyVRP client index -> visit id
    clients: list
    # PyVRP vehicle type index -> the vehicle ids of that type
    types: list
    # the penalty of a forbidden pair, in distance units
    forbidden_penalty: int = 0

    def client_index(self):
        return {v: i for i, v in enumerate(self.clients)}


class _Units:
    "Conversions to the integers of PyVRP"

    def __init__(self, problem):
        self.per_km = problem.units_per_km
        self.per_minute = problem.units_per_minute

    def distance(self, km):
        return np.rint(np.asarray(km, dtype=float) * self.per_km).astype(
            np.int64)

    def duration(self, minutes):
        "Rounded up: a route feasible in units is feasible in minutes"
        return np.ceil(np.asarray(minutes, dtype=float) * self.per_minute
            - EPSILON).astype(np.int64)

    def early(self, minutes):
        return int(self.duration(minutes))

    def late(self, minutes):
        return int(math.floor(minutes * self.per_minute + EPSILON))


def build_model(problem, geometry=None, vehicles=None, visits=None):
    """The PyVRP model of vehicles and visits (all of problem by default).

    Driving times are rounded up and windows inwards, so that a route PyVRP
    finds feasible is feasible in minutes."""
    if geometry is None:
        geometry = Geometry(problem)
    vehicles = problem.vehicles if vehicles is None else list(vehicles)
    visits = problem.visits if visits is None else list(visits)
    units = _Units(problem)
    homes = sorted({geometry.home[v.id] for v in vehicles})
    rows = homes + [geometry.site[v.id] for v in visits]
    selection = np.ix_(rows, rows)
    distance = units.distance(geometry.km[selection])
    duration = units.duration(geometry.minutes[selection])

    prizes = [0 if v.required else int(units.distance(problem.left_cost(v)))
        for v in visits]
    extras = [_vehicle_extras(problem, units, vehicle, visits)
        for vehicle in vehicles]
    longest = int(distance.max()) if distance.size else 0
    largest = max(prizes + [e for x in extras for e in x.values()
            if e is not None] + [0])
    penalty = int(max(problem.forbidden_factor * longest,
            2 * (largest + longest))) + 1
    load_unit = None
    if any(v.capacity is not None for v in vehicles):
        # a visit over capacity must be able to cost more than its prize
        load_unit = max(1, math.ceil(2 * largest / MAX_PENALTY))
    clients = [Client(
            location=len(homes) + i,
            delivery=[visit.load * load_unit] if load_unit else [],
            service_duration=units.early(visit.service_minutes),
            tw_early=units.early(visit.window_start),
            tw_late=max(units.late(visit.window_end),
                units.early(visit.window_start)),
            prize=prize, required=visit.required, name=str(visit.id))
        for i, (visit, prize) in enumerate(zip(visits, prizes))]

    profiles, profile_of = [distance], {(): 0}
    type_of = {}
    for vehicle, vehicle_extras in zip(vehicles, extras):
        signature = tuple(sorted(vehicle_extras.items()))
        if signature not in profile_of:
            profile_of[signature] = len(profiles)
            profiles.append(_profile(distance, len(homes), vehicle_extras,
                    penalty))
        key = (homes.index(geometry.home[vehicle.id]),
            units.early(vehicle.shift_start), units.late(vehicle.shift_end),
            vehicle.capacity, profile_of[signature])
        type_of.setdefault(key, []).append(vehicle.id)
    total_load = sum(v.load for v in visits)
    vehicle_types = []
    for (depot, early, late, capacity, profile), ids in type_of.items():
        if load_unit:
            capacity = [load_unit * (
                    total_load if capacity is None else capacity)]
        else:
            capacity = []
        vehicle_types.append(VehicleType(
                num_available=len(ids), capacity=capacity,
                start_depot=depot, end_depot=depot, tw_early=early,
                tw_late=late, profile=profile))
    # PyVRP reads the coordinates only as hints of the topology
    locations = [Location(x=geometry.points[r][0], y=geometry.points[r][1])
        for r in rows]
    data = ProblemData(
        locations=locations, clients=clients,
        depots=[Depot(location=i) for i in range(len(homes))],
        vehicle_types=vehicle_types,
        distance_matrices=profiles,
        duration_matrices=[duration] * len(profiles))
    return Model(data=data, clients=[v.id for v in visits],
        types=list(type_of.values()), forbidden_penalty=penalty)


def _vehicle_extras(problem, units, vehicle, visits):
    """{client index: extra distance units or None when forbidden}"""
    extras = {}
    for i, visit in enumerate(visits):
        if not vehicle.may_do(visit):
            extras[i] = None
            continue
        extra = problem.extra_cost(vehicle, visit)
        if extra:
            extras[i] = int(units.distance(extra))
    return extras


def _profile(distance, depots, extras, penalty):
    "distance where entering a client costs its extra or the penalty"
    matrix = distance.copy()
    for client, extra in extras.items():
        column = depots + client
        matrix[:, column] += penalty if extra is None else extra
        matrix[column, column] = 0
    return matrix


class Deadline:
    """PyVRP stopping criterion at a time of clock (wall clock by default),
    start-up included"""

    def __init__(self, end, iterations=None, clock=time.perf_counter):
        self.end = end
        self.iterations = iterations
        self.clock = clock
        self.count = 0

    def __call__(self, best_cost):
        self.count += 1
        if self.iterations is not None and self.count > self.iterations:
            return True
        return self.clock() >= self.end


def solve_params(seconds, visits_per_route):
    """SOLVE_PARAMS for a search of seconds whose routes have about
    visits_per_route visits.  Late acceptance compares with the solution of
    HISTORY_FACTOR x seconds x visits_per_route iterations before (within
    bounds): a short search (a part of a large problem) goes through its
    history many times and converges, long routes (Solomon's R2 and RC2)
    need a longer history to leave their local optima than short ones (R1,
    RC1)"""
    history = round(HISTORY_FACTOR * max(seconds, 0.) * visits_per_route)
    history = min(max(history, MIN_HISTORY), MAX_HISTORY)
    return pyvrp.SolveParams(
        ils=replace(SOLVE_PARAMS.ils, history_length=history),
        penalty=SOLVE_PARAMS.penalty,
        neighbourhood=SOLVE_PARAMS.neighbourhood,
        operators=SOLVE_PARAMS.operators,
        perturbation=SOLVE_PARAMS.perturbation)


def run_model(model, deadline, seed=0, initial=None, params=None):
    """Solve model with PyVRP until deadline; initial is {vehicle id: [visit
    ids]} to start from.  Return {vehicle id: [visit ids]}"""
    warm = None
    if initial:
        warm = _initial_solution(model, initial)
    if params is None:
        # the routes of the start, else as many visits as routes
        routes = [ids for ids in (initial or {}).values() if ids] or [[1]]
        params = solve_params(deadline.end - deadline.clock(),
            sum(map(len, routes)) / len(routes))
    result = pyvrp.solve(model.data, stop=deadline, seed=seed,
        collect_stats=False, display=False, initial_solution=warm,
        params=params)
    routes = {}
    available = [list(ids) for ids in model.types]
    for route in result.best.routes():
        vehicle_id = available[route.vehicle_type()].pop(0)
        routes[vehicle_id] = [model.clients[a.idx] for a in route
            if a.is_client()]
    return routes


def _initial_solution(model, initial):
    client = model.client_index()
    type_of = {v: t for t, ids in enumerate(model.types) for v in ids}
    routes = []
    for vehicle_id, visit_ids in initial.items():
        visits = [client[v] for v in visit_ids if v in client]
        if vehicle_id in type_of and visits:
            routes.append(pyvrp.Route(model.data, visits, type_of[vehicle_id]))
    return Solution(model.data, routes)


# ---------------------------------------------------------------------------
# Solving
# ---------------------------------------------------------------------------

def solve(problem, seconds=10., seed=0, initial=None, areas=None,
        iterations=None, clock=time.perf_counter):
    """Plan problem in about seconds of wall-clock time (start-up
    included), single threaded.

    The visits with a kept window (told to the customer) start inside it
    where they can: the problem is first planned with their windows
    narrowed to it; the ones that cannot be served so are inserted again
    with their whole window, and if some are still left the rest of the
    time plans again from there (see keep_windows).

    initial is a previous Plan (or {vehicle id: [visit ids]}) to start from
    when re-planning; with areas, only the vehicles and visits of those
    areas are planned again, the other vehicles keep their routes.  When
    the vehicles and visits have areas, each area is planned with its own
    vehicles first, then the visits left in each area with the vehicles of
    other areas that may do them (their routes so far kept), then groups
    of neighbouring areas jointly from the routes found, and last each
    area's routes are shortened with the visits served fixed, so that the
    PyVRP models stay small (the *_PASS_SHARE of the time).  The result is
    checked and repaired; iterations caps PyVRP's iterations per part (for
    tests) and clock may count CPU time instead (time.process_time, for
    benchmarks on a busy machine)."""
    if isinstance(initial, Plan):
        initial = {r.vehicle: r.visits for r in initial.routes}
    initial = initial or {}
    if any(v.kept_window is not None for v in problem.visits):
        return _solve_keeping(problem, seconds, seed, initial, areas,
            iterations, clock)
    return _solve(problem, seconds, seed, initial, areas, iterations, clock)


def keep_windows(problem, ids=None):
    """problem where the visits of ids (by default all) with a kept
    window start inside it; a kept window out of the visit's window is
    ignored"""
    visits = []
    for visit in problem.visits:
        if ids is None or visit.id in ids:
            visit = visit.keeping_window() or visit
        visits.append(visit)
    return replace(problem, visits=visits)


def _solve_keeping(problem, seconds, seed, initial, areas, iterations,
        clock):
    wall = time.perf_counter()
    end = clock() + seconds
    kept = keep_windows(problem)
    plan = _solve(kept, seconds * (1 - WHOLE_WINDOW_SHARE), seed, initial,
        areas, iterations, clock)
    # the visits served in their kept window keep it, the others get back
    # their whole window
    served = {v for r in plan.routes for v in r.visits}
    mixed = keep_windows(problem, ids=served)
    routes = {r.vehicle: r.visits for r in plan.routes}
    plan = repair(mixed, routes)
    left = [i for i in plan.unserved
        if problem.visit[i].kept_window is not None]
    remaining = end - clock()
    if left and remaining > 0:
        routes = {r.vehicle: r.visits for r in plan.routes}
        again = _solve(mixed, remaining, seed + 1, routes, areas,
            iterations, clock)
        if again.cost(mixed) < plan.cost(mixed):
            plan = again
    plan.seconds = time.perf_counter() - wall
    return plan


def _solve(problem, seconds, seed, initial, areas, iterations, clock):
    wall = time.perf_counter()
    started = clock()
    geometry = Geometry(problem)
    routes, planned = {}, problem
    if areas is not None:
        routes, planned = _kept_elsewhere(problem, initial, set(areas))
    parts = _first_parts(planned)
    count = 0

    def run(passes, end, previous):
        nonlocal count
        for vehicles, visits, share in _shares(passes):
            count += 1
            deadline = _part_deadline(clock, end, share)
            routes.update(_solve_part(planned, geometry, vehicles, visits,
                    Deadline(deadline, iterations, clock), seed + count,
                    previous))

    if len(parts) == 1:
        run(parts, started + seconds, initial)
    else:
        groups = _groups(planned)
        shares = [FIRST_PASS_SHARE, SECOND_PASS_SHARE,
            JOINT_PASS_SHARE if groups else 0., POLISH_PASS_SHARE]
        ends = [started + seconds * sum(shares[:i + 1]) / sum(shares)
            for i in range(len(shares))]
        run(parts, ends[0], initial)
        run(_second_parts(planned, routes), ends[1], routes)
        if groups:
            run(_group_parts(planned, groups, routes), ends[2], routes)
        if POLISH_PASS_SHARE:
            run(_polish_parts(planned, routes), ends[3], routes)
    plan = repair(problem, routes, geometry)
    plan.seconds = time.perf_counter() - wall
    plan.parts = count
    return plan


def _polish_parts(problem, routes):
    """[(vehicles, visits)] per area: the visits its vehicles serve, all
    required, to shorten the routes (models with prizes a thousand times
    the kilometre are slow to do so)"""
    parts = {}
    for vehicle in problem.vehicles:
        vehicles, visits = parts.setdefault(vehicle.area, ([], []))
        vehicles.append(vehicle)
        visits.extend(replace(problem.visit[i], required=True)
            for i in routes.get(vehicle.id, ()))
    return [p for p in parts.values() if p[1]]


def _kept_elsewhere(problem, initial, areas):
    """The routes of initial of the vehicles outside areas, and the problem
    of what is left to plan"""
    routes = {v.id: list(initial.get(v.id, ())) for v in problem.vehicles
        if v.area not in areas}
    kept = {i for ids in routes.values() for i in ids}
    vehicles = [v for v in problem.vehicles if v.area in areas]
    ids = {v.id for v in vehicles}
    visits = [v for v in problem.visits if v.id not in kept
        and (v.area in areas or v.fixed_vehicle in ids)]
    return routes, replace(problem, vehicles=vehicles, visits=visits)


def _shares(parts):
    "Yield each part with its share of the time left"
    weights = [len(p[1]) + 1 for p in parts]
    for i, (vehicles, visits) in enumerate(parts):
        yield vehicles, visits, weights[i] / sum(weights[i:])


def _part_deadline(clock, end, share):
    now = clock()
    return now + max(end - now, 0.) * share


def _first_parts(problem):
    """[(vehicles, visits)] per area; a booked visit goes with its
    vehicle"""
    areas = {}
    for vehicle in problem.vehicles:
        areas.setdefault(vehicle.area, ([], []))[0].append(vehicle)
    for visit in problem.visits:
        area = visit.area
        if (visit.fixed_vehicle is not None
                and visit.fixed_vehicle in problem.vehicle):
            area = problem.vehicle[visit.fixed_vehicle].area
        areas.setdefault(area, ([], []))[1].append(visit)
    return [(vehicles, visits) for vehicles, visits in areas.values()
        if vehicles and visits]


def _area_of(problem, visit):
    "The area of visit; a booked visit is in the area of its vehicle"
    if (visit.fixed_vehicle is not None
            and visit.fixed_vehicle in problem.vehicle):
        return problem.vehicle[visit.fixed_vehicle].area
    return visit.area


def _groups(problem, limit=None):
    """[(vehicles, visits)] of the groups of neighbouring areas, those
    where vehicles of one may do visits of another, each of at most limit
    visits (GROUP_VISITS): the areas joined the most linked first"""
    if limit is None:
        limit = GROUP_VISITS
    size, vehicles_of, visits_of = {}, {}, {}
    for vehicle in problem.vehicles:
        vehicles_of.setdefault(vehicle.area, []).append(vehicle)
    for visit in problem.visits:
        area = _area_of(problem, visit)
        visits_of.setdefault(area, []).append(visit)
        size[area] = size.get(area, 0) + 1
    links = {}
    for vehicle in problem.vehicles:
        if vehicle.allowed is None:
            continue
        for area in {problem.visit[i].area for i in vehicle.allowed
                if i in problem.visit}:
            if area != vehicle.area and area in size:
                key = frozenset((vehicle.area, area))
                links[key] = links.get(key, 0) + 1
    group = {a: frozenset([a]) for a in set(size) | set(vehicles_of)}
    for key, _ in sorted(links.items(),
            key=lambda item: (-item[1], sorted(map(str, item[0])))):
        a, b = key
        if group[a] == group[b]:
            continue
        joined = group[a] | group[b]
        if sum(size.get(x, 0) for x in joined) > limit:
            continue
        for x in joined:
            group[x] = joined
    parts = []
    for areas in sorted({g for g in group.values() if len(g) > 1},
            key=lambda g: sorted(map(str, g))):
        vehicles = [v for a in areas for v in vehicles_of.get(a, ())]
        visits = [v for a in areas for v in visits_of.get(a, ())]
        if vehicles and visits:
            parts.append((vehicles, visits))
    return parts


def _group_parts(problem, groups, routes):
    """[(vehicles, visits)] of groups planned again from routes: the visits
    served by a vehicle out of the group stay with it, those of other areas
    served by a vehicle of the group are booked to it"""
    by = {i: v for v, ids in routes.items() for i in ids}
    parts = []
    for vehicles, visits in groups:
        ids = {v.id for v in vehicles}
        kept = [v for v in visits if by.get(v.id, next(iter(ids))) in ids]
        inside = {v.id for v in visits}
        booked = [replace(problem.visit[i], fixed_vehicle=v.id,
                required=True)
            for v in vehicles for i in routes.get(v.id, ())
            if i not in inside]
        parts.append((vehicles, kept + booked))
    return parts


def _second_parts(problem, routes):
    """[(vehicles, visits)] per area: the visits left with the vehicles of
    other areas that may do them, their planned visits booked to them"""
    served = {v for ids in routes.values() for v in ids}
    left = {}
    for visit in problem.visits:
        if visit.id not in served:
            left.setdefault(visit.area, []).append(visit)
    parts, used = [], set()
    for area, visits in left.items():
        vehicles = [v for v in problem.vehicles
            if v.area != area and v.id not in used
            and any(v.may_do(visit) for visit in visits)]
        if not vehicles:
            continue
        used.update(v.id for v in vehicles)
        booked = [replace(problem.visit[i], fixed_vehicle=v.id,
                required=True)
            for v in vehicles for i in routes.get(v.id, ())]
        parts.append((vehicles, visits + booked))
    return parts


def _solve_part(problem, geometry, vehicles, visits, deadline, seed, initial):
    # the booked copies of _second_parts replace the problem's visits
    sub = replace(problem, vehicles=vehicles, visits=visits)
    model = build_model(sub, geometry)
    start = _initial_routes(sub, geometry, initial)
    routes = {v.id: [] for v in vehicles}
    routes.update(run_model(model, deadline, seed=seed, initial=start))
    return routes


def _initial_routes(problem, geometry, previous):
    """Where PyVRP starts from: the previous routes (what is still valid in
    them), then each visit left inserted where it costs least.  Much better
    than PyVRP's random start when many pairs are forbidden."""
    routes, placed = {}, set()
    for vehicle in problem.vehicles:
        routes[vehicle.id] = []
        for visit_id in previous.get(vehicle.id, ()):
            visit = problem.visit.get(visit_id)
            if (visit is not None and visit_id not in placed
                    and vehicle.may_do(visit)):
                routes[vehicle.id].append(visit_id)
                placed.add(visit_id)
    _insert_left(problem, geometry, routes)
    return routes


def repair(problem, routes, geometry=None):
    """The Plan of routes {vehicle id: [visit ids]} once every broken rule
    is repaired: a visit that breaks one is dropped, then every visit left
    is inserted where it fits best if that costs less than its prize"""
    if geometry is None:
        geometry = Geometry(problem)
    repaired = [Violation(UNKNOWN, vehicle=v) for v in routes
        if v not in problem.vehicle]
    repaired += [Violation(UNKNOWN, visit=i, vehicle=v)
        for v, ids in routes.items() if v in problem.vehicle
        for i in ids if i not in problem.visit]
    routes = {v.id: [i for i in routes.get(v.id, ()) if i in problem.visit]
        for v in problem.vehicles}
    while True:
        plan = _plan(problem, geometry, routes)
        violations = [v for v in check_plan(problem, plan, geometry)
            if v.reason in ROUTE_REASONS and v.visit is not None]
        if not violations:
            break
        violation = violations[0]
        repaired.append(violation)
        visit_ids = routes[violation.vehicle]
        # drop the last occurrence so that a duplicate keeps its first
        index = len(visit_ids) - 1 - visit_ids[::-1].index(violation.visit)
        del visit_ids[index]
    _insert_left(problem, geometry, routes)
    plan = _plan(problem, geometry, routes)
    plan.repaired = repaired
    return plan


def _plan(problem, geometry, routes):
    served = {v for ids in routes.values() for v in ids}
    return Plan(
        routes=[schedule(problem, geometry, v.id, routes[v.id])
            for v in problem.vehicles],
        unserved=[v.id for v in problem.visits if v.id not in served])


def _insert_left(problem, geometry, routes):
    served = {v for ids in routes.values() for v in ids}
    left = sorted((v for v in problem.visits if v.id not in served),
        key=lambda v: (not v.required, -problem.left_cost(v)))
    for visit in left:
        best = None
        for vehicle in problem.vehicles:
            if not vehicle.may_do(visit):
                continue
            visit_ids = routes[vehicle.id]
            if vehicle.capacity is not None and (
                    sum(problem.visit[v].load for v in visit_ids)
                    + visit.load > vehicle.capacity):
                continue
            extra = problem.extra_cost(vehicle, visit)
            for position in range(len(visit_ids) + 1):
                added = _insertion_km(geometry, vehicle, visit_ids, position,
                    visit) + extra
                if best is not None and added >= best[0]:
                    continue
                candidate = (visit_ids[:position] + [visit.id]
                    + visit_ids[position:])
                if _feasible(problem, geometry, vehicle, candidate):
                    best = (added, vehicle.id, candidate)
        if best and (visit.required or best[0] < problem.left_cost(visit)):
            routes[best[1]] = best[2]


def _insertion_km(geometry, vehicle, visit_ids, position, visit):
    home = geometry.home[vehicle.id]
    sites = [home] + [geometry.site[v] for v in visit_ids] + [home]
    before, after = sites[position], sites[position + 1]
    site = geometry.site[visit.id]
    return float(geometry.km[before, site] + geometry.km[site, after]
        - geometry.km[before, after])


def _feasible(problem, geometry, vehicle, visit_ids):
    route = schedule(problem, geometry, vehicle.id, visit_ids)
    if route.arrival > vehicle.shift_end + EPSILON:
        return False
    return all(s.start <= problem.visit[s.visit].window_end + EPSILON
        for s in route.stops)


# ---------------------------------------------------------------------------
# Explanations
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class VisitTerms:
    "Why a visit costs what it costs in the plan, in minutes and km"
    visit: Hashable
    vehicle: Hashable = None
    sequence: Optional[int] = None
    travel_km: float = 0.
    travel_minutes: float = 0.
    # the km the route drives more because of the visit
    detour_km: float = 0.
    wait_minutes: float = 0.
    # minutes after the end of the window (0 in a checked plan)
    lateness_minutes: float = 0.
    # minutes the visit could start later and stay in its window
    slack_minutes: float = 0.
    surcharge: float = 0.
    change_cost: float = 0.
    # the prize lost when the visit is left
    left_cost: float = 0.


def explain(problem, plan, geometry=None):
    "Return {visit id: VisitTerms} for every visit of problem"
    if geometry is None:
        geometry = Geometry(problem)
    terms = {}
    for route in plan.routes:
        vehicle = problem.vehicle[route.vehicle]
        visit_ids = route.visits
        for position, stop in enumerate(route.stops):
            visit = problem.visit[stop.visit]
            rest = visit_ids[:position] + visit_ids[position + 1:]
            surcharge = vehicle.surcharges.get(visit.id, 0.)
            terms[visit.id] = VisitTerms(
                visit=visit.id, vehicle=vehicle.id, sequence=stop.sequence,
                travel_km=stop.travel_km,
                travel_minutes=stop.travel_minutes,
                detour_km=_insertion_km(geometry, vehicle, rest, position,
                    visit),
                wait_minutes=stop.wait,
                lateness_minutes=max(stop.start - visit.window_end, 0.),
                slack_minutes=max(visit.window_end - stop.start, 0.),
                surcharge=surcharge,
                change_cost=problem.extra_cost(vehicle, visit) - surcharge)
    for visit_id in plan.unserved:
        terms[visit_id] = VisitTerms(
            visit=visit_id, left_cost=problem.left_cost(
                problem.visit[visit_id]))
    return terms

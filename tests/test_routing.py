# This file is part of the appliance_service_dispatch module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"""The route planner against small instances whose best routes are known.

No database: routing.py is pure Python, loaded by its path."""
import importlib.util
import itertools
import random
import sys
import unittest
from dataclasses import replace
from pathlib import Path

import numpy as np

ROUTING = (Path(__file__).resolve().parents[1] / 'addons'
    / 'appliance_service_dispatch' / 'routing.py')


def load_routing():
    spec = importlib.util.spec_from_file_location('route_planner', ROUTING)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


routing = load_routing()

DAY = (8 * 60, 19 * 60)
ALL_DAY = (8 * 60, 18 * 60)


def line_travel(*positions):
    """Points (x, 0) on a line, 1 km a unit at 60 km/h: as many minutes as
    km"""
    points = [(float(x), 0.) for x in positions]
    km = np.abs(np.subtract.outer(positions, positions)).astype(float)
    return routing.MatrixTravel(points, km, km)


def plane_travel(points):
    "Euclidean km on the plane at 60 km/h"
    points = [tuple(map(float, p)) for p in points]
    xy = np.array(points)
    km = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    return routing.MatrixTravel(points, km, km)


def vehicle(id_, x, capacity=None, **kw):
    return routing.Vehicle(id=id_, latitude=float(x), longitude=0.,
        shift_start=DAY[0], shift_end=DAY[1], capacity=capacity, **kw)


def visit(id_, x, window=ALL_DAY, service=30, **kw):
    return routing.Visit(id=id_, latitude=float(x), longitude=0.,
        window_start=window[0], window_end=window[1],
        service_minutes=service, **kw)


def solve(problem, **kw):
    kw.setdefault('seconds', 2.)
    kw.setdefault('iterations', 300)
    return routing.solve(problem, seed=1, **kw)


def route_of(plan, vehicle_id):
    return next(r for r in plan.routes if r.vehicle == vehicle_id)


def brute_force(problem, geometry):
    """The least cost plan by trying every assignment and order (tiny
    instances only)"""
    best = None
    vehicles = problem.vehicles
    choices = [None] + [v.id for v in vehicles]
    for assignment in itertools.product(choices, repeat=len(problem.visits)):
        routes = {}
        for visit_, vehicle_id in zip(problem.visits, assignment):
            if vehicle_id is not None:
                routes.setdefault(vehicle_id, []).append(visit_.id)
        plan_routes, ok = [], True
        for v in vehicles:
            best_route = None
            for order in itertools.permutations(routes.get(v.id, [])):
                route = routing.schedule(problem, geometry, v.id, list(order))
                if best_route is None or route.km < best_route.km:
                    candidate = routing.Plan([route], [])
                    sub = routing.Problem(vehicles=[v], visits=[
                            problem.visit[i] for i in order],
                        travel=problem.travel)
                    if not routing.check_plan(sub, candidate):
                        best_route = route
            if best_route is None:
                ok = False
                break
            plan_routes.append(best_route)
        if not ok:
            continue
        plan = routing.Plan(plan_routes, [
                v.id for v, a in zip(problem.visits, assignment) if a is None])
        if routing.check_plan(problem, plan, geometry):
            continue
        cost = plan.cost(problem)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, plan)
    return best


class RoutingTestCase(unittest.TestCase):

    def assertValid(self, problem, plan):
        self.assertEqual(routing.check_plan(problem, plan), [])
        for route in plan.routes:
            v = problem.vehicle[route.vehicle]
            for stop in route.stops:
                window = problem.visit[stop.visit]
                self.assertGreaterEqual(stop.start,
                    window.window_start - 1e-6)
                self.assertLessEqual(stop.start, window.window_end + 1e-6)
                self.assertTrue(v.may_do(window))
            if route.stops:
                self.assertGreaterEqual(route.departure, v.shift_start - 1e-6)
                self.assertLessEqual(route.arrival, v.shift_end + 1e-6)

    def test_one_vehicle_on_a_line(self):
        "One vehicle and 4 visits on a line: out to the last and back"
        problem = routing.Problem(
            vehicles=[vehicle('e', 0)],
            visits=[visit(i, x, required=True)
                for i, x in [('c', 3), ('a', 1), ('d', 4), ('b', 2)]],
            travel=line_travel(0, 3, 1, 4, 2))
        plan = solve(problem)
        self.assertValid(problem, plan)
        route = route_of(plan, 'e')
        self.assertEqual(sorted(route.visits), list('abcd'))
        self.assertAlmostEqual(plan.km, 8.)
        self.assertEqual(plan.unserved, [])

    def test_schedule_times(self):
        "Leave just in time, wait for windows, come back"
        problem = routing.Problem(
            vehicles=[vehicle('e', 0)],
            visits=[visit('a', 10, window=(9 * 60, 10 * 60), service=45),
                visit('b', 20, window=(11 * 60, 12 * 60), service=60)],
            travel=line_travel(0, 10, 20))
        route = routing.schedule(problem, routing.Geometry(problem), 'e',
            ['a', 'b'])
        self.assertEqual(route.departure, 9 * 60 - 10)
        a, b = route.stops
        self.assertEqual((a.sequence, a.arrival, a.start, a.departure),
            (1, 540, 540, 585))
        self.assertEqual((b.sequence, b.arrival, b.start, b.departure),
            (2, 595, 660, 720))
        self.assertEqual(b.wait, 65)
        self.assertEqual((b.travel_km, b.travel_minutes), (10, 10))
        self.assertEqual(route.arrival, 740)
        self.assertEqual(route.km, 40)
        self.assertEqual(route.travel_minutes, 40)

    def test_windows_force_a_split(self):
        """Two visits far apart in the same short window: one vehicle
        cannot do both, so each vehicle does one although one vehicle would
        drive less"""
        window = (10 * 60, 10 * 60 + 30)
        problem = routing.Problem(
            vehicles=[vehicle('e1', 0), vehicle('e2', 0)],
            visits=[visit('a', 10, window, service=60, required=True),
                visit('b', 12, window, service=60, required=True)],
            travel=line_travel(0, 10, 12))
        plan = solve(problem)
        self.assertValid(problem, plan)
        self.assertEqual(sorted(len(r.stops) for r in plan.routes), [1, 1])
        self.assertAlmostEqual(plan.km, 44.)

        # with a wide window one vehicle does both
        wide = routing.Problem(
            vehicles=problem.vehicles,
            visits=[replace(v, window_end=14 * 60) for v in problem.visits],
            travel=problem.travel)
        plan = solve(wide)
        self.assertValid(wide, plan)
        self.assertEqual(sorted(len(r.stops) for r in plan.routes), [0, 2])
        self.assertAlmostEqual(plan.km, 24.)

    def test_forbidden_pair(self):
        "The engineer next door without the skill never gets the job"
        problem = routing.Problem(
            vehicles=[vehicle('near', 9, allowed=frozenset({'b'})),
                vehicle('far', 20)],
            visits=[visit('a', 10, prize=1000.), visit('b', 8, prize=1000.)],
            travel=line_travel(9, 20, 10, 8))
        plan = solve(problem)
        self.assertValid(problem, plan)
        self.assertEqual(route_of(plan, 'near').visits, ['b'])
        self.assertEqual(route_of(plan, 'far').visits, ['a'])

    def test_forbidden_penalty_is_finite(self):
        "Above every prize and 50 longest edges, far below PyVRP's 2**44"
        problem = routing.Problem(
            vehicles=[vehicle('near', 9, allowed=frozenset({'b'})),
                vehicle('far', 0)],
            visits=[visit('a', 10, prize=1000.), visit('b', 11, prize=1000.)],
            travel=line_travel(9, 0, 10, 11))
        model = routing.build_model(problem)
        self.assertGreaterEqual(model.forbidden_penalty, 50 * 11 * 1000)
        self.assertGreater(model.forbidden_penalty, 1000 * 1000)
        self.assertLess(model.forbidden_penalty, 2 ** 40)
        self.assertEqual(model.data.num_profiles, 2)
        near = model.data.vehicle_types()[model.types.index(['near'])]
        matrix = model.data.distance_matrix(near.profile)
        a = model.data.num_depots + model.clients.index('a')
        self.assertEqual(matrix[0, a], 1000 + model.forbidden_penalty)

    def test_no_allowed_vehicle(self):
        "A required visit nobody may do is left and reported"
        problem = routing.Problem(
            vehicles=[vehicle('e', 0, allowed=frozenset())],
            visits=[visit('a', 1, required=True)],
            travel=line_travel(0, 1))
        plan = solve(problem)
        self.assertEqual(plan.unserved, ['a'])
        self.assertEqual(route_of(plan, 'e').stops, ())
        self.assertEqual(routing.check_plan(problem, plan),
            [routing.Violation(routing.REQUIRED, visit='a')])

    def test_fixed_visit(self):
        "A booked visit stays with its engineer, even a far one"
        problem = routing.Problem(
            vehicles=[vehicle('near', 12), vehicle('far', 0)],
            visits=[visit('a', 10, fixed_vehicle='far', required=True),
                visit('b', 12, prize=1000.)],
            travel=line_travel(12, 0, 10))
        plan = solve(problem)
        self.assertValid(problem, plan)
        self.assertEqual(route_of(plan, 'far').visits, ['a'])
        self.assertEqual(route_of(plan, 'near').visits, ['b'])

    def test_optional_visit_left_when_prize_below_detour(self):
        "A visit whose detour costs more than its prize is left"
        vehicles = [vehicle('e', 0)]
        travel = line_travel(0, 1, 30)
        near = visit('near', 1, prize=100.)
        for prize, served in [(50., False), (70., True)]:
            with self.subTest(prize=prize):
                far = visit('far', 30, prize=prize)
                problem = routing.Problem(vehicles=vehicles,
                    visits=[near, far], travel=travel)
                plan = solve(problem)
                self.assertValid(problem, plan)
                # the far visit costs 58 km more
                self.assertEqual('far' in plan.assignment(), served)
                self.assertIn('near', plan.assignment())
                best_cost, _ = brute_force(problem, routing.Geometry(problem))
                self.assertAlmostEqual(plan.cost(problem), best_cost)

    def test_change_cost(self):
        """An announced visit stays with its engineer unless moving it saves
        more than the change cost"""
        vehicles = [vehicle('e1', 0), vehicle('e2', 3)]
        travel = line_travel(0, 3, 1)
        announced = visit('a', 1, previous_vehicle='e2', announced=True,
            prize=1000.)
        for change_cost, engineer in [(30., 'e2'), (0., 'e1')]:
            with self.subTest(change_cost=change_cost):
                problem = routing.Problem(vehicles=vehicles,
                    visits=[announced], travel=travel,
                    change_cost=change_cost)
                plan = solve(problem)
                self.assertValid(problem, plan)
                self.assertEqual(plan.assignment()['a'][0], engineer)

        # not announced: no change cost
        problem = routing.Problem(vehicles=vehicles,
            visits=[replace(announced, announced=False)], travel=travel)
        self.assertEqual(solve(problem).assignment()['a'][0], 'e1')

    def test_over_qualification_surcharge(self):
        "The master costs more than the closer apprentice's extra km"
        vehicles = [vehicle('master', 0, surcharges={'a': 9.}),
            vehicle('apprentice', 4)]
        problem = routing.Problem(vehicles=vehicles,
            visits=[visit('a', 1, prize=1000.)],
            travel=line_travel(0, 4, 1))
        plan = solve(problem)
        self.assertEqual(plan.assignment()['a'][0], 'apprentice')
        self.assertAlmostEqual(plan.cost(problem), 6.)

    def test_capacity(self):
        "A vehicle never does more visits than its capacity"
        points = {'small': (0, 0), 'other': (0, 50), 'east': (1, 0),
            'north': (0, 1), 'west': (-1, 0)}
        problem = routing.Problem(
            vehicles=[replace(vehicle(v, 0, capacity=c),
                    latitude=points[v][0], longitude=points[v][1])
                for v, c in [('small', 2), ('other', 5)]],
            visits=[replace(visit(v, 0, prize=1000.),
                    latitude=points[v][0], longitude=points[v][1])
                for v in ['east', 'north', 'west']],
            travel=plane_travel(points.values()))
        plan = solve(problem)
        self.assertValid(problem, plan)
        self.assertEqual(sorted(route_of(plan, 'small').visits),
            ['east', 'west'])
        self.assertEqual(route_of(plan, 'other').visits, ['north'])

    def test_travel_replaceable(self):
        """A given asymmetric matrix (a one-way street) decides the
        order"""
        points = [(0., 0.), (1., 1.), (2., 2.)]
        km = np.array([[0, 1, 5], [5, 0, 1], [1, 5, 0]], dtype=float)
        travel = routing.MatrixTravel(points, km, km * 2)
        problem = routing.Problem(
            vehicles=[routing.Vehicle(id='e', latitude=0., longitude=0.,
                    shift_start=DAY[0], shift_end=DAY[1])],
            visits=[routing.Visit(id='x', latitude=2., longitude=2.,
                    window_start=0, window_end=24 * 60, service_minutes=10,
                    required=True),
                routing.Visit(id='y', latitude=1., longitude=1.,
                    window_start=0, window_end=24 * 60, service_minutes=10,
                    required=True)],
            travel=travel)
        plan = solve(problem)
        route = route_of(plan, 'e')
        self.assertEqual(route.visits, ['y', 'x'])
        self.assertEqual(route.km, 3.)
        self.assertEqual(route.travel_minutes, 6.)

    def test_travel_unknown_point(self):
        travel = line_travel(0, 1)
        problem = routing.Problem(vehicles=[vehicle('e', 0)],
            visits=[visit('a', 2)], travel=travel)
        with self.assertRaises(routing.RoutingError) as context:
            routing.solve(problem, seconds=1)
        self.assertEqual(context.exception.reason, 'travel_point')

    def test_straight_line_travel(self):
        travel = routing.StraightLineTravel()
        km, minutes = travel.matrix([(30., 120.), (31., 120.)])
        # a degree of latitude is 111.2 km
        self.assertAlmostEqual(km[0, 1], 111.195 * 1.3, places=1)
        self.assertAlmostEqual(minutes[0, 1], km[0, 1] * 2)
        self.assertEqual(km[0, 0], 0)
        km, _ = routing.StraightLineTravel(detour=1., speed_kmh=60.).matrix(
            [(30., 120.), (31., 120.)])
        self.assertAlmostEqual(km[0, 1], 111.195, places=1)

    def test_bad_input(self):
        for visits, reason in [
                ([visit('a', 1, window=(600, 540))], 'window'),
                ([visit('a', 1, service=-1)], 'visit'),
                ([visit('a', 1), visit('a', 2)], 'duplicate_visit'),
                ]:
            with self.subTest(reason=reason):
                with self.assertRaises(routing.RoutingError) as context:
                    routing.Problem(vehicles=[vehicle('e', 0)],
                        visits=visits, travel=line_travel(0, 1, 2))
                self.assertEqual(context.exception.reason, reason)
        with self.assertRaises(routing.RoutingError) as context:
            routing.Problem(vehicles=[replace(vehicle('e', 0),
                        shift_end=400)], visits=[])
        self.assertEqual(context.exception.reason, 'shift')

    def test_check_plan_finds_every_broken_rule(self):
        problem = routing.Problem(
            vehicles=[vehicle('e', 0, capacity=2,
                    allowed=frozenset({'a', 'b', 'c', 'f'})),
                vehicle('o', 0)],
            visits=[visit('a', 10, window=(8 * 60 + 10, 8 * 60 + 20)),
                visit('b', 20), visit('c', 30),
                visit('f', 5, fixed_vehicle='o', required=True),
                visit('r', 5, required=True)],
            travel=line_travel(0, 10, 20, 30, 5, 5))
        geometry = routing.Geometry(problem)

        def reasons(route):
            plan = routing.Plan([route], [])
            return {(v.reason, v.visit) for v in routing.check_plan(
                    problem, plan, geometry)}

        good = routing.schedule(problem, geometry, 'e', ['a'])
        self.assertEqual(reasons(good), {
                (routing.REQUIRED, 'f'), (routing.REQUIRED, 'r')})
        late = routing.schedule(problem, geometry, 'e', ['b', 'a'])
        self.assertIn((routing.WINDOW, 'a'), reasons(late))
        full = routing.schedule(problem, geometry, 'e', ['a', 'b', 'c'])
        self.assertIn((routing.CAPACITY, 'c'), reasons(full))
        fixed = routing.schedule(problem, geometry, 'e', ['f'])
        self.assertIn((routing.FIXED, 'f'), reasons(fixed))
        forbidden = routing.schedule(problem, geometry, 'e', ['r'])
        self.assertIn((routing.FORBIDDEN, 'r'), reasons(forbidden))
        twice = routing.schedule(problem, geometry, 'e', ['b', 'b'])
        self.assertIn((routing.DUPLICATE, 'b'), reasons(twice))
        fast = replace(good, stops=(replace(good.stops[0],
                    arrival=good.stops[0].arrival - 5,
                    start=good.stops[0].start - 5),))
        self.assertIn((routing.TIMES, 'a'), reasons(fast))
        short = replace(vehicle('e', 0), shift_end=8 * 60 + 20)
        problem.vehicle['e'] = short
        self.assertIn((routing.SHIFT, 'a'), reasons(good))

    def test_booked_visit_out_of_reach(self):
        "A booked visit its engineer cannot reach in time is left, reported"
        problem = routing.Problem(
            vehicles=[replace(vehicle('e', 0), shift_start=9 * 60)],
            visits=[visit('a', 60, window=(9 * 60, 9 * 60 + 30),
                    fixed_vehicle='e', required=True),
                visit('b', 1, prize=100.)],
            travel=line_travel(0, 60, 1))
        plan = solve(problem)
        self.assertEqual(plan.unserved, ['a'])
        self.assertEqual(route_of(plan, 'e').visits, ['b'])
        self.assertEqual(routing.check_plan(problem, plan),
            [routing.Violation(routing.REQUIRED, visit='a')])

    def test_repair(self):
        """What breaks a rule is dropped, then inserted again where it
        fits"""
        problem = routing.Problem(
            vehicles=[replace(vehicle('e', 0), shift_start=9 * 60),
                vehicle('o', 50, allowed=frozenset({'a', 'c'}))],
            visits=[visit('a', 60, window=(9 * 60, 9 * 60 + 30),
                    prize=100.),
                visit('b', 1, prize=100.), visit('c', 2, prize=100.)],
            travel=line_travel(0, 50, 60, 1, 2))
        plan = routing.repair(problem, {'e': ['a', 'b'], 'o': ['b', 'c']})
        self.assertEqual([(v.reason, v.visit, v.vehicle)
                for v in plan.repaired], [
                (routing.WINDOW, 'a', 'e'),
                # dropping the second b also ends its forbidden pair
                (routing.DUPLICATE, 'b', 'o')])
        self.assertEqual(route_of(plan, 'e').visits, ['b'])
        # the window is kept by the other engineer, a long way from c
        self.assertEqual(route_of(plan, 'o').visits, ['a', 'c'])
        self.assertEqual(plan.unserved, [])
        self.assertEqual(routing.check_plan(problem, plan), [])

    def test_random_instances_valid_and_near_optimal(self):
        """Windows, shifts, capacities and restrictions hold on random
        instances, and the cost is the brute-force optimum"""
        rng = random.Random(7)
        for n in range(12):
            with self.subTest(instance=n):
                problem = random_problem(rng, n_vehicles=2, n_visits=4)
                plan = solve(problem)
                self.assertValid(problem, plan)
                best = brute_force(problem, routing.Geometry(problem))
                self.assertAlmostEqual(plan.cost(problem), best[0],
                    delta=.01)

    def test_random_restrictions_never_broken(self):
        rng = random.Random(11)
        for n in range(5):
            with self.subTest(instance=n):
                problem = random_problem(rng, n_vehicles=6, n_visits=40)
                plan = solve(problem, iterations=None, seconds=.5)
                self.assertValid(problem, plan)
                served = set(plan.assignment())
                for visit_ in problem.visits:
                    if visit_.fixed_vehicle is not None:
                        self.assertEqual(
                            plan.assignment()[visit_.id][0],
                            visit_.fixed_vehicle)
                self.assertEqual(
                    served | set(plan.unserved),
                    {v.id for v in problem.visits})

    def test_areas(self):
        """Planned per area first, then the visits left with the vehicles
        of the other areas that may do them, then the routes of each area
        shortened"""
        visits = [visit(('n', i), 100 + i, prize=1000., area='north')
            for i in range(4)] + [
            visit(('s', i), i, prize=1000., area='south') for i in range(4)]
        problem = routing.Problem(
            vehicles=[vehicle('n1', 100, capacity=2, area='north'),
                vehicle('s1', 0, capacity=4, area='south'),
                vehicle('s2', 5, capacity=4, area='south')],
            visits=visits,
            travel=line_travel(100, 0, 5, *[100 + i for i in range(4)],
                *range(4)))
        plan = solve(problem)
        self.assertValid(problem, plan)
        self.assertEqual(plan.unserved, [])
        # 2 areas, 1 part of visits left, 2 areas shortened
        self.assertEqual(plan.parts, 5)
        south = {v for r in plan.routes if r.vehicle != 'n1'
            for v in r.visits}
        self.assertEqual(sum(1 for v in south if v[0] == 'n'), 2)

    def test_neighbouring_areas_jointly(self):
        """Areas whose vehicles may do each other's visits are planned
        jointly after per area: a visit of the east near the home of a
        vehicle of the west goes to it"""
        problem = routing.Problem(
            vehicles=[
                vehicle('w1', 0, area='west', allowed=frozenset({'w', 'e'})),
                vehicle('e1', 100, area='east',
                    allowed=frozenset({'e', 'far'})),
                vehicle('s1', 200, area='south', allowed=frozenset({'s'}))],
            visits=[visit('w', 1, prize=1000., area='west'),
                visit('e', 10, prize=1000., area='east'),
                visit('far', 99, prize=1000., area='east'),
                visit('s', 201, prize=1000., area='south')],
            travel=line_travel(0, 100, 200, 1, 10, 99, 201))
        self.assertEqual(
            [sorted(v.area for v in vehicles) for vehicles, _ in
                routing._groups(problem)],
            [['east', 'west']])
        plan = solve(problem)
        self.assertValid(problem, plan)
        self.assertEqual(sorted(route_of(plan, 'w1').visits), ['e', 'w'])
        self.assertEqual(route_of(plan, 'e1').visits, ['far'])
        self.assertEqual(route_of(plan, 's1').visits, ['s'])

    def test_replan_from_previous(self):
        "Re-planned from the previous plan, nothing moves"
        rng = random.Random(5)
        problem = random_problem(rng, n_vehicles=4, n_visits=20,
            restricted=False)
        plan = solve(problem, iterations=None, seconds=1.)
        announced = [replace(v, previous_vehicle=plan.assignment()[v.id][0],
                announced=True) if v.id in plan.assignment() else v
            for v in problem.visits]
        again = routing.Problem(vehicles=problem.vehicles, visits=announced,
            travel=problem.travel)
        replanned = solve(again, initial=plan, iterations=None, seconds=.5)
        self.assertValid(again, replanned)
        self.assertLessEqual(replanned.cost(again), plan.cost(again) + 1e-6)
        for visit_id, (vehicle_id, _) in plan.assignment().items():
            self.assertEqual(replanned.assignment()[visit_id][0], vehicle_id)

    def test_replan_some_areas(self):
        "Re-planning an area leaves the routes of the others as they were"
        problem = routing.Problem(
            vehicles=[vehicle('n1', 100, area='north'),
                vehicle('s1', 0, area='south')],
            visits=[visit('n1', 101, prize=1000., area='north'),
                visit('n2', 102, prize=1000., area='north'),
                visit('s1', 1, prize=1000., area='south'),
                visit('s2', 2, prize=1000., area='south'),
                visit('s3', 3, prize=1000., area='south')],
            travel=line_travel(100, 0, 101, 102, 1, 2, 3))
        # a poor order in both areas, and s3 new
        initial = {'n1': ['n2', 'n1'], 's1': ['s2', 's1']}
        plan = solve(problem, initial=initial, areas={'south'})
        self.assertValid(problem, plan)
        self.assertEqual(route_of(plan, 'n1').visits, ['n2', 'n1'])
        self.assertIn(route_of(plan, 's1').visits,
            [['s1', 's2', 's3'], ['s3', 's2', 's1']])
        self.assertEqual(plan.unserved, [])

        # a cancelled visit in a kept route is dropped
        cancelled = routing.Problem(vehicles=problem.vehicles,
            visits=[v for v in problem.visits if v.id != 'n2'],
            travel=problem.travel)
        plan = solve(cancelled, initial=initial, areas={'south'})
        self.assertEqual(route_of(plan, 'n1').visits, ['n1'])
        self.assertEqual(plan.repaired, [routing.Violation(
                    routing.UNKNOWN, visit='n2', vehicle='n1')])

    def test_kept_window(self):
        "A visit told a window starts inside it when it can"
        problem = routing.Problem(
            vehicles=[vehicle('e', 0)],
            visits=[visit('a', 10, fixed_vehicle='e', required=True),
                visit('b', 20, fixed_vehicle='e', required=True)],
            travel=line_travel(0, 10, 20))
        plan = solve(problem)
        self.assertValid(problem, plan)
        # at the earliest without a kept window: before 10:00
        stops = {s.visit: s for s in route_of(plan, 'e').stops}
        self.assertLess(stops['a'].start, 600)
        told = routing.Problem(
            vehicles=problem.vehicles,
            visits=[replace(problem.visit['a'], kept_window=(600, 630)),
                replace(problem.visit['b'], kept_window=(400, 470))],
            travel=problem.travel)
        plan = solve(told, initial=plan)
        self.assertValid(told, plan)
        stops = {s.visit: s for s in route_of(plan, 'e').stops}
        self.assertTrue(600 <= stops['a'].start <= 630)
        # b's kept window is before its window: it is ignored
        self.assertIsNone(told.visit['b'].keeping_window())
        self.assertEqual(plan.unserved, [])

    def test_kept_windows_that_cannot_all_be_kept(self):
        "Two visits told the same window far apart: one keeps it"
        problem = routing.Problem(
            vehicles=[vehicle('e', 0)],
            visits=[visit('a', 60, fixed_vehicle='e', required=True,
                    kept_window=(600, 610)),
                visit('b', -60, fixed_vehicle='e', required=True,
                    kept_window=(600, 610))],
            travel=line_travel(0, 60, -60))
        plan = solve(problem)
        self.assertValid(problem, plan)
        self.assertEqual(plan.unserved, [])
        kept = [s.visit for s in route_of(plan, 'e').stops
            if 600 <= s.start <= 610]
        self.assertEqual(len(kept), 1)

    def test_identical_vehicles_share_a_type(self):
        problem = routing.Problem(
            vehicles=[vehicle(i, 0, capacity=5) for i in range(25)],
            visits=[visit(i, i, load=2, required=True) for i in range(1, 4)],
            travel=line_travel(0, 1, 2, 3))
        model = routing.build_model(problem)
        self.assertEqual(model.data.num_vehicle_types, 1)
        self.assertEqual(model.data.num_vehicles, 25)
        self.assertEqual(model.data.vehicle_types()[0].capacity, [5])
        plan = solve(problem)
        self.assertValid(problem, plan)
        self.assertAlmostEqual(plan.km, 8.)

    def test_explain(self):
        problem = routing.Problem(
            vehicles=[vehicle('e', 0, surcharges={'b': 3.})],
            visits=[visit('a', 2, window=(9 * 60, 10 * 60)),
                visit('b', 5, window=(9 * 60, 12 * 60), previous_vehicle='x',
                    announced=True),
                visit('c', 50, prize=7.)],
            travel=line_travel(0, 2, 5, 50), change_cost=20.)
        geometry = routing.Geometry(problem)
        plan = routing.Plan(
            [routing.schedule(problem, geometry, 'e', ['a', 'b'])], ['c'])
        terms = routing.explain(problem, plan, geometry)
        a, b, c = terms['a'], terms['b'], terms['c']
        self.assertEqual((a.sequence, a.travel_km, a.detour_km), (1, 2., 0.))
        self.assertEqual((b.sequence, b.travel_km, b.detour_km), (2, 3., 6.))
        self.assertEqual(a.slack_minutes, 60)
        self.assertEqual((b.surcharge, b.change_cost), (3., 20.))
        self.assertEqual(b.lateness_minutes, 0)
        self.assertEqual((c.vehicle, c.left_cost), (None, 7.))
        self.assertAlmostEqual(plan.cost(problem), 10 + 3 + 20 + 7)


def random_problem(rng, n_vehicles, n_visits, restricted=True):
    vehicles, visits = [], []
    for i in range(n_visits):
        start = rng.choice([9 * 60, 13 * 60, 15 * 60])
        visits.append(routing.Visit(
                id=i, latitude=31 + rng.random() * .2,
                longitude=121 + rng.random() * .2, window_start=start,
                window_end=start + rng.choice([60, 120, 180]),
                service_minutes=rng.randint(45, 60),
                prize=rng.choice([20., 60., 200.]),
                required=False))
    for k in range(n_vehicles):
        allowed = None
        if restricted:
            allowed = frozenset(v.id for v in visits if rng.random() < .6)
        vehicles.append(routing.Vehicle(
                id=f'v{k}', latitude=31 + rng.random() * .2,
                longitude=121 + rng.random() * .2, shift_start=DAY[0],
                shift_end=DAY[1], capacity=rng.randint(2, 6),
                allowed=allowed,
                surcharges={v.id: 3. for v in visits if rng.random() < .2}))
    if restricted:
        booked = rng.choice(visits)
        owner = rng.choice(vehicles)
        visits[visits.index(booked)] = replace(booked, required=True,
            fixed_vehicle=owner.id, window_start=8 * 60,
            window_end=18 * 60)
    return routing.Problem(vehicles=vehicles, visits=visits)


if __name__ == '__main__':
    unittest.main()

# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
"""The batch dispatch solver against brute force on small random instances.

No database: solver.solve_batch is pure Python."""
import datetime as dt
import itertools
import random
import unittest

from trytond.modules.appliance_service_dispatch import solver

MONDAY = dt.date(2026, 6, 1)
WINDOWS = [(9 * 60, 12 * 60), (13 * 60, 15 * 60), (14 * 60, 17 * 60),
    (15 * 60, 18 * 60)]


def random_instance(rng):
    dates = [MONDAY, MONDAY + dt.timedelta(days=rng.choice([1, 5]))]
    engineers = []
    for engineer_id in range(1, rng.randint(2, 4) + 1):
        capacity = rng.randint(1, 4)
        engineer = solver.EngineerInfo(
            id=engineer_id,
            regions=frozenset(rng.sample([1, 2], rng.randint(1, 2))),
            skills=((rng.choice([None, 1, 2]), rng.choice([None, 7]),
                    rng.randint(1, 3)),),
            working_days=frozenset(range(rng.choice([5, 6]))),
            leaves=((dates[1], dates[1]),) if rng.random() < .2 else (),
            capacity=capacity,
            latitude=31 + rng.random(), longitude=121 + rng.random())
        for date in dates:
            booked = []
            for _ in range(rng.randint(0, 2)):
                window = rng.choice(WINDOWS)
                if (len(booked) < capacity
                        and solver.overlapping(booked, *window)
                        < solver.window_capacity(capacity, *window)):
                    booked.append(window)
            engineer.bookings[date] = booked
        engineers.append(engineer)
    orders = []
    for order_id in range(1, rng.randint(3, 6) + 1):
        start, end = rng.choice(WINDOWS)
        category = rng.choice([1, 2])
        orders.append(solver.OrderInfo(
                id=order_id, region=rng.choice([1, 2]),
                date=rng.choice(dates), start=start, end=end,
                categories=frozenset({category, 10 + category}),
                brand=rng.choice([7, 8]), level=rng.randint(1, 3),
                latitude=31 + rng.random(), longitude=121 + rng.random(),
                priority=rng.randint(0, 3)))
    return orders, engineers


def brute_force(orders, engineers, candidates):
    choices = [[None] + [c.engineer for c in candidates[o.id] if c.eligible]
        for o in orders]
    best = None
    for combination in itertools.product(*choices):
        assignment = {o.id: e for o, e in zip(orders, combination)
            if e is not None}
        cost, violations = solver.batch_cost(
            orders, engineers, assignment, candidates=candidates)
        if not violations and (best is None or cost < best):
            best = cost
    return best


class DispatchSolverTestCase(unittest.TestCase):

    def test_haversine(self):
        "Shanghai to Beijing is about 1,067 km"
        self.assertAlmostEqual(
            solver.haversine_km(31.2304, 121.4737, 39.9042, 116.4074),
            1067, delta=5)

    def test_window_capacity(self):
        for capacity, window, expected in [
                (6, (540, 720), 2),
                (8, (540, 780), 4),
                (1, (540, 600), 1),
                (2, (0, 1440), 2),
                ]:
            with self.subTest(capacity=capacity, window=window):
                self.assertEqual(
                    solver.window_capacity(capacity, *window), expected)

    def test_skill_level(self):
        skills = ((1, None, 2), (10, 7, 4), (None, 8, 1))
        self.assertEqual(solver.skill_level(skills, {10, 1}, 7), 4)
        self.assertEqual(solver.skill_level(skills, {10, 1}, 8), 2)
        self.assertEqual(solver.skill_level(skills, {20, 2}, 9), 0)
        self.assertEqual(solver.skill_level(skills, {20, 2}, 8), 1)

    def test_reasons(self):
        engineer = solver.EngineerInfo(
            id=1, regions=frozenset({1}), skills=((None, None, 3),),
            leaves=((MONDAY + dt.timedelta(days=1),) * 2,), capacity=2,
            bookings={MONDAY + dt.timedelta(days=2): [(540, 720)] * 2,
                MONDAY + dt.timedelta(days=3): [(540, 720)]})
        for days, region, level, window, reason in [
                (0, 1, 1, (540, 720), 'eligible'),
                (0, 2, 1, (540, 720), 'region'),
                (1, 1, 1, (540, 720), 'leave'),
                (6, 1, 1, (540, 720), 'not_working'),
                (0, 1, 4, (540, 720), 'skill'),
                (2, 1, 1, (780, 900), 'capacity'),
                (3, 1, 1, (600, 660), 'window'),
                (3, 1, 1, (780, 900), 'eligible'),
                ]:
            order = solver.OrderInfo(
                id=1, region=region, date=MONDAY + dt.timedelta(days=days),
                start=window[0], end=window[1], level=level)
            with self.subTest(reason=reason, days=days):
                self.assertEqual(
                    solver.evaluate(order, engineer).reason, reason)

    def test_solver_equals_brute_force(self):
        "solve_batch is optimal on 300 random small instances"
        rng = random.Random(20260601)
        blocked = 0
        for instance in range(300):
            orders, engineers = random_instance(rng)
            candidates = solver.evaluate_all(orders, engineers)
            result = solver.solve_batch(
                orders, engineers, candidates=candidates)
            assignment = {o: e for o, (e, _) in result.assignment.items()}
            cost, violations = solver.batch_cost(
                orders, engineers, assignment, candidates=candidates)
            with self.subTest(instance=instance):
                self.assertEqual(violations, [])
                self.assertAlmostEqual(cost, result.cost, places=6)
                self.assertAlmostEqual(
                    cost, brute_force(orders, engineers, candidates),
                    places=6)
                for order_id, reason in result.unassigned.items():
                    eligible = any(
                        c.eligible for c in candidates[order_id])
                    self.assertEqual(reason,
                        'fully_booked' if eligible else 'no_engineer')
            blocked += len(result.unassigned)
        # the instances are tight enough to leave orders
        self.assertGreater(blocked, 50)


if __name__ == '__main__':
    unittest.main()

# This file is part of the appliance_service_route module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
import datetime as dt

from trytond.modules.appliance_service_dispatch.routing import (
    StraightLineTravel)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

# A Monday, far enough not to be over
DAY = dt.date(2030, 1, 7)
# 09:00 in Shanghai is 01:00 UTC
UTC_OFFSET = dt.timedelta(hours=8)
BASE = (31.2, 121.4)
STEP = 0.05


def utc(hour, minute=0):
    return dt.datetime.combine(DAY, dt.time(hour, minute)) - UTC_OFFSET


class ApplianceServiceRouteTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Appliance Service Route module"
    module = 'appliance_service_route'
    extras = ['appliance_service_repair', 'appliance_service_sla']

    def setup_day(self):
        """A company in Shanghai, its region, the engineer of the region, one
        of another region living next to the customers, one on leave, and
        three booked orders: A east of the base (09:00-10:00), C north-east
        and B north (09:00-17:00)"""
        pool = Pool()
        Party = pool.get('party.party')
        Region = pool.get('appliance.service.region')
        Employee = pool.get('company.employee')
        WorkOrder = pool.get('appliance.work_order')
        Configuration = pool.get('appliance.configuration')
        company = create_company()
        company.timezone = 'Asia/Shanghai'
        company.save()
        self.company = company
        lat, lon = BASE
        with set_company(company):
            config = Configuration(1)
            config.route_time_limit = 1
            config.save()
            region, other = Region.create([
                    {'name': "Shanghai", 'code': 'SH'},
                    {'name': "Suzhou", 'code': 'SZ'}])
            parties = Party.create([{'name': n} for n in [
                        "Engineer", "Neighbour", "On Leave", "Unskilled"]])
            # (region, skill level, leave, base)
            setups = [
                (region, '1', False, (lat, lon)),
                (other, '5', False, (lat, lon + STEP)),
                (region, '5', True, (lat, lon + STEP)),
                (region, None, False, (lat + STEP, lon + STEP)),
                ]
            engineer, neighbour, away, unskilled = Employee.create([{
                        'party': p.id, 'company': company.id,
                        'service_engineer': True,
                        'base_latitude': base[0],
                        'base_longitude': base[1],
                        'service_regions': [('add', [r.id])],
                        'skills': [('create', [{'level': level}])]
                        if level else [],
                        'leaves': [('create', [{
                                        'start_date': DAY,
                                        'end_date': DAY}])] if leave else [],
                        } for p, (r, level, leave, base) in zip(
                        parties, setups)])
            points = {
                'A': (lat, lon + STEP),
                'B': (lat + STEP, lon),
                'C': (lat + STEP, lon + STEP),
                }
            customers = Party.create([{
                        'name': name,
                        'addresses': [('create', [{
                                        'latitude': point[0],
                                        'longitude': point[1]}])],
                        } for name, point in points.items()])
            windows = {
                'A': (utc(9), utc(10)),
                'B': (utc(9), utc(17)),
                'C': (utc(9), utc(17)),
                }
            orders = WorkOrder.create([{
                        'company': company.id, 'kind': 'installation',
                        'customer': c.id, 'address': c.addresses[0].id,
                        'region': region.id, 'state': 'scheduled',
                        'appointment_start': windows[c.name][0],
                        'appointment_end': windows[c.name][1],
                        } for c in customers])
        return {
            'region': region, 'engineer': engineer, 'neighbour': neighbour,
            'away': away, 'unskilled': unskilled,
            'orders': dict(zip(points, orders)),
            }

    @with_transaction()
    def test_plan_best_order(self):
        "Test the planner finds the best route and stores its times"
        pool = Pool()
        Route = pool.get('appliance.route')
        WorkOrder = pool.get('appliance.work_order')
        data = self.setup_day()
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(7)):
            result = Route.plan(DAY)
            route, = result['routes']
            self.assertEqual(route.engineer, data['engineer'])
            self.assertEqual(result['served'], 3)
            self.assertEqual(result['left'], 0)
            orders = data['orders']
            self.assertEqual(
                [o.id for o in route.stops],
                [orders[k].id for k in 'ACB'])
            for order in WorkOrder.browse(route.stops):
                self.assertEqual(order.state, 'dispatched')
                self.assertEqual(order.engineer, data['engineer'])
                self.assertLessEqual(
                    order.appointment_start, order.planned_start)
                self.assertLessEqual(
                    order.planned_start, order.appointment_end)
                self.assertLessEqual(
                    order.planned_arrival, order.planned_start)
                self.assertLessEqual(
                    order.arrival_window_start, order.planned_start)
                self.assertLessEqual(
                    order.planned_start, order.arrival_window_end)
                self.assertTrue(order.route_note)
                self.assertIn(order.route_note, order.dispatch_note)
            # the first visit starts at 09:00, no earlier
            first = route.stops[0]
            self.assertEqual(first.planned_start, utc(9))
            self.assertEqual(
                first.planned_arrival, utc(9))
            self.assertAlmostEqual(
                route.departure + dt.timedelta(
                    minutes=first.travel_minutes), utc(9),
                delta=dt.timedelta(minutes=1))
            # home, A, C, B and home again on the straight line with detour
            lat, lon = BASE
            km, _ = StraightLineTravel().matrix([
                    BASE, (lat, lon + STEP), (lat + STEP, lon + STEP),
                    (lat + STEP, lon)])
            legs = [km[0, 1], km[1, 2], km[2, 3]]
            self.assertEqual(
                [o.travel_km for o in route.stops],
                [round(k, 1) for k in legs])
            self.assertAlmostEqual(
                route.km, sum(legs) + km[3, 0], delta=0.1)

    @with_transaction()
    def test_plan_restrictions(self):
        "Test the engineers of other regions or on leave never get an order"
        pool = Pool()
        Route = pool.get('appliance.route')
        WorkOrder = pool.get('appliance.work_order')
        data = self.setup_day()
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(7)):
            Route.plan(DAY)
            engineers = {o.engineer for o in WorkOrder.browse(
                    data['orders'].values())}
            self.assertEqual(engineers, {data['engineer']})
            self.assertFalse(Route.search([
                        ('engineer', 'in', [data[k].id for k in [
                                    'neighbour', 'away', 'unskilled']]),
                        ]))

    @with_transaction()
    def test_replan_keeps_dispatched(self):
        "Test planning again keeps the dispatched visits with the engineer"
        pool = Pool()
        Route = pool.get('appliance.route')
        WorkOrder = pool.get('appliance.work_order')
        data = self.setup_day()
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(7)):
            route, = Route.plan(DAY)['routes']
            Route.announce([route])
            orders = WorkOrder.browse(data['orders'].values())
            self.assertTrue(all(o.announced for o in orders))
            WorkOrder.cancel([data['orders']['C']])
            cancelled = WorkOrder(data['orders']['C'].id)
            self.assertIsNone(cancelled.route)
            route, = Route.plan(DAY)['routes']
            self.assertEqual(
                [o.id for o in route.stops],
                [data['orders'][k].id for k in 'AB'])
            self.assertEqual(route.state, 'planned')
            self.assertTrue(all(o.announced for o in route.stops))

    def run_queue(self):
        """Run the re-planning tasks queued in the transaction as the
        worker would, and return how many; the others are dropped"""
        pool = Pool()
        Queue = pool.get('ir.queue')
        transaction = Transaction()
        count = 0
        while transaction.tasks:
            task = Queue(transaction.tasks.pop(0))
            if task.data['method'] == 'replan_routes':
                task.run()
                count += 1
        return count

    @with_transaction()
    def test_cancel_replans_today(self):
        """Test cancelling an order of today plans the day again through the
        queue, the announced visits keeping their windows"""
        pool = Pool()
        Route = pool.get('appliance.route')
        WorkOrder = pool.get('appliance.work_order')
        Event = pool.get('appliance.work_order.event')
        data = self.setup_day()
        orders = data['orders']
        # 07:00 in Shanghai on the day: it is today
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(7)):
            Transaction().tasks.clear()
            route, = Route.plan(DAY)['routes']
            Route.announce([route])
            self.assertEqual(self.run_queue(), 0)
            a, b = WorkOrder.browse([orders['A'], orders['B']])
            told = {o.id: (o.arrival_window_start, o.arrival_window_end)
                for o in [a, b]}
            planned = {o.id: o.planned_start for o in [a, b]}
            # A, C then B: B after C
            self.assertEqual(
                [o.id for o in route.stops],
                [orders[k].id for k in 'ACB'])

            WorkOrder.cancel([orders['C']])
            # nothing planned yet: the queue does it
            b = WorkOrder(orders['B'].id)
            self.assertEqual(b.planned_start, planned[b.id])
            self.assertEqual(b.planned_sequence, 3)
            self.assertEqual(self.run_queue(), 1)

            route = Route(route.id)
            self.assertEqual(
                [o.id for o in route.stops],
                [orders[k].id for k in 'AB'])
            self.assertEqual([o.planned_sequence for o in route.stops],
                [1, 2])
            for order in WorkOrder.browse(route.stops):
                self.assertTrue(order.announced)
                start, end = told[order.id]
                self.assertEqual(
                    (order.arrival_window_start, order.arrival_window_end),
                    (start, end))
                self.assertLessEqual(start, order.planned_start)
                self.assertLessEqual(order.planned_start, end)
            # B could start at once after A but keeps the window told
            b = WorkOrder(orders['B'].id)
            a = WorkOrder(orders['A'].id)
            free = a.planned_start + dt.timedelta(
                minutes=60 + b.travel_minutes)
            self.assertGreater(b.planned_start, free)
            self.assertGreater(b.planned_start - b.planned_arrival,
                dt.timedelta(minutes=30))
            self.assertFalse(Event.search([
                        ('work_order', 'in', [a.id, b.id]),
                        ('description', 'like', '%planned again%'),
                        ]))

    @with_transaction()
    def test_added_order_replans_today(self):
        """Test an order booked into a planned today joins a route through
        the queue, and none is queued for a day not planned"""
        pool = Pool()
        Route = pool.get('appliance.route')
        WorkOrder = pool.get('appliance.work_order')
        Slot = pool.get('appliance.slot')
        Party = pool.get('party.party')
        data = self.setup_day()
        lat, lon = BASE
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(7)):
            Transaction().tasks.clear()
            slot, = Slot.create([{
                        'region': data['region'].id, 'date': DAY,
                        'start_time': dt.time(13), 'end_time': dt.time(17),
                        'capacity': 3,
                        }])
            customer, = Party.create([{
                        'name': "D",
                        'addresses': [('create', [{
                                        'latitude': lat,
                                        'longitude': round(
                                            lon - STEP, 6)}])],
                        }])
            early, late = WorkOrder.create([{
                        'company': self.company.id, 'kind': 'installation',
                        'customer': customer.id,
                        'address': customer.addresses[0].id,
                        'region': data['region'].id, 'slot': slot.id,
                        }] * 2)
            # today is not planned yet: nothing to do
            WorkOrder.schedule([early])
            self.assertEqual(self.run_queue(), 0)
            route, = Route.plan(DAY)['routes']
            self.assertEqual(route.stop_count, 4)
            WorkOrder.schedule([late])
            self.assertEqual(self.run_queue(), 1)
            late = WorkOrder(late.id)
            self.assertEqual(late.route, route)
            self.assertEqual(late.state, 'dispatched')
            self.assertEqual(late.engineer, data['engineer'])
            self.assertEqual(Route(route.id).stop_count, 5)

        # the day before, booking the day queues nothing
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(7) - dt.timedelta(days=1)):
            other, = WorkOrder.copy([late], {
                    'state': 'draft', 'engineer': None, 'slot': slot.id})
            WorkOrder.schedule([other])
            self.assertEqual(self.run_queue(), 0)

    @with_transaction()
    def test_delay_replans_today(self):
        """Test an engineer leaving late for a visit plans the rest of the
        day again from that visit, after it"""
        pool = Pool()
        Route = pool.get('appliance.route')
        WorkOrder = pool.get('appliance.work_order')
        data = self.setup_day()
        orders = data['orders']
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(7)):
            Transaction().tasks.clear()
            route, = Route.plan(DAY)['routes']
        first = WorkOrder(orders['A'].id)
        self.assertEqual(first.planned_sequence, 1)
        self.assertEqual(first.planned_arrival, utc(9))
        # on time: nothing to plan
        # leaving on time: nothing to plan
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(8, 40)):
            WorkOrder.depart([first])
            self.assertEqual(self.run_queue(), 0)
        # starting an hour late
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(10)):
            WorkOrder.start([first])
            self.assertEqual(self.run_queue(), 1)
            first = WorkOrder(first.id)
            self.assertEqual(first.state, 'in_progress')
            self.assertEqual(first.route, route)
            self.assertEqual(first.planned_sequence, 1)
            others = WorkOrder.browse([orders['B'], orders['C']])
            self.assertEqual(
                sorted(o.planned_sequence for o in others), [2, 3])
            for order in others:
                self.assertEqual(order.route, route)
                # after the visit A: started at 10:00, an hour of work
                self.assertGreaterEqual(order.planned_arrival, utc(11))

    @with_transaction()
    def test_service_time_per_kind(self):
        "Test a visit without repair plan takes the time of its kind"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        Route = pool.get('appliance.route')
        WorkOrder = pool.get('appliance.work_order')
        settings = {
            'route_service_minutes': 45,
            'route_installation_minutes': 120,
            'route_maintenance_minutes': 30,
            'route_repair_minutes': None,
            }
        minutes = [WorkOrder(kind=k, plan=None, fault_type=None)
            .route_service_minutes(settings)
            for k in ['installation', 'maintenance', 'repair']]
        self.assertEqual(minutes, [120, 30, 45])

        data = self.setup_day()
        orders = data['orders']
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(7)):
            config = Configuration(1)
            config.route_installation_minutes = 90
            config.save()
            route, = Route.plan(DAY)['routes']
            first, second, _ = route.stops
            self.assertEqual(first, orders['A'])
            self.assertAlmostEqual(
                second.planned_arrival - first.planned_start,
                dt.timedelta(minutes=90 + second.travel_minutes),
                delta=dt.timedelta(minutes=1))

    @with_transaction()
    def test_cron_plans_tomorrow(self):
        "Test the evening cron plans the next day of the company"
        pool = Pool()
        Route = pool.get('appliance.route')
        data = self.setup_day()
        # 20:00 in Shanghai the day before
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(20) - dt.timedelta(days=1)):
            Route.plan_tomorrow()
            route, = Route.search([])
            self.assertEqual(route.date, DAY)
            self.assertEqual(route.engineer, data['engineer'])
            self.assertEqual(route.stop_count, 3)

    @with_transaction()
    def test_service_time_from_repair_plan(self):
        "Test a visit takes the labour time of its repair plan"
        pool = Pool()
        Category = pool.get('appliance.category')
        FaultType = pool.get('appliance.fault.type')
        Plan = pool.get('appliance.repair.plan')
        WorkOrder = pool.get('appliance.work_order')
        settings = {'route_service_minutes': 45}
        category, = Category.create([{'name': "Washers", 'code': 'WM'}])
        fault, = FaultType.create([{
                    'code': 'WM-01', 'name': "No spin",
                    'category': category.id}])
        plan, = Plan.create([{
                    'fault_type': fault.id, 'category': category.id,
                    'labour_hours': 1.5, 'skill_level': '2',
                    'steps': [('create', [{'description': "Check"}])],
                    }])
        self.assertEqual(WorkOrder(kind='repair', plan=None, fault_type=None)
            .route_service_minutes(settings), 45)
        self.assertEqual(
            WorkOrder(kind='repair', plan=plan)
            .route_service_minutes(settings), 90)
        # the fault without active plan
        self.assertEqual(
            WorkOrder(kind='repair', plan=None, fault_type=fault,
                appliance=None)
            .route_service_minutes(settings), 45)
        # the active plan of the fault
        Plan.activate([plan])
        self.assertEqual(
            WorkOrder(kind='repair', plan=None, fault_type=fault,
                appliance=None)
            .route_service_minutes(settings), 90)

    @with_transaction()
    def test_prize_of_sla_risk(self):
        "Test the orders at SLA risk or breached cost more to leave"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        factors = [WorkOrder(sla_status=s).route_prize_factor()
            for s in [None, 'on_track', 'at_risk', 'breached']]
        self.assertEqual(factors, [1, 1, 2, 3])

    @with_transaction()
    def test_plan_past_day(self):
        "Test a day over cannot be planned"
        pool = Pool()
        Route = pool.get('appliance.route')
        self.setup_day()
        with set_company(self.company), Transaction().set_context(
                sla_now=utc(7) + dt.timedelta(days=2)):
            with self.assertRaises(Exception) as cm:
                Route.plan(DAY)
            self.assertIn('cannot be planned', str(cm.exception))


del ModuleTestCase

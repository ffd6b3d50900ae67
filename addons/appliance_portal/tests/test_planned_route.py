# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The planned routes of today through the API: the dispatcher plans the
day, the engineer lists it in the order of the route, the customers see the
narrowed arrival window; a visit cancelled by the desk or booked by a
customer plans the day again (the queue runs right after the request,
without worker) and the announced visits keep their windows.

The API reads the real clock: the company lives in the Etc/GMT time zone
where it is now between 06:00 and 07:00, so that the whole day (the slot
from 09:00 to 17:00, the shifts from 08:00) is still to come."""
import datetime as dt

from trytond.modules.appliance_service.local_time import local_today
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase

from .api_client import ApiMixin, unique
from .tools import PASSWORD, PortalTestMixin

BASE = (32.05, 118.75)
STEP = 0.05


def morning_zone(now=None):
    "The Etc/GMT time zone whose clocks read 06:xx now (aware UTC)"
    now = now or dt.datetime.now(dt.timezone.utc)
    offset = (6 - now.hour) % 24
    if offset > 14:
        offset -= 24
    # Etc/GMT-5 is 5 hours ahead of UTC
    return f'Etc/GMT{-offset:+d}' if offset else 'Etc/UTC'


class PlannedRouteTestCase(PortalTestMixin, ApiMixin, RouteTestCase):
    "Test the planned routes of today through the API"

    def setup_today(self):
        """A region of Jiangsu whose engineer works today, its slot of today
        and the engineer's user; return today and the slot and engineer
        ids"""
        zone = morning_zone()

        def setup():
            pool = Pool()
            Company = pool.get('company.company')
            Subdivision = pool.get('country.subdivision')
            Region = pool.get('appliance.service.region')
            Slot = pool.get('appliance.slot')
            Party = pool.get('party.party')
            Employee = pool.get('company.employee')
            User = pool.get('res.user')
            ModelData = pool.get('ir.model.data')
            Configuration = pool.get('appliance.configuration')
            company = Company(self.ids['company'])
            company.timezone = zone
            company.save()
            today = local_today()
            jiangsu, = Subdivision.search([('code', '=', 'CN-JS')])
            region, = Region.create([{
                        'name': "南京", 'code': 'NJ',
                        'subdivisions': [('add', [jiangsu.id])],
                        }])
            slot, = Slot.create([{
                        'region': region.id, 'date': today,
                        'start_time': dt.time(9), 'end_time': dt.time(17),
                        'capacity': 10,
                        }])
            party, = Party.create([{'name': "孙路线"}])
            employee, = Employee.create([{
                        'party': party.id, 'company': self.ids['company'],
                        'service_engineer': True,
                        'service_regions': [('add', [region.id])],
                        'skills': [('create', [{
                                        'category': self.ids['category'],
                                        'level': '4'}])],
                        'working_days': ['0', '1', '2', '3', '4', '5', '6'],
                        'daily_capacity': 10,
                        'base_latitude': BASE[0],
                        'base_longitude': BASE[1],
                        }])
            user, = User.create([{
                        'login': 'engineer_route', 'name': "孙路线",
                        'password': PASSWORD,
                        'groups': [('add', [ModelData.get_id(
                                        'appliance', 'group_engineer')])],
                        'companies': [('add', [self.ids['company']])],
                        'company': self.ids['company'],
                        'employees': [('add', [employee.id])],
                        'employee': employee.id,
                        }])
            User.write([user], {'password_change_required': False})
            config = Configuration(1)
            config.route_time_limit = 1
            config.save()
            return today, slot.id, employee.id
        return self.in_transaction(setup)

    def book_at(self, slot, point):
        """A new customer of Nanjing living at point books a visit in slot;
        return the token, the request id and the work order id"""
        token, _ = self.signup(address={
                'subdivision': 'CN-JS', 'city': "南京",
                'street': f"中山路 {unique()} 号"})
        _, me = self.call('GET', 'me', token=token, status=200)

        def locate(mobile):
            Party = Pool().get('party.party')
            Address = Pool().get('party.address')
            party, = Party.search([('mobile_number', '=', mobile)])
            Address.write(list(party.addresses), {
                    'latitude': round(point[0], 6),
                    'longitude': round(point[1], 6)})
        self.in_transaction(locate, me['mobile'])
        appliance = self.register(token)
        request = self.book(token, appliance['id'], slot=slot)
        return token, request['id'], request['visits'][0]['id']

    def window(self, token, request_id):
        "The arrival window the customer reads, as aware date times"
        _, request = self.call('GET', f'service-requests/{request_id}',
            token=token, status=200)
        visit, = request['visits']
        if visit['arrival_window_start'] is None:
            self.assertIsNone(visit['arrival_window_end'])
            return None
        return tuple(dt.datetime.fromisoformat(visit[k]) for k in [
                'arrival_window_start', 'arrival_window_end'])

    def test_plan_and_replan_today(self):
        """The engineer's day in route order, the customers' windows, kept
        when the day is planned again after a cancellation and a booking"""
        today, slot, employee = self.setup_today()
        engineer = self.staff_token('engineer_route')
        agent = self.staff_token('agent')
        url = f'staff/work-orders?mine=true&date={today}&order=route'

        # A north, B north-east and C east of the base, booked A, C, B: the
        # best route goes A, B, C or C, B, A
        points = {
            'A': (BASE[0] + STEP, BASE[1]),
            'C': (BASE[0], BASE[1] + STEP),
            'B': (BASE[0] + STEP, BASE[1] + STEP),
            }
        booked = {n: self.book_at(slot, points[n]) for n in 'ACB'}
        order_ids = {n: o for n, (_, _, o) in booked.items()}
        _, page = self.call('GET', url, headers=engineer, status=200)
        self.assertEqual(page['items'], [])

        def plan():
            Route = Pool().get('appliance.route')
            route, = Route.plan(today)['routes']
            Route.announce([route])
            return [o.id for o in route.stops]
        stops = self.in_transaction(plan)
        self.assertEqual(stops[1], order_ids['B'])

        # The engineer's pages: today's jobs in the order of the route
        _, page = self.call('GET', url, headers=engineer, status=200)
        items = page['items']
        self.assertEqual([o['id'] for o in items], stops)
        self.assertEqual([o['planned_sequence'] for o in items], [1, 2, 3])
        arrivals = [dt.datetime.fromisoformat(o['planned_arrival'])
            for o in items]
        self.assertEqual(arrivals, sorted(arrivals))
        # in the company's time zone, not before the slot
        self.assertEqual(arrivals[0].hour, 9)
        self.assertEqual(arrivals[0].date(), today)

        # The customers: the narrowed window inside the appointment
        windows = {}
        for name, (token, request_id, order_id) in booked.items():
            start, end = windows[order_id] = self.window(token, request_id)
            self.assertLess(start, end)
            self.assertLessEqual(end - start, dt.timedelta(minutes=30))
            self.assertEqual((start.date(), end.date()), (today, today))
            self.assertGreaterEqual(start.time(), dt.time(9))
            self.assertLessEqual(end.time(), dt.time(17))

        # The desk cancels the middle visit: the day is planned again, the
        # others keep their place and their windows
        _, order = self.call('POST',
            f"staff/work-orders/{order_ids['B']}/progress",
            {'action': 'cancel'}, headers=agent, status=200)
        self.assertEqual(order['state'], 'cancelled')
        self.assertIsNone(order['planned_sequence'])
        _, page = self.call('GET', url, headers=engineer, status=200)
        # the cancelled visit is listed last, out of the route
        items = page['items']
        self.assertEqual(items[-1]['id'], order_ids['B'])
        self.assertIsNone(items[-1]['planned_sequence'])
        items = items[:-1]
        kept = [stops[0], stops[2]]
        self.assertEqual([o['id'] for o in items], kept)
        self.assertEqual([o['planned_sequence'] for o in items], [1, 2])
        for name in 'AC':
            token, request_id, order_id = booked[name]
            self.assertEqual(
                self.window(token, request_id), windows[order_id])
        token, request_id, _ = booked['B']
        self.assertIsNone(self.window(token, request_id))

        # A customer between A and C books today: the visit joins the
        # engineer's day, A and C keep their windows
        token, request_id, order_id = self.book_at(slot,
            (BASE[0] + STEP / 2, BASE[1] + STEP / 2))
        _, page = self.call('GET', url, headers=engineer, status=200)
        items = [o for o in page['items'] if o['state'] != 'cancelled']
        self.assertEqual(len(items), 3)
        self.assertIn(order_id, [o['id'] for o in items])
        self.assertEqual([o['planned_sequence'] for o in items], [1, 2, 3])
        new, = [o for o in items if o['id'] == order_id]
        self.assertEqual(new['state'], 'dispatched')
        self.assertEqual(new['engineer'], employee)
        # not announced yet
        self.assertIsNone(self.window(token, request_id))
        for name in 'AC':
            token, request_id, order_id = booked[name]
            self.assertEqual(
                self.window(token, request_id), windows[order_id])


del RouteTestCase

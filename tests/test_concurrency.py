# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
"""Concurrent bookings never overbook a slot.

Several transactions book the last places of one appointment slot at the
same moment, the way several agents or portal users would.  Exactly the
capacity succeeds; the others get the translated "fully booked" error.

Through the HTTP API too: 30 customers of the portal book a slot of 3
places at once on a running server; 3 are answered 201, the 27 others 409
slot_full, none 5xx.
"""
import datetime as dt
import json
import threading
import unittest
import urllib.error
import urllib.request

from trytond import backend
from trytond.exceptions import UserError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, USER, activate_module, drop_db
from trytond.transaction import Transaction, TransactionError

CAPACITY = 3
CONTENDERS = 8
# The customers of the portal who book the slot at once through the API
API_CONTENDERS = 30


@unittest.skipUnless(backend.name == 'postgresql',
    "row locking is exercised on PostgreSQL, the production database")
class SlotConcurrencyTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # Each case on its own database
        drop_db()
        activate_module(['appliance_service'])
        with Transaction().start(DB_NAME, USER) as transaction:
            cls.company_id, cls.slot_id, cls.order_ids = cls.create_data()
            transaction.commit()

    @classmethod
    def tearDownClass(cls):
        drop_db()

    @classmethod
    def create_data(cls):
        pool = Pool()
        Party = pool.get('party.party')
        Region = pool.get('appliance.service.region')
        Slot = pool.get('appliance.slot')
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        with set_company(company):
            region = Region(name="East", code='EAST')
            region.save()
            slot = Slot(
                region=region,
                date=dt.date.today() + dt.timedelta(days=1),
                start_time=dt.time(9), end_time=dt.time(12),
                capacity=CAPACITY)
            slot.save()
            orders = []
            for i in range(CONTENDERS):
                customer = Party(
                    name=f"Customer {i}", addresses=[{'city': "Hangzhou"}])
                customer.save()
                orders.append(WorkOrder(
                        kind='installation', customer=customer,
                        address=customer.addresses[0], region=region,
                        slot=slot))
            WorkOrder.save(orders)
            return company.id, slot.id, [o.id for o in orders]

    def book(self, order_id, barrier, results):
        "Schedule one order the way the RPC dispatcher runs a call"
        pool = Pool(DB_NAME)
        extras = {}
        barrier.wait()
        for _ in range(20):
            try:
                with Transaction().start(
                        DB_NAME, USER, context={'company': self.company_id},
                        **extras) as transaction:
                    WorkOrder = pool.get('appliance.work_order')
                    WorkOrder.schedule([WorkOrder(order_id)])
                    transaction.commit()
                results.append('booked')
                return
            except TransactionError as error:
                error.fix(extras)
            except backend.DatabaseOperationalError:
                continue
            except UserError as error:
                results.append(error.message)
                return
        results.append('gave up')

    def test_last_places_are_never_double_booked(self):
        barrier = threading.Barrier(CONTENDERS)
        results = []
        threads = [threading.Thread(
                target=self.book, args=(order_id, barrier, results))
            for order_id in self.order_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(results.count('booked'), CAPACITY, results)
        refused = [r for r in results if r != 'booked']
        self.assertEqual(len(refused), CONTENDERS - CAPACITY, results)
        for message in refused:
            self.assertIn("fully booked", message)

        with Transaction().start(DB_NAME, USER):
            pool = Pool()
            Slot = pool.get('appliance.slot')
            WorkOrder = pool.get('appliance.work_order')
            slot = Slot(self.slot_id)
            self.assertEqual(slot.booked, CAPACITY)
            self.assertEqual(slot.available, 0)
            self.assertEqual(WorkOrder.search_count([
                        ('slot', '=', self.slot_id),
                        ('state', '=', 'scheduled'),
                        ]), CAPACITY)


@unittest.skipUnless(backend.name == 'postgresql',
    "row locking is exercised on PostgreSQL, the production database")
class ApiSlotConcurrencyTestCase(unittest.TestCase):
    "Customers book the last places of a slot through the HTTP API at once"

    @classmethod
    def setUpClass(cls):
        from trytond.modules.appliance_portal.tests.tools import (
            setup_portal_data)
        drop_db()
        activate_module(['appliance_portal'])
        with Transaction().start(DB_NAME, USER) as transaction:
            ids = setup_portal_data(fault_types=False)
            cls.slot_id, cls.tokens = cls.create_data(ids)
            transaction.commit()

    @classmethod
    def tearDownClass(cls):
        drop_db()

    @classmethod
    def create_data(cls, ids):
        "Create the slot and the customers; return the slot and sessions"
        pool = Pool()
        Company = pool.get('company.company')
        Slot = pool.get('appliance.slot')
        Subdivision = pool.get('country.subdivision')
        Party = pool.get('party.party')
        WebUser = pool.get('web.user')
        Session = pool.get('web.user.session')
        zhejiang, = Subdivision.search([('code', '=', 'CN-ZJ')])
        with set_company(Company(ids['company'])):
            slot = Slot(
                region=ids['region'],
                date=dt.date.today() + dt.timedelta(days=2),
                start_time=dt.time(18), end_time=dt.time(20),
                capacity=CAPACITY)
            slot.save()
            tokens = []
            for i in range(API_CONTENDERS):
                party = Party(name=f"Customer {i}", addresses=[{
                            'street': f"文一路 {i} 号", 'city': "杭州",
                            'country': zhejiang.country.id,
                            'subdivision': zhejiang.id,
                            }])
                party.save()
                user = WebUser(
                    email=f'race{i}@example.com', party=party,
                    email_valid=True)
                user.save()
                tokens.append(Session.add(user))
        return slot.id, tokens

    def serve(self):
        "Serve trytond's application on a free port; return its URL"
        from werkzeug.serving import make_server

        import trytond.modules.appliance_portal  # noqa: F401
        from trytond.wsgi import app
        server = make_server('127.0.0.1', 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop():
            server.shutdown()
            server.server_close()
            thread.join(10)
        self.addCleanup(stop)
        return f'http://127.0.0.1:{server.server_port}/{DB_NAME}/api/v1/'

    def book(self, url, token, barrier, results):
        "Book the slot for the customer of token; keep status and code"
        request = urllib.request.Request(
            url + 'service-requests', method='POST',
            data=json.dumps({
                    'kind': 'installation',
                    'description': "安装空调",
                    'slot': self.slot_id,
                    }).encode(),
            headers={
                'Content-Type': 'application/json',
                'Authorization': f'Bearer {token}',
                'Accept-Language': 'zh-CN',
                })
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                results.append((response.status, json.load(response)))
        except urllib.error.HTTPError as error:
            body = error.read()
            try:
                payload = json.loads(body)
            except ValueError:
                payload = body.decode(errors='replace')
            results.append((error.code, payload))

    def test_api_last_places(self):
        "30 customers book a slot of 3 places: 3 × 201, 27 × 409 slot_full"
        url = self.serve()
        barrier = threading.Barrier(API_CONTENDERS)
        results = []
        threads = [threading.Thread(
                target=self.book, args=(url, token, barrier, results))
            for token in self.tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)

        statuses = sorted(status for status, _ in results)
        self.assertEqual(len(results), API_CONTENDERS, results)
        self.assertEqual([s for s in statuses if s >= 500], [], results)
        self.assertEqual(statuses.count(201), CAPACITY, results)
        refused = [p for s, p in results if s != 201]
        self.assertEqual(len(refused), API_CONTENDERS - CAPACITY, results)
        for status, payload in results:
            if status == 201:
                continue
            self.assertEqual(status, 409, payload)
            self.assertEqual(payload['error']['code'], 'slot_full')
            # Translated, and no internal record name
            self.assertNotIn('WO', payload['error']['message'])
            self.assertNotIn('Appliance Work Order',
                payload['error']['message'])

        with Transaction().start(DB_NAME, USER):
            pool = Pool()
            Slot = pool.get('appliance.slot')
            WorkOrder = pool.get('appliance.work_order')
            slot = Slot(self.slot_id)
            self.assertEqual(slot.available, 0)
            self.assertEqual(WorkOrder.search_count([
                        ('slot', '=', self.slot_id),
                        ('state', '=', 'scheduled'),
                        ]), CAPACITY)

# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
"""Concurrent bookings never overbook a slot.

Several transactions book the last places of one appointment slot at the
same moment, the way several agents or portal users would.  Exactly the
capacity succeeds; the others get the translated "fully booked" error.
"""
import datetime as dt
import threading
import unittest

from trytond import backend
from trytond.exceptions import UserError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, USER, activate_module
from trytond.transaction import Transaction, TransactionError

CAPACITY = 3
CONTENDERS = 8


@unittest.skipUnless(backend.name == 'postgresql',
    "row locking is exercised on PostgreSQL, the production database")
class SlotConcurrencyTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module(['appliance_service'])
        with Transaction().start(DB_NAME, USER) as transaction:
            cls.company_id, cls.slot_id, cls.order_ids = cls.create_data()
            transaction.commit()

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

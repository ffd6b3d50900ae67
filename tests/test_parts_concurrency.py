# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
"""Concurrent consumptions never take a part's stock below zero.

Twenty transactions consume one unit each of the last five units of a part
in an engineer's van at the same moment, the way the engineers' completions
reach the server.  Each runs the way the RPC dispatcher runs a call: a
transaction error restarts it with its locks, an operational error of the
database is retried as many times as the server's configuration says.
Exactly five succeed; the others get the translated "only N left" error;
the van ends with nothing and no consumption is done twice.
"""
import datetime as dt
import threading
import unittest
from decimal import Decimal

from trytond import backend
from trytond.config import config
from trytond.exceptions import UserError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, USER, activate_module
from trytond.transaction import Transaction, TransactionError

STOCK = 5
CONTENDERS = 20


@unittest.skipUnless(backend.name == 'postgresql',
    "row locking is exercised on PostgreSQL, the production database")
class PartsConcurrencyTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        activate_module(['appliance_parts'])
        # The moves have no work order as origin
        with Transaction().start(
                DB_NAME, USER, context={'_skip_warnings': True}
                ) as transaction:
            cls.company_id, cls.van_id, cls.product_id, cls.move_ids = (
                cls.create_data())
            transaction.commit()

    @classmethod
    def create_data(cls):
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        Category = pool.get('product.category')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        company = create_company()
        with set_company(company):
            unit, = Uom.search([('name', '=', "Unit")])
            category = Category(name="空调配件", code='AC', part_category=True)
            category.save()
            template = Template(
                name="启动电容 35uF", type='goods', default_uom=unit,
                spare_part=True, part_category=category)
            template.save()
            product = Product(template=template)
            product.save()
            supplier, = Location.search([('type', '=', 'supplier')])
            customer, = Location.search([('type', '=', 'customer')])
            # Vans sit outside the warehouses
            van = Location(name="Van of 赵建国", code='VAN1', type='storage')
            van.save()
            today = dt.date.today()
            receipt = Move(
                product=product, unit=unit, quantity=STOCK,
                from_location=supplier, to_location=van,
                planned_date=today, effective_date=today,
                unit_price=Decimal('12'), currency=company.currency)
            receipt.save()
            Move.do([receipt])
            moves = [Move(
                    product=product, unit=unit, quantity=1,
                    from_location=van, to_location=customer,
                    planned_date=today, unit_price=Decimal('24'),
                    currency=company.currency)
                for _ in range(CONTENDERS)]
            Move.save(moves)
            return company.id, van.id, product.id, [m.id for m in moves]

    def consume(self, move_id, barrier, results):
        "Consume one move the way the RPC dispatcher runs a call"
        pool = Pool(DB_NAME)
        retry = config.getint('database', 'retry')
        count = 0
        extras = {}
        barrier.wait()
        while True:
            try:
                with Transaction().start(
                        DB_NAME, USER, context={
                            'company': self.company_id,
                            '_skip_warnings': True,
                            }, **extras) as transaction:
                    Move = pool.get('stock.move')
                    Move.consume_parts([Move(move_id)])
                    transaction.commit()
                results.append('done')
                return
            except TransactionError as error:
                error.fix(extras)
            except backend.DatabaseOperationalError as error:
                if count < retry:
                    count += 1
                    continue
                results.append(f'database error: {error}')
                return
            except UserError as error:
                results.append(error.message)
                return

    def test_last_units_are_never_consumed_twice(self):
        barrier = threading.Barrier(CONTENDERS)
        results = []
        threads = [threading.Thread(
                target=self.consume, args=(move_id, barrier, results))
            for move_id in self.move_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(results.count('done'), STOCK, results)
        refused = [r for r in results if r != 'done']
        self.assertEqual(len(refused), CONTENDERS - STOCK, results)
        for message in refused:
            self.assertRegex(
                message, r'^Only 0 u of ".*" left in "\[VAN1\] Van of ')

        with Transaction().start(
                DB_NAME, USER, context={'company': self.company_id}):
            pool = Pool()
            Move = pool.get('stock.move')
            Product = pool.get('product.product')
            self.assertEqual(Move.search_count([
                        ('id', 'in', self.move_ids),
                        ('state', '=', 'done'),
                        ]), STOCK)
            with Transaction().set_context(
                    locations=[self.van_id], forecast=False,
                    stock_date_end=dt.date.today()):
                self.assertEqual(Product(self.product_id).quantity, 0)

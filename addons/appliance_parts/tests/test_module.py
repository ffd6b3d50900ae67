# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
import datetime as dt
from decimal import Decimal

from trytond.modules.appliance_parts.exceptions import (
    PartShortageError, SerialError)
from trytond.modules.appliance_parts.order_point import minimum_quantity
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class TestCase(CompanyTestMixin, ModuleTestCase):
    "Test appliance_parts module"
    module = 'appliance_parts'

    def test_minimum_quantity(self):
        "The reorder point is rate x lead time + safety stock, rounded up"
        for rate, lead_days, safety, rounding, expected in [
                (0.5, 10, 3, 1, 8),
                (57 / 90, 10, 3, 1, 10),
                (0.1, 1, 1, 1, 2),
                (0, 7, 0, 1, 0),
                (0, 7, None, 1, 0),
                (0.3, 10, 0, 1, 3),
                (0.25, 3, 0.1, 0.1, 0.9),
                ]:
            with self.subTest(rate=rate, lead_days=lead_days):
                self.assertAlmostEqual(
                    minimum_quantity(rate, lead_days, safety, rounding),
                    expected)

    def _create_parts(self):
        pool = Pool()
        Category = pool.get('product.category')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        unit, = Uom.search([('name', '=', "Unit")])
        category, = Category.create([{
                    'name': "Fridge parts",
                    'code': 'RF',
                    'part_category': True,
                    }])
        templates = Template.create([{
                    'name': name,
                    'type': 'goods',
                    'default_uom': unit.id,
                    'spare_part': True,
                    'part_category': category.id,
                    'products': [('create', [{}])],
                    } for name in ["Thermostat A", "Thermostat B", "Fan"]])
        return [t.products[0] for t in templates]

    def _stock(self, product, location, quantity, company):
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        supplier, = Location.search([('type', '=', 'supplier')])
        move, = Move.create([{
                    'product': product.id,
                    'unit': product.default_uom.id,
                    'quantity': quantity,
                    'from_location': supplier.id,
                    'to_location': location.id,
                    'unit_price': Decimal(10),
                    'currency': company.currency.id,
                    'effective_date': dt.date.today(),
                    }])
        with Transaction().set_context(_skip_warnings=True):
            Move.do([move])

    @with_transaction()
    def test_part_codes(self):
        "Parts are numbered within their category"
        first, second, third = self._create_parts()
        self.assertEqual(
            [p.code for p in [first, second, third]],
            ['RF-00001', 'RF-00002', 'RF-00003'])

    @with_transaction()
    def test_substitutes(self):
        "One-way substitutes unless both ways; only those in stock"
        pool = Pool()
        Substitute = pool.get('appliance.part.substitute')
        Location = pool.get('stock.location')
        company = create_company()
        with set_company(company):
            a, b, c = self._create_parts()
            Substitute.create([{
                        'part': a.template.id,
                        'substitute': b.template.id,
                        }, {
                        'part': c.template.id,
                        'substitute': a.template.id,
                        'both_ways': True,
                        }])
            self.assertEqual(
                a.template.substitute_templates(), [b.template, c.template])
            self.assertEqual(b.template.substitute_templates(), [])
            self.assertEqual(c.template.substitute_templates(), [a.template])

            storage, = Location.search([('code', '=', 'STO')])
            self._stock(b, storage, 1, company)
            self._stock(c, storage, 3, company)
            self.assertEqual(
                a.substitutes_in_stock(storage),
                [(c, 3), (b, 1)])
            self.assertEqual(a.substitutes_in_stock(storage, 2), [(c, 3)])

    @with_transaction()
    def test_van_created_outside_warehouses(self):
        "An engineer gets a van outside every warehouse"
        pool = Pool()
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            party, = Party.create([{'name': "Engineer"}])
            employee, = Employee.create([{
                        'party': party.id,
                        'company': company.id,
                        }])
            self.assertIsNone(employee.van)
            Employee.write([employee], {'service_engineer': True})
            self.assertIsNotNone(employee.van)
            self.assertIsNone(employee.van.warehouse)
            self.assertEqual(employee.van.type, 'storage')
            self.assertEqual(employee.van.engineer, employee)
            van = employee.van
            Employee.write([employee], {'service_engineer': True})
            self.assertEqual(employee.van, van)

    @with_transaction()
    def test_consume_parts_refuses_shortage(self):
        "Consuming more than the van holds is refused, nothing is done"
        pool = Pool()
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        company = create_company()
        with set_company(company):
            part, _, _ = self._create_parts()
            party, = Party.create([{'name': "Engineer"}])
            employee, = Employee.create([{
                        'party': party.id,
                        'company': company.id,
                        'service_engineer': True,
                        }])
            van = employee.van
            customer, = Location.search([('type', '=', 'customer')])
            self._stock(part, van, 2, company)
            moves = Move.create([{
                        'product': part.id,
                        'unit': part.default_uom.id,
                        'quantity': 3,
                        'from_location': van.id,
                        'to_location': customer.id,
                        'unit_price': Decimal(10),
                        'currency': company.currency.id,
                        }])
            with self.assertRaises(PartShortageError) as cm:
                Move.consume_parts(moves)
            self.assertIn("2", cm.exception.message)
            self.assertEqual(moves[0].state, 'draft')

            Move.write(moves, {'quantity': 2})
            Move.reserve_parts(moves)
            self.assertEqual(moves[0].state, 'assigned')
            # The work order will be the origin of the consumption
            with Transaction().set_context(_skip_warnings=True):
                Move.consume_parts(moves)
            self.assertEqual(moves[0].state, 'done')

    @with_transaction()
    def test_parts_source(self):
        "The van when it holds the part, else the regional warehouse"
        pool = Pool()
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        Location = pool.get('stock.location')
        company = create_company()
        with set_company(company):
            part, _, _ = self._create_parts()
            warehouse, = Location.search([('code', '=', 'WH')])
            party, = Party.create([{'name': "Engineer"}])
            employee, = Employee.create([{
                        'party': party.id,
                        'company': company.id,
                        'service_engineer': True,
                        'parts_warehouse': warehouse.id,
                        }])
            self._stock(part, employee.van, 1, company)
            self.assertEqual(employee.parts_source(part, 1), employee.van)
            self.assertEqual(
                employee.parts_source(part, 2), warehouse.storage_location)

    @with_transaction()
    def test_consume_parts_keeps_reservations(self):
        "Consuming leaves what other moves reserved and checks the serial"
        pool = Pool()
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        Location = pool.get('stock.location')
        Lot = pool.get('stock.lot')
        Move = pool.get('stock.move')
        company = create_company()
        with set_company(company):
            part, _, _ = self._create_parts()
            party, = Party.create([{'name': "Engineer"}])
            employee, = Employee.create([{
                        'party': party.id,
                        'company': company.id,
                        'service_engineer': True,
                        }])
            van = employee.van
            customer, = Location.search([('type', '=', 'customer')])
            self._stock(part, van, 2, company)

            def move(quantity, lot=None):
                return Move.create([{
                            'product': part.id,
                            'unit': part.default_uom.id,
                            'quantity': quantity,
                            'from_location': van.id,
                            'to_location': customer.id,
                            'unit_price': Decimal(10),
                            'currency': company.currency.id,
                            'lot': lot.id if lot else None,
                            }])
            reserved = move(1)
            Move.reserve_parts(reserved)
            unreserved = move(2)
            with self.assertRaises(PartShortageError) as cm:
                Move.consume_parts(unreserved)
            self.assertIn("1", cm.exception.message)

            lot, = Lot.create([{'number': 'SN1', 'product': part.id}])
            with self.assertRaises(SerialError) as cm:
                Move.consume_parts(move(1, lot))
            self.assertIn("SN1", cm.exception.message)


del ModuleTestCase

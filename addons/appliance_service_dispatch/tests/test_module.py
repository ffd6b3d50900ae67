# This file is part of the appliance_service_dispatch module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
import datetime as dt

from trytond.modules.appliance_service_dispatch.solver import WEIGHTS, Weights
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class ApplianceServiceDispatchTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Appliance Service Dispatch module"
    module = 'appliance_service_dispatch'

    @with_transaction()
    def test_weights_default(self):
        "Test the dispatch weights default to those of the solver"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        company = create_company()
        with set_company(company):
            config = Configuration(1)
            self.assertEqual(config.dispatch_weights(company), WEIGHTS)

    @with_transaction()
    def test_weights_per_company(self):
        "Test each company has its own dispatch weights"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        company = create_company()
        other = create_company(name="Other")
        with set_company(company):
            config = Configuration(1)
            config.dispatch_distance_weight = 2.5
            config.dispatch_unassigned_weight = 500
            config.save()
        with set_company(other):
            config = Configuration(1)
            self.assertEqual(config.dispatch_weights(other), WEIGHTS)
            self.assertEqual(
                config.dispatch_weights(company),
                Weights(distance=2.5, skill=WEIGHTS.skill,
                    workload=WEIGHTS.workload, window=WEIGHTS.window,
                    unknown_distance_km=WEIGHTS.unknown_distance_km,
                    unassigned=500))

    @with_transaction()
    def test_local_days_and_windows(self):
        "Test dispatch reads the days and windows on the company's clocks"
        pool = Pool()
        Party = pool.get('party.party')
        Region = pool.get('appliance.service.region')
        Slot = pool.get('appliance.slot')
        Employee = pool.get('company.employee')
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        company.timezone = 'Asia/Shanghai'
        company.save()
        day = dt.date(2030, 1, 7)
        next_day = day + dt.timedelta(days=1)
        with set_company(company):
            region, = Region.create([{'name': "Shanghai", 'code': 'SH'}])
            slot, = Slot.create([{
                        'region': region.id, 'date': day,
                        'start_time': dt.time(9), 'end_time': dt.time(12),
                        }])
            customer, engineer_party = Party.create([
                    {'name': "Customer", 'addresses': [('create', [{}])]},
                    {'name': "Engineer"}])
            engineer, = Employee.create([{
                        'party': engineer_party.id, 'company': company.id,
                        'service_engineer': True}])

            def visit(start, end):
                "A visit dispatched to the engineer, in UTC"
                return {
                    'company': company.id, 'kind': 'installation',
                    'customer': customer.id,
                    'address': customer.addresses[0].id,
                    'region': region.id, 'state': 'dispatched',
                    'engineer': engineer.id,
                    'appointment_start': start, 'appointment_end': end,
                    }
            # 18:00-20:00 and 07:00-08:00 the next day in Shanghai
            evening, early = WorkOrder.create([
                    visit(dt.datetime(2030, 1, 7, 10),
                        dt.datetime(2030, 1, 7, 12)),
                    visit(dt.datetime(2030, 1, 7, 23),
                        dt.datetime(2030, 1, 8, 0)),
                    ])

            order = WorkOrder(company=company, appliance=None,
                address=None, region=None, priority=None)
            info = order._dispatch_info(slot=slot)
            self.assertEqual(
                (info.date, info.start, info.end), (day, 9 * 60, 12 * 60))
            info = early._dispatch_info()
            self.assertEqual(
                (info.date, info.start, info.end),
                (next_day, 7 * 60, 8 * 60))

            bookings = WorkOrder._dispatch_bookings(
                [engineer], {day, next_day}, timezone=order.timezone)
            self.assertEqual(bookings[engineer.id], {
                    day: [(18 * 60, 20 * 60)],
                    next_day: [(7 * 60, 8 * 60)],
                    })
            # The UTC day would have counted the early visit too
            bookings = WorkOrder._dispatch_bookings(
                [engineer], {day}, timezone=order.timezone)
            self.assertEqual(bookings[engineer.id], {
                    day: [(18 * 60, 20 * 60)]})


del ModuleTestCase

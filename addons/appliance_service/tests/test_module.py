# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt

from trytond.modules.appliance_service.exceptions import SlotPastError
from trytond.modules.appliance_service.local_time import (
    company_timezone, day_bounds, local_date, local_string, local_today,
    to_local, to_utc, utc_datetime, with_offset)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class ApplianceServiceTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Appliance Service module"
    module = 'appliance_service'

    @with_transaction()
    def test_local_time(self):
        "Test the conversions between UTC and the company's clocks"
        company = create_company()
        company.timezone = 'Asia/Shanghai'
        company.save()
        with set_company(company):
            shanghai = company_timezone()
            self.assertEqual(company_timezone(company), shanghai)
            nine = dt.datetime(2026, 12, 2, 9)
            self.assertEqual(to_utc(nine), dt.datetime(2026, 12, 2, 1))
            self.assertEqual(to_local(dt.datetime(2026, 12, 2, 1)), nine)
            self.assertEqual(
                utc_datetime(nine.date(), nine.time()),
                dt.datetime(2026, 12, 2, 1))
            self.assertEqual(
                with_offset(dt.datetime(2026, 12, 2, 1)).isoformat(),
                '2026-12-02T09:00:00+08:00')
            self.assertEqual(
                local_string(dt.datetime(2026, 12, 2, 1)),
                '2026-12-02 09:00')
            # 23:30 UTC is already the next day in Shanghai
            self.assertEqual(
                local_date(dt.datetime(2026, 12, 1, 23, 30)),
                dt.date(2026, 12, 2))
            self.assertEqual(
                day_bounds(dt.date(2026, 12, 2)),
                (dt.datetime(2026, 12, 1, 16), dt.datetime(2026, 12, 2, 16)))
            with Transaction().set_context(
                    sla_now=dt.datetime(2026, 12, 1, 17)):
                self.assertEqual(local_today(), dt.date(2026, 12, 2))
            self.assertEqual(to_local(None), None)

    @with_transaction()
    def test_local_time_no_fixed_offset(self):
        "Test the days of the company follow its offset changes"
        company = create_company()
        company.timezone = 'Europe/Paris'
        company.save()
        with set_company(company):
            begin, end = day_bounds(dt.date(2026, 3, 29))
            self.assertEqual(begin, dt.datetime(2026, 3, 28, 23))
            self.assertEqual(end - begin, dt.timedelta(hours=23))
            self.assertEqual(
                with_offset(dt.datetime(2026, 7, 1, 7)).isoformat(),
                '2026-07-01T09:00:00+02:00')

    @with_transaction()
    def test_local_time_utc(self):
        "Test a company without time zone lives in UTC"
        company = create_company()
        with set_company(company):
            nine = dt.datetime(2026, 12, 2, 9)
            self.assertEqual(to_utc(nine), nine)
            self.assertEqual(to_local(nine), nine)
            self.assertEqual(
                with_offset(nine).isoformat(), '2026-12-02T09:00:00+00:00')
        with Transaction().set_context(company=None):
            self.assertEqual(to_utc(nine), nine)

    def _slot(self, company, day):
        pool = Pool()
        Region = pool.get('appliance.service.region')
        Slot = pool.get('appliance.slot')
        region, = Region.create([{
                    'name': "Region %s" % company.id,
                    'code': 'R%s' % company.id}])
        slot, = Slot.create([{
                    'region': region.id, 'date': day,
                    'start_time': dt.time(9), 'end_time': dt.time(12),
                    }])
        return slot

    @with_transaction()
    def test_slot_window(self):
        "Test a slot window is local and no longer offered once over"
        pool = Pool()
        Slot = pool.get('appliance.slot')
        company = create_company()
        company.timezone = 'Asia/Shanghai'
        company.save()
        day = dt.date(2030, 1, 7)
        with set_company(company):
            slot = self._slot(company, day)
            self.assertEqual(slot.window(), (
                    dt.datetime(2030, 1, 7, 1), dt.datetime(2030, 1, 7, 4)))
            self.assertEqual(
                (slot.start, slot.end), slot.window(company_timezone()))

            # 11:59 in Shanghai
            with Transaction().set_context(
                    sla_now=dt.datetime(2030, 1, 7, 3, 59)):
                slot = Slot(slot.id)
                self.assertFalse(slot.past)
                self.assertEqual(
                    Slot.search([('past', '=', False)]), [slot])
                self.assertEqual(Slot.search([('past', '=', True)]), [])
                Slot.book(slot)
            # 12:00 in Shanghai: the window is over
            with Transaction().set_context(
                    sla_now=dt.datetime(2030, 1, 7, 4)):
                slot = Slot(slot.id)
                self.assertTrue(slot.past)
                self.assertEqual(Slot.search([('past', '=', False)]), [])
                self.assertEqual(Slot.search([('past', '!=', False)]), [slot])
                with self.assertRaises(SlotPastError):
                    Slot.book(slot)
            self.assertEqual(Slot(slot.id).booked, 1)

    @with_transaction()
    def test_slot_window_utc(self):
        "Test a slot window of a company in UTC"
        pool = Pool()
        Slot = pool.get('appliance.slot')
        company = create_company()
        day = dt.date(2030, 1, 7)
        with set_company(company):
            slot = self._slot(company, day)
            self.assertEqual(slot.window(), (
                    dt.datetime(2030, 1, 7, 9), dt.datetime(2030, 1, 7, 12)))
            with Transaction().set_context(
                    sla_now=dt.datetime(2030, 1, 7, 4)):
                self.assertFalse(Slot(slot.id).past)
                Slot.book(slot)
            with Transaction().set_context(
                    sla_now=dt.datetime(2030, 1, 7, 12)):
                self.assertTrue(Slot(slot.id).past)


del ModuleTestCase

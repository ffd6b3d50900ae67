# This file is part of the appliance_service_hr module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt
import unittest

from trytond.modules.appliance_service_hr.appraisal import (
    grade_of, period_of, previous_period)
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class PeriodTestCase(unittest.TestCase):
    "Test the periods and grades of the appraisals"

    def test_month(self):
        "A month from its first to its last day"
        self.assertEqual(period_of(dt.date(2026, 2, 14), 'monthly'),
            (dt.date(2026, 2, 1), dt.date(2026, 2, 28)))
        self.assertEqual(period_of(dt.date(2026, 12, 31), 'monthly'),
            (dt.date(2026, 12, 1), dt.date(2026, 12, 31)))

    def test_quarter(self):
        "A quarter of three months"
        self.assertEqual(period_of(dt.date(2026, 5, 3), 'quarterly'),
            (dt.date(2026, 4, 1), dt.date(2026, 6, 30)))
        self.assertEqual(period_of(dt.date(2026, 11, 30), 'quarterly'),
            (dt.date(2026, 10, 1), dt.date(2026, 12, 31)))

    def test_previous_period(self):
        "The period closed before a date, across the year"
        self.assertEqual(previous_period(dt.date(2027, 1, 5), 'monthly'),
            (dt.date(2026, 12, 1), dt.date(2026, 12, 31)))
        self.assertEqual(previous_period(dt.date(2027, 2, 5), 'quarterly'),
            (dt.date(2026, 10, 1), dt.date(2026, 12, 31)))

    def test_grades(self):
        "The grade of a total"
        self.assertEqual(grade_of(95), 'A')
        self.assertEqual(grade_of(90), 'A')
        self.assertEqual(grade_of(89.99), 'B')
        self.assertEqual(grade_of(60), 'C')
        self.assertEqual(grade_of(12), 'D')
        self.assertIsNone(grade_of(None))


class ApplianceServiceHRTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Appliance Service HR module"
    module = 'appliance_service_hr'
    extras = ['appliance_service_dispatch']


del ModuleTestCase

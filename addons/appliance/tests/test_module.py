# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
import datetime as dt

from trytond.modules.appliance.warranty import coverage_end
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class ApplianceTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Appliance module"
    module = 'appliance'

    def test_coverage_end(self):
        "Test coverage end dates on month ends and leap days"
        for start, months, end in [
                (dt.date(2024, 1, 15), 12, dt.date(2025, 1, 14)),
                (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
                (dt.date(2024, 2, 29), 48, dt.date(2028, 2, 28)),
                (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
                (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
                (dt.date(2024, 3, 31), 1, dt.date(2024, 4, 30)),
                (dt.date(2024, 12, 1), 1, dt.date(2024, 12, 31)),
                ]:
            with self.subTest(start=start, months=months):
                self.assertEqual(coverage_end(start, months), end)


del ModuleTestCase

# This file is part of the appliance_service_kpi module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt
import unittest

from trytond.modules.appliance_service_kpi.kpi import KPIS, kpi_score
from trytond.modules.appliance_service_kpi.tests.tools import (
    table_query_context_reads)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class KPIValueTestCase(unittest.TestCase):
    "Test the values and scores of the indicators"

    def test_rate_value(self):
        "A rate is numerator / denominator in percent"
        self.assertEqual(KPIS['first_time_fix_rate'].value(3, 4), 75.)

    def test_rate_without_denominator(self):
        "A rate over nothing has no value"
        self.assertIsNone(KPIS['csat'].value(0, 0))

    def test_count_value(self):
        "A count is its numerator"
        self.assertEqual(KPIS['jobs_done'].value(7), 7.)
        self.assertEqual(KPIS['complaints'].value(None), 0.)

    def test_average_value(self):
        "An average is not scaled"
        self.assertEqual(KPIS['time_to_repair'].value(30, 4), 7.5)

    def test_score_higher_is_better(self):
        "Reaching the target scores 100, half of it 50"
        self.assertEqual(kpi_score('csat', 90., 90.), 100.)
        self.assertEqual(kpi_score('jobs_done', 10., 20.), 50.)
        self.assertEqual(kpi_score('jobs_done', 30., 20.), 100.)

    def test_score_lower_is_better(self):
        "Nothing scores 100, the tolerated most and more score 0"
        self.assertEqual(kpi_score('rework_rate_30', 0., 20.), 100.)
        self.assertEqual(kpi_score('rework_rate_30', 5., 20.), 75.)
        self.assertEqual(kpi_score('complaints', 6., 5.), 0.)

    def test_score_without_value(self):
        "No value or no target, no score"
        self.assertIsNone(kpi_score('csat', None, 90.))
        self.assertIsNone(kpi_score('csat', 80., 0))


class ApplianceServiceKPITestCase(CompanyTestMixin, ModuleTestCase):
    "Test Appliance Service KPI module"
    module = 'appliance_service_kpi'

    @with_transaction()
    def test_fact_query_reads_no_context(self):
        "The facts can be materialised: their query reads no context"
        company = create_company()
        with set_company(company), Transaction().set_context(
                date=dt.date(2026, 9, 1), engineer=1):
            keys, query = table_query_context_reads(
                'appliance.kpi.work_order')
            self.assertEqual(keys, set())
            with Transaction().set_context(company=None, language='zh_CN'):
                _, other = table_query_context_reads(
                    'appliance.kpi.work_order')
        self.assertEqual(
            (str(query), query.params), (str(other), other.params))


del ModuleTestCase

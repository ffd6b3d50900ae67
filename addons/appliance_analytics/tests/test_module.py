# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt
import io
import unittest
import zipfile
from xml.etree import ElementTree

import numpy as np
from dateutil.relativedelta import relativedelta
from scipy import stats

from trytond import backend
from trytond.modules.appliance_service_kpi.tests.tools import (
    materialised, table_query_context_reads)
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from ..defect_alert import SEASON_PRIOR, fires, seasonal_factor
from .tools import (
    at, create_appliance, create_failure_dataset, create_fault_dataset,
    create_geography, create_models, create_order, create_region, months_ago)

D = dt.date
# The queries materialised on PostgreSQL by [table_query_materialized] (see
# the documentation of the module and bench/analytics.conf), in the order
# trytond creates them
MATERIALISED = [
    'appliance.kpi.work_order',
    'appliance.analytics.fault.month',
    'appliance.analytics.part.month',
    'appliance.analytics.category.week',
    'appliance.analytics.region.month',
    'appliance.analytics.failure.age',
    'appliance.analytics.part.week',
    'appliance.analytics.part_demand.rate',
    ]
# The reports and their contexts compared on the live and the materialised
# queries
REPORTS = [
    ('appliance.analytics.fault', {'group_by': 'fault_type'}),
    ('appliance.analytics.fault', {'group_by': 'part'}),
    ('appliance.analytics.trend', {'period': 'month'}),
    ('appliance.analytics.trend', {'period': 'week'}),
    ('appliance.analytics.region', {'by_month': True}),
    ('appliance.analytics.region', {'level': 'city', 'by_month': False}),
    ('appliance.analytics.failure.curve', {}),
    ('appliance.analytics.failure.ranking', {}),
    ('appliance.analytics.part_demand', {'weeks': 4}),
    ('appliance.analytics.quality', {'group_by': 'month'}),
    ('appliance.analytics.quality', {'group_by': 'category'}),
    ('appliance.analytics.satisfaction', {'group_by': 'province'}),
    ('appliance.analytics.engineer', {'group_by': 'engineer'}),
    ]


def rows(model, **context):
    "The rows of the report model in the context"
    Model = Pool().get(model)
    with Transaction().set_context(**context):
        return Model.search([])


class TestCase(CompanyTestMixin, ModuleTestCase):
    "Test appliance_analytics module"
    module = 'appliance_analytics'
    extras = ['appliance_parts']

    def period(self, company, **context):
        return dict(company=company.id, from_date=D(2025, 1, 1),
            to_date=D(2025, 7, 31), **context)

    @with_transaction()
    def test_fault_distribution(self):
        "Repairs per fault type, category, brand, model, part and cause"
        company = create_company()
        with set_company(company):
            data = create_fault_dataset(company)
            ctx = self.period(company)

            def figures(group_by, key):
                with Transaction().set_context(group_by=group_by, **ctx):
                    return {key(r): (r.repairs, round(r.share, 4))
                        for r in rows('appliance.analytics.fault')}
            self.assertEqual(
                figures('fault_type', lambda r: r.fault_type.code), {
                    'COOL': (3, 0.5),
                    'LEAK': (1, 0.1667),
                    'IGN': (2, 0.3333),
                    })
            self.assertEqual(
                figures('category', lambda r: r.category.code), {
                    'AC': (4, 0.6667),
                    'WH': (2, 0.3333),
                    })
            self.assertEqual(figures('brand', lambda r: r.brand.code), {
                    'AUR': (5, 0.8333),
                    'BOR': (1, 0.1667),
                    })
            self.assertEqual(figures('product', lambda r: r.label), {
                    'AC1': (3, 0.5),
                    'AC2': (1, 0.1667),
                    'WH1': (2, 0.3333),
                    })
            self.assertEqual(figures('cause', lambda r: r.cause), {
                    'manufacturing': (2, 0.3333),
                    'installation': (1, 0.1667),
                    'component': (1, 0.1667),
                    'wear': (1, 0.1667),
                    'usage': (1, 0.1667),
                    })
            with Transaction().set_context(group_by='part', **ctx):
                parts = {r.part.rec_name: (r.repairs, r.quantity)
                    for r in rows('appliance.analytics.fault')}
            self.assertEqual(parts, {
                    'Compressor': (2, 2.0),
                    'Igniter': (1, 1.0),
                    })
            # A category filter keeps its repairs only
            with Transaction().set_context(group_by='fault_type',
                    category=data['categories']['WH'].id, **ctx):
                self.assertEqual(
                    [(r.fault_type.code, r.repairs)
                        for r in rows('appliance.analytics.fault')],
                    [('IGN', 2)])

    @with_transaction()
    def test_fault_drill_down(self):
        "The drill-down opens the orders behind a figure"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        with set_company(company):
            data = create_fault_dataset(company)
            orders = data['orders']
            for group_by, expected in [
                    ('fault_type', {'COOL': ['r10', 'r6', 'r8']}),
                    ('part', {'Compressor': ['r6', 'r8']}),
                    ('cause', {'Wear and Ageing': ['r5']}),
                    ('brand', {'Boreal': ['r7']}),
                    ]:
                with Transaction().set_context(
                        group_by=group_by, **self.period(company)):
                    for row in rows('appliance.analytics.fault'):
                        if row.label not in expected:
                            continue
                        found = WorkOrder.search(row.work_order_domain())
                        self.assertEqual(
                            sorted(found),
                            sorted(orders[k]
                                for k in expected[row.label]),
                            msg=(group_by, row.label))

    @with_transaction()
    def test_trend_monthly(self):
        "Monthly repairs of a category beside last year and the average"
        company = create_company()
        with set_company(company):
            data = create_fault_dataset(company)
            ac = data['categories']['AC']
            trend = rows('appliance.analytics.trend', period='month',
                category=ac.id, **self.period(company))
            self.assertEqual(
                [(r.date, r.repairs, r.last_year, round(r.moving_average, 3),
                    None if r.change is None else round(r.change, 1))
                    for r in trend], [
                    (D(2025, 1, 1), 0, 0, 0.0, None),
                    (D(2025, 2, 1), 1, 1, 0.333, 0.0),
                    (D(2025, 3, 1), 0, 0, 0.333, None),
                    (D(2025, 4, 1), 0, 0, 0.333, None),
                    (D(2025, 5, 1), 0, 0, 0.0, None),
                    (D(2025, 6, 1), 0, 0, 0.0, None),
                    (D(2025, 7, 1), 3, 2, 1.0, 50.0),
                    ])

    @with_transaction()
    def test_trend_weekly(self):
        "Weekly repairs beside the same week 52 weeks before"
        company = create_company()
        with set_company(company):
            data = create_fault_dataset(company)
            ac = data['categories']['AC']
            trend = rows('appliance.analytics.trend', period='week',
                category=ac.id, company=company.id,
                from_date=D(2025, 7, 1), to_date=D(2025, 7, 20))
            self.assertEqual(
                [(r.date, r.repairs, r.last_year, round(r.moving_average, 2))
                    for r in trend], [
                    # r2 on Friday 2024-07-05, 52 weeks before
                    (D(2025, 6, 30), 0, 1, 0.0),
                    (D(2025, 7, 7), 2, 0, 0.5),
                    (D(2025, 7, 14), 1, 1, 0.75),
                    ])

    @with_transaction()
    def test_region_rate(self):
        "Repairs per 1,000 installed appliances per province and month"
        company = create_company()
        with set_company(company):
            data = create_fault_dataset(company)
            gd, zj = data['subdivisions']['GD'], data['subdivisions']['ZJ']
            figures = {
                (r.subdivision.code, r.month): (
                    r.repairs, r.installed, round(r.rate, 2))
                for r in rows('appliance.analytics.region',
                    **self.period(company))}
            self.assertEqual(figures[('CN-GD', D(2025, 7, 1))],
                (2, 5, 400.0))
            self.assertEqual(figures[('CN-ZJ', D(2025, 7, 1))],
                (2, 3, 666.67))
            self.assertEqual(figures[('CN-ZJ', D(2025, 1, 1))],
                (1, 2, 500.0))
            self.assertEqual(figures[('CN-GD', D(2025, 1, 1))],
                (0, 5, 0.0))
            # Over the whole period: repairs per month per 1,000 installed
            whole = {r.subdivision.code: (r.repairs, r.installed)
                for r in rows('appliance.analytics.region', by_month=False,
                    **self.period(company))}
            # Months with repairs: 2025-01, 02 and 07
            self.assertEqual(whole, {'CN-GD': (3, 15), 'CN-ZJ': (3, 7)})
            cities = {(r.city, r.month): r.repairs
                for r in rows('appliance.analytics.region', level='city',
                    subdivision=gd.id, **self.period(company))}
            self.assertEqual(cities[('Guangzhou', D(2025, 7, 1))], 2)
            self.assertEqual(cities[('Shenzhen', D(2025, 2, 1))], 1)
            self.assertNotIn(zj.id, {r.subdivision.id
                    for r in rows('appliance.analytics.region',
                        level='city', subdivision=gd.id,
                        **self.period(company))})

    @with_transaction()
    def test_region_drill_down(self):
        "A province and month open their repairs"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        with set_company(company):
            data = create_fault_dataset(company)
            orders = data['orders']
            row, = [r for r in rows('appliance.analytics.region',
                    **self.period(company))
                if r.subdivision.code == 'CN-ZJ'
                and r.month == D(2025, 7, 1)]
            self.assertEqual(
                sorted(WorkOrder.search(row.work_order_domain())),
                sorted([orders['r9'], orders['r10']]))

    @with_transaction()
    def test_export_xlsx(self):
        "The XLSX export holds the list's columns with numbers as numbers"
        pool = Pool()
        Export = pool.get('appliance.analytics.export', type='wizard')
        Fault = pool.get('appliance.analytics.fault')
        company = create_company()
        with set_company(company):
            create_fault_dataset(company)
            with Transaction().set_context(
                    group_by='fault_type', **self.period(company)):
                records = Fault.search([])
                content, filename = Export.export_report(
                    Fault, records, 'xlsx', "Fault distribution")
                csv_content, _ = Export.export_report(
                    Fault, records, 'csv', "Fault distribution")
        self.assertEqual(filename, "Fault distribution.xlsx")
        sheet = read_xlsx(content)
        self.assertEqual(sheet[0][:3], ["Name", "Repairs", "Share"])
        self.assertEqual(
            [[r[0], r[1], round(r[2], 4)] for r in sheet[1:]], [
                ["[COOL] No cooling", 3.0, 0.5],
                ["[IGN] No ignition", 2.0, 0.3333],
                ["[LEAK] Leak", 1.0, 0.1667],
                ])
        lines = csv_content.decode('utf-8-sig').splitlines()
        self.assertEqual(lines[1].split(',')[:2], ["[COOL] No cooling", "3"])

    @with_transaction()
    def test_failure_curve(self):
        "The Kaplan-Meier curve of each model against its category"
        pool = Pool()
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            create_failure_dataset(company, Date.today())
            curve = rows('appliance.analytics.failure.curve',
                company=company.id)
            figures = {(r.product.rec_name, r.age): (
                    r.at_risk, r.events, r.censored, round(r.survival, 4),
                    round(r.failure, 4), round(r.category_failure, 4))
                for r in curve}
        # AC1: first repairs at 2 and 5 months, censored at 3 and 6 months
        # (the second repair of b counts not); the category adds AC2, with
        # a first repair at 3 months and one censored at 10
        self.assertEqual(
            {k: v for k, v in figures.items() if k[0] == 'AC1'}, {
                ('AC1', 2): (4, 1, 0, 0.75, 0.25, round(1 / 6, 4)),
                ('AC1', 3): (3, 0, 1, 0.75, 0.25, round(1 / 3, 4)),
                ('AC1', 5): (2, 1, 0, 0.375, 0.625, round(5 / 9, 4)),
                ('AC1', 6): (1, 0, 1, 0.375, 0.625, round(5 / 9, 4)),
                })
        self.assertEqual(
            {k: v[:4] for k, v in figures.items() if k[0] == 'AC2'}, {
                ('AC2', 3): (2, 1, 0, 0.5),
                ('AC2', 10): (1, 0, 1, 0.5),
                })

    @with_transaction()
    def test_failure_ranking(self):
        "Models ranked against their category, with next quarter's repairs"
        pool = Pool()
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            data = create_failure_dataset(company, Date.today())
            ranking = rows('appliance.analytics.failure.ranking',
                company=company.id, category=data['categories']['AC'].id)
            self.assertEqual(
                [r.product.rec_name for r in ranking][:2], ['AC1', 'AC2'])
            ac1 = ranking[0]
            self.assertEqual((ac1.appliances, ac1.repaired), (4, 2))
            self.assertAlmostEqual(ac1.failure_12, 0.625)
            self.assertAlmostEqual(ac1.category_failure_12, 5 / 9)
            self.assertAlmostEqual(ac1.excess_12, 0.625 - 5 / 9)
            # d (3 months) fails before 6 months with 1 - 0.375 / 0.75;
            # c (6 months) cannot fail before 9 months on the curve
            self.assertAlmostEqual(ac1.expected_first_repairs, 0.5)
            # 3 repairs for 2 first repairs
            self.assertAlmostEqual(ac1.expected_repairs, 0.75)
            # Log-rank against AC2: O = 2, E = 29/15, V = 154/225
            self.assertAlmostEqual(ac1.logrank_p,
                stats.chi2.sf((2 - 29 / 15) ** 2 / (154 / 225), 1))
            ac2 = ranking[1]
            self.assertAlmostEqual(ac2.failure_12, 0.5)
            self.assertAlmostEqual(ac2.expected_first_repairs, 0)

    @with_transaction()
    def test_part_demand_forecast(self):
        "Installed base by age x fault rate by age x parts per repair"
        pool = Pool()
        Date = pool.get('ir.date')
        PartDemand = pool.get('appliance.analytics.part_demand')
        company = create_company()
        today = Date.today()
        with set_company(company):
            _, guangdong, zhejiang = create_geography()
            data = create_models()
            region = create_region([guangdong, zhejiang])
            model, p1 = data['models']['AC1'], data['parts']['P1']
            installed = months_ago(45, today)
            g1, g2, g3 = (create_appliance(company, model, guangdong,
                    "Guangzhou", installed) for _ in range(3))
            z1 = create_appliance(
                company, model, zhejiang, "Hangzhou", installed)
            last_week = today - dt.timedelta(days=today.weekday() + 10)
            two_months = months_ago(2, today)
            for appliance, day, quantity in [
                    (g1, two_months, 1), (z1, two_months, 2),
                    (g2, last_week, 1)]:
                create_order(appliance, region,
                    dt.datetime.combine(day, dt.time(10)),
                    fault=data['faults']['COOL'], parts=[(p1, quantity)],
                    unit=data['unit'])
            # 3 repairs of 4 appliances of 3 years (band 3) in the last
            # year: 0.75 per appliance and year; 4 parts for 3 repairs
            per_year = {'CN-GD': 3 * 0.75 * 4 / 3, 'CN-ZJ': 1 * 0.75 * 4 / 3}
            forecast = rows('appliance.analytics.part_demand',
                company=company.id, weeks=4)
            figures = {r.subdivision.code: (
                    round(r.forecast, 5), r.actual) for r in forecast}
            self.assertEqual(figures, {
                    'CN-GD': (round(per_year['CN-GD'] * 28 / 365.25, 5), 1),
                    'CN-ZJ': (round(per_year['CN-ZJ'] * 28 / 365.25, 5), 0),
                    })
            quantities = PartDemand.forecast_quantities(
                weeks=13, company=company.id)
            self.assertAlmostEqual(quantities[p1.id, guangdong.id],
                per_year['CN-GD'] * 91 / 365.25)
            by_region = PartDemand.forecast_by_region(
                weeks=13, company=company.id)
            self.assertAlmostEqual(by_region[p1.id, region.id],
                (per_year['CN-GD'] + per_year['CN-ZJ']) * 91 / 365.25)

    @with_transaction()
    def test_defect_alert(self):
        "The alert stays quiet on seeded noise and fires on a planted spike"
        pool = Pool()
        Date = pool.get('ir.date')
        Alert = pool.get('appliance.analytics.defect_alert')
        User = pool.get('res.user')
        Notification = pool.get('res.notification')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        today = Date.today()
        week = today - dt.timedelta(days=today.weekday() + 7)
        with set_company(company):
            manager, = User.create([{
                        'name': "Manager", 'login': 'manager',
                        'groups': [('add', [ModelData.get_id(
                                        'appliance', 'group_manager')])],
                        }])
            _, guangdong, _ = create_geography()
            data = create_models()
            region = create_region([guangdong])
            model, p1 = data['models']['AC1'], data['parts']['P1']
            appliances = [create_appliance(company, model, guangdong,
                    "Guangzhou", today - relativedelta(years=2))
                for _ in range(40)]
            noise = np.random.default_rng(42).poisson(2, 13)
            for i, count in enumerate(noise):
                day = week - dt.timedelta(weeks=12 - i) + dt.timedelta(
                    days=2)
                for k in range(count):
                    create_order(appliances[k % 40], region,
                        dt.datetime.combine(day, dt.time(10)),
                        fault=data['faults']['COOL'], unit=data['unit'])
            self.assertEqual(Alert.detect_week(company, week), [])

            for k in range(10):
                create_order(appliances[k], region,
                    dt.datetime.combine(week + dt.timedelta(days=3),
                        dt.time(11)),
                    fault=data['faults']['COOL'], parts=[(p1, 1)],
                    unit=data['unit'])
            alerts = Alert.detect_week(company, week)
            self.assertEqual(len(alerts), 2)
            alert, = [a for a in alerts if not a.part]
            part_alert, = [a for a in alerts if a.part]
            self.assertEqual(alert.observed, noise[12] + 10)
            self.assertAlmostEqual(
                alert.expected, round(noise[:12].sum() / 12, 2))
            self.assertEqual(alert.baseline, noise[:12].sum())
            self.assertEqual(alert.installed, 40)
            self.assertLess(alert.p_value, 0.001)
            self.assertGreater(alert.observed, alert.upper_limit)
            self.assertEqual((part_alert.part, part_alert.observed),
                (p1, 10))
            self.assertIn(str(alert.observed), alert.evidence)
            self.assertIn('AC1', alert.evidence)
            self.assertEqual(alert.state, 'open')
            self.assertTrue(Notification.search([('user', '=', manager.id)]))
            # Detected once per week
            self.assertEqual(Alert.detect_week(company, week), [])

    @with_transaction()
    def test_defect_alert_season(self):
        """A category doubling in a week (its season) does not alert; one
        of its models tripling does"""
        pool = Pool()
        Date = pool.get('ir.date')
        Alert = pool.get('appliance.analytics.defect_alert')
        WorkOrder = pool.get('appliance.work_order')
        company = create_company()
        today = Date.today()
        week = today - dt.timedelta(days=today.weekday() + 7)
        with set_company(company):
            _, guangdong, zhejiang = create_geography()
            data = create_models()
            region = create_region([guangdong, zhejiang])
            ac1, ac2 = data['models']['AC1'], data['models']['AC2']
            installed = today - relativedelta(years=2)
            appliances = {
                ac1: [create_appliance(company, ac1, guangdong, "Guangzhou",
                        installed) for _ in range(20)],
                ac2: [create_appliance(company, ac2, zhejiang, "Hangzhou",
                        installed) for _ in range(20)],
                }

            def repairs(model, day, count):
                orders = WorkOrder.create([{
                            'company': company.id,
                            'kind': 'repair',
                            'customer': a.customer.id,
                            'appliance': a.id,
                            'address': a.installation_address.id,
                            'region': region.id,
                            'state': 'in_progress',
                            'actual_fault_type': data['faults']['COOL'].id,
                            'labour_hours': 1,
                            } for a in (appliances[model][k % 20]
                            for k in range(count))])
                WorkOrder.write(orders, {
                        'state': 'done',
                        'done_at': dt.datetime.combine(day, dt.time(10)),
                        })

            # About 20 repairs a week of each model in the 12 weeks before,
            # AC1 in Guangdong and AC2 in Zhejiang
            baseline = np.random.default_rng(1).poisson(20, (2, 12))
            for model, counts in zip([ac1, ac2], baseline):
                for i, count in enumerate(counts):
                    repairs(model, week - dt.timedelta(weeks=12 - i)
                        + dt.timedelta(days=2), int(count))
            mean1, mean2 = baseline.mean(axis=1)

            # The season: both models double, which a 12-week baseline alone
            # would take for a defect
            repairs(ac1, week + dt.timedelta(days=3), 40)
            repairs(ac2, week + dt.timedelta(days=3), 40)
            self.assertTrue(fires(40, mean1))
            self.assertTrue(fires(40, mean2))
            self.assertEqual(Alert.detect_week(company, week), [])

            # AC1 triples while AC2 doubles
            repairs(ac1, week + dt.timedelta(days=4), 20)
            alert, = Alert.detect_week(company, week)
            factor = (40 + SEASON_PRIOR) / (mean2 + SEASON_PRIOR)
            self.assertEqual((alert.product, alert.subdivision), (ac1,
                    guangdong))
            self.assertEqual(alert.observed, 60)
            self.assertAlmostEqual(alert.expected, round(mean1 * factor, 2))
            self.assertLess(alert.p_value, 0.001)
            self.assertIn('%.2f' % factor, alert.evidence)

    def test_seasonal_factor(self):
        "The seasonal factor: shrunk towards 1, 1 without a baseline"
        self.assertEqual(seasonal_factor(0, 0), 1)
        self.assertEqual(seasonal_factor(10, 0), 1)
        self.assertAlmostEqual(seasonal_factor(480, 12 * 240),
            (480 + SEASON_PRIOR) / (240 + SEASON_PRIOR))
        self.assertAlmostEqual(seasonal_factor(2, 12), 7 / 6)
        self.assertAlmostEqual(seasonal_factor(300, 12 * 100, 1.5),
            305 / 155)

    @with_transaction()
    def test_daily_summary_incremental(self):
        "The daily summary follows the changes like a full computation"
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        WorkOrder = pool.get('appliance.work_order')
        Rating = pool.get('appliance.work_order.rating')
        company = create_company()

        def summary():
            return sorted(
                (d.date, d.subdivision.code if d.subdivision else None,
                    d.created, d.repairs, d.rated, d.satisfied)
                for d in Daily.search([('company', '=', company.id)])
                if d.created or d.repairs or d.rated)
        with set_company(company):
            data = create_fault_dataset(company)
            Daily.update()
            incremental = summary()
            Daily.rebuild()
            self.assertEqual(incremental, summary())
            self.assertIn((D(2025, 7, 9), 'CN-GD', 0, 1, 0, 0), incremental)

            # Moving a completion moves its repair to the other day
            r8 = data['orders']['r8']
            WorkOrder.write([r8], {'done_at': at(2025, 7, 12)})
            Rating.create([{
                        'work_order': data['orders']['r7'].id,
                        'overall': 5, 'punctuality': 4, 'attitude': 5,
                        'quality': 5,
                        }])
            Daily.update()
            incremental = summary()
            self.assertNotIn((D(2025, 7, 9), 'CN-GD', 0, 1, 0, 0),
                incremental)
            self.assertIn((D(2025, 7, 12), 'CN-GD', 0, 1, 0, 0), incremental)
            Daily.rebuild()
            self.assertEqual(incremental, summary())

    @with_transaction()
    def test_wall_data(self):
        "The wall screen figures of a small dataset"
        pool = Pool()
        Wall = pool.get('appliance.analytics.wall')
        company = create_company()
        with set_company(company):
            data = create_fault_dataset(company)
            appliance = data['appliances']['a1']
            create_order(appliance, data['region'], None, state='waiting',
                unit=data['unit'])
            figures = Wall.data(company)
        self.assertEqual(
            {o['state']: o['count'] for o in figures['open_orders']}[
                'waiting'], 1)
        self.assertEqual(len(figures['csat']), 30)
        self.assertEqual(len(figures['heatmap']['months']), 12)
        self.assertEqual(figures['heatmap']['provinces'],
            ['Guangdong', 'Zhejiang'])
        self.assertEqual(figures['alerts'], [])

    @with_transaction()
    def test_role_dashboard(self):
        "Giving a role seeds the dashboard of the user with its actions"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        DashboardAction = pool.get('dashboard.action')
        manager_group = ModelData.get_id('appliance', 'group_manager')
        clerk_group = ModelData.get_id('appliance', 'group_parts_clerk')
        user, = User.create([{'name': "Wang", 'login': 'wang'}])
        self.assertEqual(DashboardAction.search([('user', '=', user.id)]), [])
        User.write([user], {'groups': [('add', [manager_group])]})
        actions = DashboardAction.search(
            [('user', '=', user.id)], order=[('sequence', 'ASC')])
        self.assertEqual(
            [a.act_window.res_model for a in actions], [
                'appliance.analytics.trend',
                'appliance.analytics.fault',
                'appliance.analytics.region',
                'appliance.analytics.defect_alert',
                'appliance.analytics.failure.ranking',
                'appliance.analytics.quality',
                'appliance.analytics.satisfaction',
                ])
        # A second role adds its actions once
        User.write([user], {'groups': [('add', [clerk_group])]})
        User.write([user], {'groups': [('remove', [clerk_group])]})
        User.write([user], {'groups': [('add', [clerk_group])]})
        self.assertEqual(
            len(DashboardAction.search([('user', '=', user.id)])), 8)

    @with_transaction()
    def test_kpi_reports(self):
        "Quality, satisfaction and performance are the KPIs of the facts"
        pool = Pool()
        Fact = pool.get('appliance.kpi.work_order')
        Rating = pool.get('appliance.work_order.rating')
        WorkOrder = pool.get('appliance.work_order')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            data = create_fault_dataset(company)
            orders = data['orders']
            party, = Party.create([{'name': "Zhao"}])
            engineer, = Employee.create([{
                        'party': party.id, 'company': company.id,
                        'service_engineer': True}])
            WorkOrder.write([orders['r6'], orders['r7']],
                {'engineer': engineer.id})
            Rating.create([{
                        'work_order': orders[k].id, 'overall': overall,
                        'punctuality': 5, 'attitude': 4, 'quality': 3,
                        } for k, overall in [('r6', 5), ('r7', 3),
                        ('r8', 4)]])
            ctx = self.period(company, group_by='category')
            quality = {r.category.code: r
                for r in rows('appliance.analytics.quality', **ctx)}
            satisfaction = {r.category.code: r
                for r in rows('appliance.analytics.satisfaction', **ctx)}
            performance = rows('appliance.analytics.engineer',
                **self.period(company))
            # Done in the period: r6, r7, r8, r10 and the maintenance x1
            # of an air conditioner; r5 and r9 of water heaters
            self.assertEqual(quality['AC'].jobs_done, 5)
            self.assertEqual(quality['WH'].jobs_done, 2)
            self.assertEqual(quality['AC'].first_time_fix_rate, 100.0)
            self.assertAlmostEqual(satisfaction['AC'].csat, 200 / 3)
            self.assertAlmostEqual(satisfaction['AC'].rating_overall, 4.0)
            self.assertEqual(satisfaction['WH'].csat, None)
            engineer_row, = performance
            self.assertEqual(engineer_row.engineer, engineer)
            self.assertEqual(engineer_row.jobs_done, 2)
            self.assertEqual(engineer_row.csat, 50.0)

            # The figures of the scorecards: aggregate() of the KPI module
            period = [(D(2025, 1, 1), D(2025, 7, 31))]
            for model, records in [
                    ('appliance.analytics.quality', quality),
                    ('appliance.analytics.satisfaction', satisfaction)]:
                Model = pool.get(model)
                reference = {
                    r['category']: r for r in Fact.aggregate(
                        Model._kpis, group_by=['category'], periods=period,
                        company=company.id)}
                for code, row in records.items():
                    expected = reference[row.category.id]
                    for kpi in Model._kpis:
                        self.assertAlmostEqual(
                            getattr(row, kpi), expected[kpi],
                            msg=(model, code, kpi))
            # Per month, the months with orders
            months = rows('appliance.analytics.quality',
                **self.period(company, group_by='month'))
            self.assertEqual(
                [(r.date, r.jobs_done) for r in months],
                [(D(2025, 1, 1), 1), (D(2025, 2, 1), 1), (D(2025, 7, 1), 5)])
            # The drill-down of a month opens its orders
            july = months[-1]
            self.assertEqual(
                sorted(WorkOrder.search(july.work_order_domain())),
                sorted(orders[k] for k in ['r7', 'r8', 'r9', 'r10', 'x1']))

    @with_transaction()
    def test_materialised_queries_read_no_context(self):
        "The materialised queries read no context"
        company = create_company()
        with set_company(company), Transaction().set_context(
                from_date=D(2025, 1, 1), to_date=D(2025, 7, 31),
                group_by='category', category=1, region=1, period='week'):
            for model in MATERIALISED:
                keys, query = table_query_context_reads(model)
                self.assertEqual(keys, set(), msg=model)
                with Transaction().set_context(company=None):
                    _, other = table_query_context_reads(model)
                self.assertEqual(
                    (str(query), query.params), (str(other), other.params),
                    msg=model)

    @unittest.skipUnless(backend.name == 'postgresql',
        "materialised views are PostgreSQL's")
    @with_transaction()
    def test_materialised_reports(self):
        "The reports give the same figures on the materialised queries"
        pool = Pool()
        Rating = pool.get('appliance.work_order.rating')
        WorkOrder = pool.get('appliance.work_order')
        Employee = pool.get('company.employee')
        Party = pool.get('party.party')
        company = create_company()
        with set_company(company):
            data = create_fault_dataset(company)
            orders = data['orders']
            party, = Party.create([{'name': "Zhao"}])
            engineer, = Employee.create([{
                        'party': party.id, 'company': company.id,
                        'service_engineer': True}])
            WorkOrder.write([orders['r6'], orders['r7']],
                {'engineer': engineer.id})
            Rating.create([{
                        'work_order': orders[k].id, 'overall': overall,
                        'punctuality': 5, 'attitude': 4, 'quality': 3,
                        } for k, overall in [('r6', 5), ('r7', 3)]])

            def figures():
                result = {}
                for model, context in REPORTS:
                    Model = pool.get(model)
                    names = [n for n, f in Model._fields.items()
                        if not hasattr(f, 'get')]
                    with Transaction().set_context(
                            **self.period(company), **context):
                        records = Model.search([])
                        # In the order of the ids: rows of equal figures
                        # come in any order
                        result[model, str(context)] = [
                            {k: round(v, 9) if isinstance(v, float) else v
                                for k, v in row.items()}
                            for row in sorted(Model.read(
                                    [r.id for r in records], names),
                                key=lambda r: r['id'])]
                return result
            live = figures()
            self.assertTrue(all(live[model, str(context)]
                    for model, context in REPORTS
                    if model != 'appliance.analytics.part_demand'))
            with materialised(MATERIALISED):
                Fact = pool.get('appliance.kpi.work_order')
                # The reports read the views
                self.assertEqual(
                    str(Fact.__table__()), '"appliance_kpi_work_order"')
                stored = figures()
        for key, rows in live.items():
            self.assertEqual(stored[key], rows, msg=key)


def read_xlsx(content):
    """The cells of the first sheet: numbers as floats, strings as strings
    (shared or inline)"""
    ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        shared = []
        if 'xl/sharedStrings.xml' in names:
            root = ElementTree.fromstring(archive.read('xl/sharedStrings.xml'))
            shared = [''.join(t.text or '' for t in si.iter(
                        '{%s}t' % ns['m'])) for si in root]
        sheet = ElementTree.fromstring(
            archive.read('xl/worksheets/sheet1.xml'))
    table = []
    for row in sheet.iter('{%s}row' % ns['m']):
        values = []
        for cell in row.findall('m:c', ns):
            kind = cell.get('t')
            if kind == 's':
                values.append(shared[int(cell.find('m:v', ns).text)])
            elif kind == 'inlineStr':
                values.append(''.join(
                        t.text or '' for t in cell.iter('{%s}t' % ns['m'])))
            else:
                values.append(float(cell.find('m:v', ns).text))
        table.append(values)
    return table


del ModuleTestCase

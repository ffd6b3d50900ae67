# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt
import io
import zipfile
from xml.etree import ElementTree

from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction

from .tools import create_fault_dataset

D = dt.date


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
                [(r.date, r.repairs, r.last_year,
                        round(r.moving_average, 3),
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

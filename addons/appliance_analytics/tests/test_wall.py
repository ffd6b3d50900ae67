# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The wall screen and the fault heatmap in Debian's chromium driven by
Playwright: the pages render in zh_CN with their charts and no console
error; the screenshot of the wall screen is kept in docs/screenshots/ and
var/test-artifacts/wall/ (or $PLAYWRIGHT_ARTIFACTS).

trytond serves the pages from this thread (the SQLite test database lives
in it) while the browser is driven from another one."""
import datetime as dt
import os
import shutil
import threading
import unittest
from pathlib import Path
from urllib.parse import quote

from dateutil.relativedelta import relativedelta
from werkzeug.serving import make_server

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase
from trytond.wsgi import app

from .tools import (
    create_appliance, create_geography, create_models, create_order,
    create_region)

CHROMIUM = '/usr/bin/chromium'
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get('PLAYWRIGHT_ARTIFACTS')
    or ROOT / 'var' / 'test-artifacts' / 'wall')
SCREENSHOT = ROOT / 'docs' / 'screenshots' / 'wall_screen_zh_CN.png'
PASSWORD = 'Wall-Screen-Pass-1!'
TIMEOUT = 20000

try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None


def create_wall_dataset():
    """A company with a year of repairs in two provinces, ratings, open
    orders and a batch-defect alert; a Service Manager to log in"""
    pool = Pool()
    Date = pool.get('ir.date')
    User = pool.get('res.user')
    Lang = pool.get('ir.lang')
    ModelData = pool.get('ir.model.data')
    Rating = pool.get('appliance.work_order.rating')
    Alert = pool.get('appliance.analytics.defect_alert')
    company = create_company()
    zh_cn, = Lang.search([('code', '=', 'zh_CN')])
    User.create([{
                'name': "服务经理", 'login': 'wall_manager', 'password': PASSWORD,
                'language': zh_cn.id,
                'companies': [('add', [company.id])], 'company': company.id,
                'groups': [('add', [ModelData.get_id(
                                'appliance', 'group_manager')])],
                }])
    with set_company(company):
        today = Date.today()
        _, guangdong, zhejiang = create_geography()
        data = create_models(suffix='-W')
        region = create_region([guangdong, zhejiang])
        appliances = []
        for i in range(12):
            province, city = ((guangdong, "广州市") if i % 3
                else (zhejiang, "杭州市"))
            model = data['models'][['AC1', 'AC2', 'WH1'][i % 3]]
            appliances.append(create_appliance(company, model, province,
                    city, today - relativedelta(years=2, days=i)))
        faults = {'AC1': 'COOL', 'AC2': 'LEAK', 'WH1': 'IGN'}
        orders = []
        for month in range(12):
            for i, appliance in enumerate(appliances[:(month % 5) + 4]):
                day = today - relativedelta(months=month, days=i % 3)
                fault = faults[appliance.product.template.name]
                orders.append(create_order(appliance, region,
                        dt.datetime.combine(day, dt.time(2)),
                        fault=data['faults'][fault], cause='component',
                        unit=data['unit']))
        Rating.create([{
                    'work_order': o.id, 'overall': 5 - (k % 3),
                    'punctuality': 5, 'attitude': 4, 'quality': 5,
                    } for k, o in enumerate(orders[:20])])
        for state in ['scheduled', 'in_progress', 'waiting', 'waiting']:
            create_order(appliances[0], region, None, state=state,
                unit=data['unit'])
        Alert.create([{
                    'company': company.id,
                    'week': today - dt.timedelta(days=today.weekday() + 7),
                    'product': data['models']['AC1'].id,
                    'subdivision': guangdong.id,
                    'observed': 9, 'expected': 1.5, 'upper_limit': 6,
                    'baseline': 18, 'installed': 4, 'p_value': 0.0002,
                    }])


@unittest.skipIf(sync_playwright is None, "playwright is not installed")
@unittest.skipIf(not os.path.exists(CHROMIUM),
    f"{CHROMIUM} is missing: apt-get install -y chromium")
class WallScreenTestCase(RouteTestCase):
    "The wall screen and the heatmap in chromium"
    module = 'appliance_analytics'
    language = 'zh_CN'

    @classmethod
    def setUpDatabase(cls):
        create_wall_dataset()

    def setUp(self):
        super().setUp()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def serve(self, scenario):
        "Serve trytond here while scenario runs in another thread"
        server = make_server('127.0.0.1', 0, app, threaded=False)
        server.timeout = 0.2
        base = f'http://127.0.0.1:{server.server_port}/{self.db_name}'
        errors = []

        def run():
            try:
                scenario(base)
            except BaseException as exception:
                errors.append(exception)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            while thread.is_alive():
                server.handle_request()
        finally:
            server.server_close()
        if errors:
            raise errors[0]

    def browse(self, base, function):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=['--no-sandbox', '--disable-background-networking',
                    '--disable-dev-shm-usage'])
            try:
                context = browser.new_context(
                    locale='zh-CN',
                    viewport={'width': 1920, 'height': 1080},
                    http_credentials={
                        'username': 'wall_manager', 'password': PASSWORD})
                context.set_default_timeout(TIMEOUT)
                page = context.new_page()
                errors = []
                page.on('pageerror', lambda e: errors.append(str(e)))
                page.on('console', lambda m: errors.append(m.text)
                    if m.type == 'error' else None)
                function(base, page)
                self.assertEqual(errors, [])
            finally:
                browser.close()

    def test_wall_screen(self):
        "The wall screen draws its seven panels in zh_CN, without error"
        self.serve(lambda base: self.browse(base, self.wall_screen))

    def wall_screen(self, base, page):
        page.goto(f'{base}/appliance/wall/')
        page.wait_for_selector('#heatmap canvas')
        page.wait_for_selector('#alerts td')
        page.wait_for_timeout(500)
        self.assertEqual(page.locator('html').get_attribute('lang'), 'zh-CN')
        self.assertIn("售后服务", page.locator('h1').inner_text())
        for panel in ['open-orders', 'csat', 'heatmap', 'top-faults']:
            self.assertEqual(
                page.locator(f'#{panel} canvas').count(), 1, msg=panel)
        sla = page.locator('#sla .value').all_inner_texts()
        self.assertEqual(len(sla), 3)
        self.assertIn('AC1', page.locator('#alerts').inner_text())
        path = ARTIFACTS / 'wall_screen_zh_CN.png'
        page.screenshot(path=str(path))
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOT)

    def test_heatmap(self):
        "Each cell of the heatmap links to its orders in the web client"
        self.serve(lambda base: self.browse(base, self.heatmap))

    def heatmap(self, base, page):
        page.goto(f'{base}/appliance/heatmap/')
        cells = page.locator('table.heatmap td a')
        self.assertEqual(cells.count(), 2 * 12)
        href = cells.first.get_attribute('href')
        self.assertTrue(href.startswith(
                f'/#{quote(self.db_name)}/model/appliance.work_order;'
                'domain='), msg=href)
        page.screenshot(path=str(ARTIFACTS / 'heatmap_zh_CN.png'),
            full_page=True)

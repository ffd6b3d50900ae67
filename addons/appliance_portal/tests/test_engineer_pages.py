# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The engineer's own pages in the staff API: the van stock with
appliance_service_parts and the scorecard with appliance_service_hr; each
engineer sees their own van and figures, never another's."""
import datetime as dt
import os
import unittest
from decimal import Decimal

from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase
from trytond.transaction import Transaction

from . import test_playwright as browser_test
from .api_client import ApiMixin
from .tools import FEATURES, PASSWORD, PortalTestMixin

ARTIFACTS = browser_test.ARTIFACTS
CHROMIUM = browser_test.CHROMIUM
sync_playwright = browser_test.sync_playwright


class EngineerPagesTestCase(PortalTestMixin, ApiMixin, RouteTestCase):
    "Test the van stock and the scorecard of the engineer pages"
    extras = FEATURES + ['appliance_service_parts', 'appliance_service_hr']

    def add_stock(self, employee_id, quantity):
        "Receive quantity of the spare part in the van of the employee"
        def add():
            pool = Pool()
            Employee = pool.get('company.employee')
            Location = pool.get('stock.location')
            Move = pool.get('stock.move')
            Product = pool.get('product.product')
            employee = Employee(employee_id)
            supplier, = Location.search([('type', '=', 'supplier')], limit=1)
            product = Product(self.ids['part'])
            move, = Move.create([{
                        'product': product.id,
                        'unit': product.default_uom.id,
                        'quantity': quantity,
                        'from_location': supplier.id,
                        'to_location': employee.van.id,
                        'planned_date': dt.date.today(),
                        'effective_date': dt.date.today(),
                        'unit_price': Decimal('12'),
                        'currency': employee.company.currency.id,
                        'company': employee.company.id,
                        }])
            with Transaction().set_context(_skip_warnings=True):
                Move.do([move])
            return employee.van.rec_name
        return self.in_transaction(add)

    def dispatched_order(self, engineer_id):
        "A visit of today booked by a new customer, dispatched to engineer"
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'], today=True)
        order_id = request['visits'][0]['id']
        self.call('POST', f'staff/work-orders/{order_id}/dispatch',
            {'engineer': engineer_id}, headers=self.staff_token('agent'),
            status=200)
        return order_id

    def reserve(self, order_id, quantity):
        "Add quantity of the spare part to the order: the van reserves it"
        def reserve():
            pool = Pool()
            WorkOrder = pool.get('appliance.work_order')
            Part = pool.get('appliance.work_order.part')
            Product = pool.get('product.product')
            product = Product(self.ids['part'])
            Part.create([{
                        'work_order': order_id,
                        'product': product.id,
                        'quantity': quantity,
                        'unit': product.default_uom.id,
                        }])
            order = WorkOrder(order_id)
            WorkOrder.reserve_parts([order])
            return WorkOrder(order_id).number
        return self.in_transaction(reserve)

    def test_van_stock(self):
        "Each engineer sees the parts of their own van and the reservations"
        van = self.add_stock(self.ids['engineer'], 5)
        self.add_stock(self.ids['engineer2'], 3)
        order_id = self.dispatched_order(self.ids['engineer'])
        number = self.reserve(order_id, 2)

        _, stock = self.call('GET', 'staff/van-stock',
            headers=self.staff_token('engineer'), status=200)
        self.assertEqual(stock['van'], van)
        item, = stock['items']
        self.assertEqual(item['product'], self.ids['part'])
        self.assertEqual((item['quantity'], item['reserved'],
                item['available']), (5, 2, 3))
        self.assertTrue(item['code'])
        self.assertEqual(item['reservations'], [{
                    'work_order': order_id, 'number': number,
                    'quantity': 2, 'planned_date': dt.date.today().isoformat(),
                    }])

        # The other engineer's van holds 3, none reserved; the reservation
        # of the first engineer's order is not in it
        _, other = self.call('GET', 'staff/van-stock',
            headers=self.staff_token('engineer2'), status=200)
        self.assertNotEqual(other['van'], van)
        item, = other['items']
        self.assertEqual((item['quantity'], item['reserved'],
                item['available'], item['reservations']), (3, 0, 3, []))

    def test_van_stock_without_employee(self):
        "A user without employee has no van: 404 with the reason"
        error = self.assertError(self.call('GET', 'staff/van-stock',
                headers=self.staff_token('manager')), 404, 'not_found')
        self.assertIn('员工', error['message'])
        self.assertError(self.call('GET', 'staff/van-stock'), 401,
            'not_authenticated')

    def complete(self, engineer_id, login, labour_hours):
        "Dispatch, start and complete a visit of today by the engineer"
        order_id = self.dispatched_order(engineer_id)
        headers = self.staff_token(login)
        self.call('POST', f'staff/work-orders/{order_id}/progress',
            {'action': 'start'}, headers=headers, status=200)
        self.call('POST', f'staff/work-orders/{order_id}/complete', {
                'fault_type': self.ids['fault_type'],
                'all_steps_done': True,
                'labour_hours': labour_hours,
                }, headers=headers, status=200)
        return order_id

    def test_scorecard(self):
        """The engineer's figures of the month beside the team average;
        another engineer's figures are never answered"""
        # This month: two repairs by the first engineer (1 h and 3 h of
        # labour), one by the second (2 h)
        self.complete(self.ids['engineer'], 'engineer', 1)
        self.complete(self.ids['engineer'], 'engineer', 3)
        self.complete(self.ids['engineer2'], 'engineer2', 2)

        _, card = self.call('GET', 'staff/scorecard?count=3',
            headers=self.staff_token('engineer'), status=200)
        self.assertEqual(card['engineer'], "王建国")
        self.assertEqual(card['periodicity'], 'monthly')
        self.assertEqual(len(card['periods']), 3)
        today = dt.date.today()
        current = card['periods'][-1]
        self.assertEqual(current['period'], today.strftime('%Y-%m'))
        self.assertEqual(current['start'], today.replace(day=1).isoformat())
        kpis = {k['name']: k for k in current['kpis']}
        self.assertEqual(list(kpis)[:3],
            ['jobs_done', 'labour_hours', 'working_hours'])
        # Labels in the language of the user (zh_CN), figures as numbers
        self.assertEqual(
            (kpis['jobs_done']['value'], kpis['jobs_done']['team_average']),
            (2, 1.5))
        self.assertEqual((kpis['labour_hours']['value'],
                kpis['labour_hours']['team_average']), (4, 3))
        self.assertEqual(kpis['labour_hours']['unit'], 'hours')
        self.assertEqual(kpis['first_time_fix_rate']['unit'], 'percent')
        # Nothing done the months before
        for period in card['periods'][:-1]:
            jobs, = [k for k in period['kpis'] if k['name'] == 'jobs_done']
            self.assertIsNone(jobs['value'])
            self.assertIsNone(jobs['team_average'])

        # The second engineer: his own figures beside the same average
        _, card = self.call('GET', 'staff/scorecard?count=1',
            headers=self.staff_token('engineer2'), status=200)
        self.assertEqual(card['engineer'], "李强")
        period, = card['periods']
        kpis = {k['name']: k for k in period['kpis']}
        self.assertEqual(
            (kpis['jobs_done']['value'], kpis['jobs_done']['team_average']),
            (1, 1.5))

        # In English on request, by quarter
        _, card = self.call('GET', 'staff/scorecard?period=quarterly&count=2',
            headers={**self.staff_token('engineer'),
                'Accept-Language': 'en'}, status=200)
        quarter = (today.month - 1) // 3 + 1
        self.assertEqual(card['periods'][-1]['period'],
            f'{today.year}-Q{quarter}')
        jobs = card['periods'][-1]['kpis'][0]
        self.assertEqual((jobs['label'], jobs['value']), ("Jobs Done", 2))

    def test_scorecard_refused(self):
        "Bad parameters and users without employee are refused"
        headers = self.staff_token('engineer')
        for query in ['count=0', 'count=25', 'period=weekly', 'engineer=1']:
            self.assertError(self.call('GET', f'staff/scorecard?{query}',
                    headers=headers), 422, 'validation')
        self.assertError(self.call('GET', 'staff/scorecard',
                headers=self.staff_token('manager')), 404, 'not_found')

    @unittest.skipIf(sync_playwright is None, "playwright is not installed")
    @unittest.skipIf(not os.path.exists(CHROMIUM), f"{CHROMIUM} is missing")
    def test_views_in_browser(self):
        "The Van stock and My scorecard pages on a phone, in zh_CN"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.add_stock(self.ids['engineer'], 4)
        # The server of the story's test, serving this test's database
        browser_test.PlaywrightTestCase.serve(self, self.browse_pages)

    def browse_pages(self, base):
        from playwright.sync_api import expect
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=['--no-sandbox', '--disable-background-networking',
                    '--disable-dev-shm-usage'])
            try:
                context = browser.new_context(locale='zh-CN',
                    viewport={'width': 390, 'height': 844},
                    device_scale_factor=2, is_mobile=True, has_touch=True)
                context.set_default_timeout(browser_test.TIMEOUT)
                page = context.new_page()
                errors = []
                page.on('pageerror', lambda error: errors.append(str(error)))
                page.goto(f'{base}/engineer/#/login')
                page.fill('input[name=login]', 'engineer')
                page.fill('input[name=password]', PASSWORD)
                page.click('#staff-login-form button[type=submit]')
                page.click('a[href="#/van"]')
                expect(page.locator('h1')).to_have_text("车载库存")
                expect(page.locator('#van-stock tbody tr').first
                    ).to_be_visible()
                page.screenshot(path=str(ARTIFACTS / 'engineer-van-stock.png'),
                    full_page=True)
                page.click('a[href="#/scorecard"]')
                expect(page.locator('h1')).to_have_text("我的绩效")
                rows = page.locator('#scorecard tbody tr')
                expect(rows).to_have_count(13)
                expect(rows.first.locator('td').first).to_have_text(
                    "完成工单数")
                page.click('a[href="#/scorecard?period=quarterly"]')
                expect(page.locator('#scorecard')).to_have_attribute(
                    'data-period', dt.date.today().strftime('%Y-Q')
                    + str((dt.date.today().month - 1) // 3 + 1))
                page.screenshot(path=str(ARTIFACTS / 'engineer-scorecard.png'),
                    full_page=True)
                self.assertEqual(errors, [])
            finally:
                browser.close()

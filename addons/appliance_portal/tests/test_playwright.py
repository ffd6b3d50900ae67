# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The whole story in Debian's chromium driven by Playwright.

A customer signs up, registers an appliance and books a repair on the
portal; an agent dispatches it through the API; the engineer completes it on
a 390×844 phone; the customer follows the timeline and rates.  Another
customer cannot open the first one's request.  Screenshots are kept under
var/test-artifacts/playwright/ (or $PLAYWRIGHT_ARTIFACTS).

trytond serves the pages from this thread (the SQLite test database lives
in it) while the browser is driven from another one.
"""
import datetime as dt
import json
import os
import re
import threading
import unittest
import urllib.request
from pathlib import Path

from werkzeug.serving import make_server

from trytond.tests.test_tryton import RouteTestCase
from trytond.wsgi import app

from .tools import MODEL_CODE, PASSWORD, PortalTestMixin

CHROMIUM = '/usr/bin/chromium'
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get('PLAYWRIGHT_ARTIFACTS')
    or ROOT / 'var' / 'test-artifacts' / 'playwright')
TIMEOUT = 20000

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:
    sync_playwright = None


@unittest.skipIf(sync_playwright is None, "playwright is not installed")
@unittest.skipIf(not os.path.exists(CHROMIUM),
    f"{CHROMIUM} is missing: apt-get install -y chromium")
class PlaywrightTestCase(PortalTestMixin, RouteTestCase):
    "Drive the portal and the engineer pages in chromium"

    def setUp(self):
        super().setUp()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def confirmation_link(self, base, email):
        "The link of the confirmation email sent to email"
        for message in reversed(self.emails):
            if message['To'] == email:
                body = message.get_body(('html',)).get_content()
                token = re.search(r'token=([0-9a-f]+)', body).group(1)
                return f'{base}/portal/?token={token}#/validate'
        self.fail(f"no confirmation email to {email}")

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

    def test_story(self):
        "Sign up, book, dispatch, complete on a phone, follow and rate"
        self.serve(self.story)

    def story(self, base):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=['--no-sandbox', '--disable-background-networking',
                    '--disable-dev-shm-usage'])
            try:
                self._story(browser, base)
            finally:
                browser.close()

    def expect_visible(self, page, selector, shot):
        "Wait for selector, else keep a screenshot and fail with the errors"
        try:
            expect(page.locator(selector)).to_be_visible()
        except AssertionError:
            self.shot(page, shot)
            self.fail(page.locator('.form-error, p.error').all_inner_texts())

    def shot(self, page, name):
        page.screenshot(path=str(ARTIFACTS / f'{name}.png'), full_page=True)

    def _story(self, browser, base):
        phone = {'viewport': {'width': 390, 'height': 844},
            'device_scale_factor': 2, 'is_mobile': True, 'has_touch': True}
        customer = browser.new_context(locale='zh-CN', **phone)
        customer.set_default_timeout(TIMEOUT)
        page = customer.new_page()
        errors = []
        page.on('pageerror', lambda error: errors.append(str(error)))

        # 1. The customer signs up, registers an appliance, books a repair
        page.goto(f'{base}/portal/#/signup')
        page.fill('input[name=name]', "林小姐")
        page.fill('input[name=mobile]', '13900139000')
        page.fill('input[name=email]', 'lin@example.com')
        page.fill('input[name=password]', 'Hz-Wensan-Road-90!')
        page.select_option('select[name=subdivision]', 'CN-ZJ')
        page.fill('input[name=city]', "杭州")
        page.fill('input[name=street]', "文三路 90 号")
        self.shot(page, '01-signup')
        # Without the consent to the privacy policy the form is not sent
        page.click('#signup-form button[type=submit]')
        self.assertEqual(page.locator('#signup-sent').count(), 0)
        page.check('#f-privacy_consent')
        page.click('#signup-form button[type=submit]')
        self.expect_visible(page, '#signup-sent', '01-signup-error')
        page.goto(self.confirmation_link(base, 'lin@example.com'))
        expect(page.locator('h1')).to_have_text("林小姐")
        self.shot(page, '02-home')

        page.click('a[href="#/appliances/new"]')
        page.select_option('select[name=model_code]', MODEL_CODE)
        page.fill('input[name=serial_number]', 'GR202401')
        page.fill('input[name=sale_date]',
            (dt.date.today() - dt.timedelta(days=60)).isoformat())
        page.select_option('select[name=purchase_channel]', 'online')
        page.set_input_files('input[name=invoice_photo]', files=[{
                    'name': 'invoice.png', 'mimeType': 'image/png',
                    'buffer': b'\x89PNG\r\n\x1a\n' + b'\x00' * 64}])
        self.shot(page, '03-register')
        page.click('#appliance-form button[type=submit]')
        expect(page.locator('table.coverages')).to_be_visible()
        self.shot(page, '04-appliance')

        page.click('a[href^="#/book"]')
        page.fill('textarea[name=description]', "空调不制冷，室外机不转")
        page.locator('.slot').first.click()
        self.shot(page, '05-booking')
        page.click('#book-form button[type=submit]')
        expect(page.locator('#request-state')).to_be_visible()
        request_id = int(page.url.rsplit('/', 1)[1])
        self.shot(page, '06-request')

        # 2. Staff dispatch it through the API
        agent = self.api(base, 'POST', 'staff/login',
            {'login': 'agent', 'password': PASSWORD})
        session = {'Authorization': f"Session {agent['token']}"}
        request = self.api(base, 'GET', f'service-requests/{request_id}',
            headers={'Authorization': 'Bearer ' + page.evaluate(
                    "localStorage.getItem('portal_token')")})
        order_id = request['visits'][0]['id']
        order = self.api(base, 'POST',
            f'staff/work-orders/{order_id}/dispatch',
            {'engineer': self.ids['engineer']}, headers=session)
        self.assertEqual(order['state'], 'dispatched')

        # 3. The engineer completes it on the phone
        engineer_context = browser.new_context(locale='zh-CN', **phone)
        engineer_context.set_default_timeout(TIMEOUT)
        engineer = engineer_context.new_page()
        engineer.on('pageerror', lambda error: errors.append(str(error)))
        engineer.goto(f'{base}/engineer/#/login')
        engineer.fill('input[name=login]', 'engineer')
        engineer.fill('input[name=password]', PASSWORD)
        engineer.click('#staff-login-form button[type=submit]')
        job = engineer.locator(f'a.job[data-order="{order_id}"]').first
        expect(job).to_be_visible()
        self.shot(engineer, '07-engineer-jobs')
        job.click()
        engineer.click('button[data-action=depart]')
        expect(engineer.locator('#order-state')).to_have_attribute(
            'data-state', 'on_the_way')
        engineer.click('button[data-action=start]')
        expect(engineer.locator('#complete-form')).to_be_visible()
        engineer.fill('input[name=part_code]', 'CAP35')
        engineer.fill('input[name=labour_hours]', '1.5')
        engineer.fill('textarea[name=root_cause]', "启动电容老化")
        signature = engineer.locator('#signature')
        signature.scroll_into_view_if_needed()
        box = signature.bounding_box()
        engineer.mouse.move(box['x'] + 20, box['y'] + 40)
        engineer.mouse.down()
        engineer.mouse.move(box['x'] + 160, box['y'] + 90, steps=8)
        engineer.mouse.up()
        options = engineer.locator('select[name=fault_type] option')
        if options.count() > 1:  # with the fault catalog
            engineer.select_option('select[name=fault_type]', index=1)
            self.assertTrue(
                engineer.locator('select[name=fault_type]').input_value())
        self.shot(engineer, '08-engineer-completion')
        engineer.click('#complete-form button[type=submit]')
        try:
            expect(engineer.locator('#order-state')).to_have_attribute(
                'data-state', 'done')
        except AssertionError:
            self.shot(engineer, '09-engineer-error')
            self.fail(engineer.locator('.form-error').all_inner_texts())
        # What was done, the charges and the completion noticed
        expect(engineer.locator('#completion-summary')).to_contain_text(
            'CAP35')
        expect(engineer.locator('#notice')).to_be_visible()
        self.shot(engineer, '09-engineer-done')

        # 4. The customer sees the timeline and rates
        page.goto(f'{base}/portal/#/requests/{request_id}')
        page.reload()
        expect(page.locator('.visit')).to_have_attribute('data-state', 'done')
        expect(page.locator('ol.timeline li')).to_have_count(
            len(self.api(base, 'GET', f'service-requests/{request_id}',
                    headers={'Authorization': 'Bearer ' + page.evaluate(
                            "localStorage.getItem('portal_token')")}
                    )['timeline']))
        self.shot(page, '10-timeline')
        if page.locator('#rating-form').count():
            page.locator('fieldset.stars').first.locator(
                'label').nth(4).click()
            page.fill('#rating-form textarea[name=comment]', "师傅很专业")
            page.click('#rating-form button[type=submit]')
            expect(page.locator('p.rating')).to_be_visible()
            self.shot(page, '11-rated')

        # Another customer cannot open the request
        other = browser.new_context(locale='zh-CN', **phone)
        other.set_default_timeout(TIMEOUT)
        stranger = other.new_page()
        stranger.goto(f'{base}/portal/#/signup')
        stranger.fill('input[name=name]', "Stranger")
        stranger.fill('input[name=mobile]', '13900139001')
        stranger.fill('input[name=email]', 'stranger@example.com')
        stranger.fill('input[name=password]', 'Qx7-Mango-Tree-5!')
        stranger.check('#f-privacy_consent')
        stranger.click('#signup-form button[type=submit]')
        expect(stranger.locator('#signup-sent')).to_be_visible()
        stranger.goto(self.confirmation_link(base, 'stranger@example.com'))
        expect(stranger.locator('h1')).to_have_text("Stranger")
        stranger.goto(f'{base}/portal/#/requests/{request_id}')
        expect(stranger.locator('p.error')).to_be_visible()
        self.assertNotIn("空调不制冷", stranger.content())
        self.shot(stranger, '12-other-customer')
        self.assertEqual(errors, [])

    def api(self, base, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f'{base}/api/v1/{path}', data=data,
            method=method, headers={'Content-Type': 'application/json',
                **(headers or {})})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

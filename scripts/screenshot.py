#!/usr/bin/env python3
"""Screenshot the appliance form of the demo in the web client, in zh_CN.

    .venv/bin/python scripts/screenshot.py \\
        --output docs/screenshots/appliance_form_zh_CN.png

Logs into sao as admin (whose language is zh_CN in the demo), opens an
appliance with an extended warranty on its warranty tab and saves a PNG.
When nothing answers on --url, the demo server is started for the shot
and stopped afterwards (the demo database must exist: `make demo-setup`).

The browser is Debian's chromium (apt-get install chromium) driven by
playwright; no browser is ever downloaded.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = [
    '--no-sandbox', '--disable-background-networking', '--disable-gpu']


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_server(database, url, timeout=60):
    env = dict(os.environ)
    env.setdefault('TRYTOND_DATABASE__PATH', str(ROOT / 'var'))
    log = open(ROOT / 'var' / 'screenshot-server.log', 'w')
    process = subprocess.Popen([
            str(Path(sys.executable).parent / 'trytond'),
            '-c', str(ROOT / 'tryton.conf'), '-d', database],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while not answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            raise SystemExit(
                f"the demo server did not start, see {log.name}")
        time.sleep(0.5)
    return process


def rpc(url, database, method, params, session=None):
    request = urllib.request.Request(
        f'{url}{database}/rpc/',
        json.dumps({'id': 0, 'method': method, 'params': params}).encode(),
        {'Content-Type': 'application/json'})
    if session:
        request.add_header('Authorization', 'Session ' + base64.b64encode(
                session.encode()).decode())
    with urllib.request.urlopen(request, timeout=30) as response:
        result = json.load(response)
    if result.get('error'):
        raise RuntimeError(result['error'])
    return result['result']


def pick_appliance(url, database, login, password):
    "An air conditioner or another appliance with an extended warranty"
    user_id, key = rpc(url, database, 'common.db.login',
        [login, {'password': password}, 'zh_CN'])[:2]
    session = f'{login}:{user_id}:{key}'
    context = rpc(url, database, 'model.res.user.get_preferences',
        [True, {}], session)
    for domain in [
            [('extensions', '!=', None), ('status', '=', 'in_use'),
                ('category.code', '=', 'REF')],
            [('extensions', '!=', None)],
            []]:
        ids = rpc(url, database, 'model.appliance.appliance.search',
            [domain, 0, 1, [('id', 'ASC')], context], session)
        if ids:
            return ids[0]
    raise SystemExit("no appliance in the database: load the demo data")


def screenshot(url, database, login, password, record, output, tab,
        width, height):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            locale='zh-CN', viewport={'width': width, 'height': height})
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector('.login-dialog #login')
        # sao shows a list of the databases, or a read-only entry when
        # there is only one, or a free entry when listing is disabled
        page.wait_for_function("""() => {
            const select = document.querySelector(
                '.login-dialog select#database');
            const input = document.querySelector(
                '.login-dialog input#database');
            return (select && select.offsetParent && select.options.length)
                || (input && input.offsetParent); }""")
        database_select = page.locator('.login-dialog select#database')
        database_input = page.locator('.login-dialog input#database')
        if database_select.is_visible():
            database_select.select_option(database)
        elif database_input.is_editable():
            database_input.fill(database)
        elif database_input.input_value() != database:
            raise SystemExit(
                f"the server offers {database_input.input_value()!r} "
                f"not {database!r}")
        page.fill('.login-dialog #login', login)
        page.click('.login-dialog button[type=submit]')
        page.wait_for_selector('.ask-dialog #ask-dialog-entry')
        page.fill('.ask-dialog #ask-dialog-entry', password)
        page.click('.ask-dialog .btn-primary')
        page.wait_for_selector('#menu .treeview, #menu table',
            timeout=30000)
        page.evaluate(
            f"window.location.hash = "
            f"'#{database}/model/appliance.appliance/{record}'")
        page.wait_for_selector('.form .notebook, .form .nav-tabs',
            timeout=30000)
        page.wait_for_load_state('networkidle')
        if tab:
            page.click(f'.form .nav-tabs a:has-text("{tab}")')
        # sao fills the lists of a page once it is shown: wait until the
        # lists show as many rows as their badges ("_ / 4") count (the
        # picked appliance has coverages)
        page.wait_for_function("""() => {
            const pane = document.querySelector('.form .tab-pane.active');
            if (!pane) { return false; }
            const badges = Array.from(pane.querySelectorAll('.badge'));
            const expected = badges.reduce((total, badge) => {
                const match = badge.innerText.match(/\\/\\s*(\\d+)/);
                return total + (match ? parseInt(match[1], 10) : 0); }, 0);
            const rows = Array.from(pane.querySelectorAll(
                    'tbody tr:not(.more-row)'))
                .filter(row => row.innerText.trim());
            return expected > 0 && rows.length >= expected
                && !pane.querySelector('tr.more-row'); }""",
            timeout=30000)
        page.wait_for_load_state('networkidle')
        page.wait_for_timeout(500)
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(output))
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--url', default='http://127.0.0.1:8000/')
    parser.add_argument('--database', '-d', default='demo')
    parser.add_argument('--login', default='admin')
    parser.add_argument('--password', default='appliance-demo')
    parser.add_argument('--record', type=int,
        help="id of the appliance, by default one with an extension")
    parser.add_argument('--tab', default='保修',
        help="the notebook page to show (empty for the first one)")
    parser.add_argument('--width', type=int, default=1280)
    parser.add_argument('--height', type=int, default=860)
    parser.add_argument('--output', type=Path,
        default=ROOT / 'docs' / 'screenshots' / 'appliance_form_zh_CN.png')
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(
            f"{CHROMIUM} is missing: apt-get install -y chromium")
    url = args.url if args.url.endswith('/') else args.url + '/'

    server = None
    if not answers(url):
        server = start_server(args.database, url)
    try:
        record = args.record or pick_appliance(
            url, args.database, args.login, args.password)
        screenshot(url, args.database, args.login, args.password, record,
            args.output, args.tab, args.width, args.height)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    size = args.output.stat().st_size
    print(f"{args.output} written ({size // 1024} KB), appliance {record}")


if __name__ == '__main__':
    main()

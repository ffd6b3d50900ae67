"""Walk every staff screen of the demo in sao, for every staff role.

For each demo login of the staff (README) the test reads the menu entries
the user can see through JSON-RPC as that user, signs in through sao's
login form in Debian's chromium (zh-CN, Asia/Shanghai) and finds every entry
in sao's menu.  Each action of the menus is walked once, by the least
privileged role that sees it (ROLES, in that order: the admin walks only
what no other role sees): its menu entry is clicked, the list opens, the
first record opens in its form and every view of the action (list, form,
calendar, graph...) is switched to; a wizard's first form opens and is
cancelled; a page opened in a new window (a URL action) must load without
error.  New menus are walked with no change to this test.

A screen fails on a page error, a console error, an error answered by the
server (HTTP 4xx/5xx or a JSON-RPC error), an error dialog, or when it is
still processing after 20 s.  Every failure of every role is reported at
the end.  The screenshots (one per screen and view) and summary.json are
kept under var/test-artifacts/walk/ (or $WALK_ARTIFACTS).

    .venv/bin/python -m unittest tests.test_walk

WALK_ROLES=agent,engineer walks only those roles (each action by the least
privileged of them).  The roles are walked in WALK_LANES lanes at once
(default 2), each with its own server on its own copy of the database and
its own browser.  To keep the walk fast, sao loads at most WALK_LIST_LIMIT
records a list (default 20, instead of 1000: drawing long lists is most of
the time), the screenshots are of the window and an action is walked once
over all the roles.
"""
import json
import os
import re
import shutil
import time
import traceback
import unittest
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from .walk_server import (
    PASSWORD, RPCError, Server, Session, demo_database, log)

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get('WALK_ARTIFACTS')
    or ROOT / 'var' / 'test-artifacts' / 'walk')
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu',
    '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run']
# From the least privileged: an action is walked by the first role that
# sees it
ROLES = ['engineer', 'clerk', 'agent', 'manager', 'admin']
# The weight of signing in and finding every menu entry, in actions walked
SIGN_IN_WEIGHT = 3
LANES = int(os.environ.get('WALK_LANES') or 2)
LIST_LIMIT = int(os.environ.get('WALK_LIST_LIMIT') or 20)
VIEWPORT = {'width': 1400, 'height': 900}
# Seconds a screen may stay busy
BUSY_TIMEOUT = 20
OPEN_TIMEOUT = 60
# Seconds without a request in flight before a screen counts as shown
QUIET = 0.1
# Answers of the server with an error status that the client expects, as
# (status, path regular expression): reason.  None today: sao's requests of
# custom.js, custom.css, the locale files and favicon.ico must be answered.
EXPECTED_HTTP = {}
# Dialogs that tell the user something went wrong
ERROR_DIALOGS = ['error-dialog', 'warning-dialog', 'user-warning-dialog',
    'message-dialog']
# Covered with their address by the check of the answers
CONSOLE_HTTP = re.compile(
    r'^Failed to load resource: the server responded with a status of')

JS_MARK_MENU = """(path) => {
    let rows = Sao.main_menu_screen.current_view.rows;
    let row = null;
    for (const id of path) {
        row = rows.find(r => r.record.id === id);
        if (!row) {
            return null;
        }
        rows = row.rows;
    }
    row.el.attr('data-walk-menu', path[path.length - 1]);
    return row.is_expanded();
}"""
JS_TABS = "() => Sao.Tab.tabs.map(tab => tab.id)"
JS_TAB = """(id) => {
    const tab = Sao.Tab.tabs.find(tab => tab.id === id);
    if (!tab) {
        return null;
    }
    const info = {kind: tab.class_, name: tab.name_long};
    const screen = tab.screen;
    if (screen && screen.current_view) {
        const view = screen.current_view;
        info.view_type = view.view_type;
        info.view_index = screen.views.indexOf(view);
        info.views = screen.views.length + screen.view_to_load.length;
        info.records = screen.group ? screen.group.length : 0;
        info.editable = Boolean(view.editable);
        info.record = screen.current_record ? screen.current_record.id : null;
        const domain = jQuery('#' + id).find('.tab-domain li.active');
        info.tab_domain = domain.length ? domain.text().trim() : null;
    }
    return info;
}"""
JS_MARK_FIRST_ROW = """(id) => {
    const tab = Sao.Tab.tabs.find(tab => tab.id === id);
    const rows = tab.screen.current_view.rows || [];
    if (!rows.length) {
        return false;
    }
    rows[0].el.attr('data-walk-row', '1');
    return true;
}"""
JS_MARK_WIZARD_END = """(id) => {
    const wizard = Sao.Tab.tabs.find(tab => tab.id === id).wizard;
    const button = wizard.states[wizard.end_state];
    if (!button) {
        return false;
    }
    button.el.attr('data-walk-end', '1');
    return true;
}"""
# Counts the callbacks sao schedules to go on with its work (jQuery runs
# the callbacks of its promises in timeouts, Bootstrap ends the transitions
# of its dialogs in 150 or 300 ms): a screen is not settled while one is
# due, however loaded the machine is.  Longer timeouts are delays (the
# processing indicator shows after 3 s).
JS_TRACK_TIMEOUTS = """(() => {
    const due = new Set();
    const setTimeout = window.setTimeout;
    const clearTimeout = window.clearTimeout;
    window.walkTimeouts = due;
    window.setTimeout = function(callback, delay, ...args) {
        if ((delay || 0) > 500 || typeof callback !== 'function') {
            return setTimeout.call(window, callback, delay, ...args);
        }
        const id = setTimeout.call(window, function() {
            due.delete(id);
            return callback.apply(this, arguments);
        }, delay, ...args);
        due.add(id);
        return id;
    };
    window.clearTimeout = function(id) {
        due.delete(id);
        return clearTimeout.call(window, id);
    };
})();"""
JS_STATE = """() => [
    (window.jQuery ? jQuery.active : 0)
        + (window.walkTimeouts ? window.walkTimeouts.size : 0),
    Boolean(window.jQuery && jQuery('#processing').is(':visible'))]"""
JS_DIALOGS = """() => jQuery('.modal.in').toArray().map(el => ({
    classes: el.className,
    text: jQuery(el).find('.modal-header, .modal-body').text()
        .replace(/\\s+/g, ' ').trim().slice(0, 500)}))"""


def file_name(text):
    return re.sub(r'[\\/:*?"<>|\s]+', '_', text).strip('_')[:120]


class Screen:
    "The outcome of one screen of the walk"

    def __init__(self, role, number, menu, action=None):
        self.role = role
        self.number = number
        self.menu = menu
        self.action = action
        self.views = []
        self.errors = []
        # What a person would notice without it failing
        self.notes = []
        self.server_log = ''
        # sao is left in a state the walk cannot go on from
        self.broken = False
        # The action chosen when the menu entry has several
        self.choice = None
        self.started = time.monotonic()
        self.seconds = None

    def error(self, message):
        if message not in self.errors:
            self.errors.append(message)

    def finish(self):
        self.seconds = round(time.monotonic() - self.started, 1)

    def as_dict(self):
        return {
            'role': self.role,
            'number': self.number,
            'menu': self.menu,
            'action': self.action,
            'views': self.views,
            'result': 'failed' if self.errors else 'ok',
            'errors': self.errors,
            'notes': self.notes,
            'server_log': self.server_log,
            'seconds': self.seconds,
            }


class Walker:
    "Walk the menu of one role in one browser context"

    def __init__(self, browser, server, role, locale='zh-CN', entries=(),
            walkers=None):
        self.browser = browser
        self.server = server
        self.role = role
        self.locale = locale
        # The menu entries of the role, or the error of reading them
        self.entries = entries
        # The role that walks each action
        self.walkers = walkers or {}
        self.popups = []
        self.directory = ARTIFACTS / role
        self.directory.mkdir(parents=True, exist_ok=True)
        self.screens = []
        self.screen = None
        self.pending = {}
        self.responses = []
        self.page = None
        self.context = None

    def open_page(self):
        "A page in a new context: sao keeps its session in the storage"
        self.close()
        self.context = self.browser.new_context(locale=self.locale,
            timezone_id='Asia/Shanghai', viewport=VIEWPORT)
        self.context.set_default_timeout(BUSY_TIMEOUT * 1000)
        self.context.add_init_script(JS_TRACK_TIMEOUTS)
        self.pending.clear()
        self.responses.clear()
        self.popups.clear()
        self.context.on('page', self.on_new_page)
        self.page = self.context.new_page()
        for event, handler in self.handlers().items():
            self.page.on(event, handler)

    def close(self):
        if self.page:
            # What the closing page aborts is no failure
            for event, handler in self.handlers().items():
                self.page.remove_listener(event, handler)
            self.page = None
        if self.context:
            self.context.close()
            self.context = None

    # Events of the page, recorded on the current screen

    def handlers(self):
        return {
            'pageerror': self.on_page_error,
            'console': self.on_console,
            'request': self.on_request,
            'requestfinished': self.on_request_done,
            'requestfailed': self.on_request_failed,
            'response': self.on_response,
            }

    def on_new_page(self, page):
        "A window opened by sao: a URL action"
        if self.page is None:
            return
        self.popups.append(page)
        page.on('pageerror', lambda error: self.screen.error(
                f"page error in {path_of(page.url)}: {error.message}"))
        page.on('console', lambda message: self.on_popup_console(
                page, message))
        page.on('response', self.on_response)
        page.on('requestfailed', self.on_popup_request_failed)

    def on_popup_console(self, page, message):
        if message.type == 'error' and not CONSOLE_HTTP.match(message.text):
            self.screen.error(
                f"console error in {path_of(page.url)}: {message.text[:500]}")

    def on_popup_request_failed(self, request):
        if request.failure != 'net::ERR_ABORTED':
            self.screen.error(
                f"request failed: {request.method} {path_of(request.url)} "
                f"{request.failure}")

    def on_page_error(self, error):
        stack = (error.stack or '').splitlines()
        where = next((line.strip() for line in stack[1:2]), '')
        self.screen.error(f"page error: {error.message} {where}".strip())
        # sao's promises are broken: what follows would wait in vain
        self.screen.broken = True

    def on_console(self, message):
        if message.type == 'error' and not CONSOLE_HTTP.match(message.text):
            self.screen.error(f"console error: {message.text[:500]}")

    def on_request(self, request):
        if not request.url.startswith('blob:'):
            self.pending[request] = rpc_method(request)

    def on_request_done(self, request):
        self.pending.pop(request, None)

    def on_request_failed(self, request):
        self.pending.pop(request, None)
        # Chromium aborts what the page no longer needs (a script answered
        # with an error status, an image of a redrawn row)
        if (request.url.startswith('blob:')
                or request.failure == 'net::ERR_ABORTED'):
            return
        self.screen.error(
            f"request failed: {request.method} {path_of(request.url)} "
            f"{request.failure}")

    def on_response(self, response):
        # Read later: the body is not available in the handler
        self.responses.append(response)

    def check_responses(self):
        responses, self.responses[:] = self.responses[:], []
        for response in responses:
            request = response.request
            path = path_of(response.url)
            if response.status >= 400:
                if not expected_http(response.status, path):
                    method = rpc_method(request)
                    self.screen.error(f"HTTP {response.status} "
                        f"{request.method} {path}"
                        + (f" ({method})" if method else ''))
            elif request.method == 'POST' and path.endswith('/rpc/'):
                self.check_rpc(response)

    def check_rpc(self, response):
        try:
            answer = response.json()
        except (PlaywrightError, ValueError):
            return
        error = answer.get('error') if isinstance(answer, dict) else None
        if error:
            method = rpc_method(response.request)
            if isinstance(error, list):
                error = ': '.join(str(e) for e in error if e)
            self.screen.error(f"RPC error in {method}: {str(error)[:500]}")

    # Waiting

    def settle(self, timeout=BUSY_TIMEOUT):
        """Wait until no request is in flight and sao is not processing

        Raise Stuck when the screen had a page error or, with a failure,
        after timeout seconds.
        """
        deadline = time.monotonic() + timeout
        quiet_since = None
        while True:
            self.page.wait_for_timeout(25)
            self.check_responses()
            active, processing = self.page.evaluate(JS_STATE)
            if active or processing or self.pending:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET:
                break
            if time.monotonic() > deadline:
                self.screen.broken = True
                pending = sorted({m or '' for m in self.pending.values()})
                self.screen.error(
                    f"still processing after {timeout} s"
                    + (" (processing shown)" if processing else '')
                    + (f", waiting for {', '.join(pending)}"
                        if any(pending) else ''))
                break
        if self.screen.broken:
            raise Stuck

    def check_dialogs(self, expected=()):
        """Fail on error dialogs and close every unexpected dialog

        Return the dialogs left open (those of expected classes).
        """
        left = []
        for dialog in self.page.evaluate(JS_DIALOGS):
            classes = dialog['classes'].split()
            if any(c in classes for c in expected):
                left.append(dialog)
                continue
            kind = next((c for c in classes if c.endswith('-dialog')),
                'dialog')
            if kind in ERROR_DIALOGS:
                self.screen.error(f"{kind}: {dialog['text']}")
            else:
                self.screen.error(f"unexpected {kind}: {dialog['text']}")
            self.shot('dialog')
            self.dismiss(kind)
        return left

    def dismiss(self, kind):
        "Close a dialog, discarding changes when sao asks"
        dialog = self.page.locator(f'.modal.in.{kind}').last
        for selector in ['.modal-footer .btn-default',
                '.modal-footer .btn-link', '.modal-footer .btn-primary',
                '.modal-header .close']:
            button = dialog.locator(selector)
            if button.count() and button.first.is_visible():
                button.first.click()
                break
        else:
            self.page.keyboard.press('Escape')
        self.settle()

    def shot(self, view, page=None):
        name = f'{self.screen.number:03d}_{file_name(self.screen.menu)}'
        for part in [self.screen.choice, view]:
            if part:
                name += f'.{file_name(part)}'
        path = self.directory / f'{name}.png'
        try:
            (page or self.page).screenshot(path=str(path))
        except PlaywrightError as error:
            self.screen.error(f"screenshot failed: {error.message}")
            return None
        return str(path.relative_to(ARTIFACTS))

    # Signing in

    def sign_in(self):
        "Sign in through sao's login form, return whether the menu shows"
        self.open_page()
        try:
            self._sign_in(self.page)
        except Stuck:
            return False
        except PlaywrightError as error:
            self.screen.error(f"sign in failed: {error.message}")
            return False
        finally:
            self.check_responses()
        return True

    def _sign_in(self, page):
        page.goto(self.server.url)
        page.wait_for_selector('.login-dialog #login')
        page.evaluate('(limit) => { Sao.config.limit = limit; }', LIST_LIMIT)
        # sao lists the databases, or shows a read-only entry when there
        # is only one, or a free entry when listing is disabled
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
            database_select.select_option(self.server.database)
        elif database_input.is_editable():
            database_input.fill(self.server.database)
        page.fill('.login-dialog #login', self.role)
        page.click('.login-dialog button[type=submit]')
        page.fill('.ask-dialog #ask-dialog-entry', PASSWORD)
        page.click('.ask-dialog .btn-primary')
        page.wait_for_selector('#menu .treeview tbody tr')
        self.settle()

    def visit_login_page(self):
        """Open the login page and ask for the site's icon

        In English sao asks for other locale files than in Chinese, and a
        desktop browser asks every site for /favicon.ico, which headless
        chromium does not and Playwright would not report.
        """
        self.screen = Screen(self.role, 0, f'(login page in {self.locale})')
        self.screens.append(self.screen)
        self.open_page()
        try:
            self.page.goto(self.server.url)
            self.page.wait_for_selector('.login-dialog #login')
            self.settle()
            icon = self.context.request.get(self.server.url + 'favicon.ico')
            if (icon.status >= 400
                    and not expected_http(icon.status, '/favicon.ico')):
                self.screen.error(f"HTTP {icon.status} GET /favicon.ico")
        except (Stuck, PlaywrightError) as error:
            self.screen.error(f"login page failed: {error}")
        self.shot('')
        self.screen.finish()
        return self.screens

    # The menu

    def mark_menu(self, path):
        "Mark the row of the menu path, expanding its parents"
        for depth in range(1, len(path)):
            expanded = self.page.evaluate(JS_MARK_MENU, path[:depth])
            if expanded is None:
                return False
            if not expanded:
                self.page.click(
                    f'tr[data-walk-menu="{path[depth - 1]}"] .expander')
                self.settle()
        return self.page.evaluate(JS_MARK_MENU, path) is not None

    # Walking

    def walk(self):
        self.screen = Screen(self.role, 0, '(sign in)')
        self.screens.append(self.screen)
        start = time.monotonic()
        signed_in = self.sign_in()
        self.shot('')
        self.screen.finish()
        if not signed_in:
            return self.screens
        sign_in_errors = list(self.screen.errors)
        entries = self.entries
        if isinstance(entries, Exception):
            self.screen.error(f"reading the menu failed: {entries}")
            return self.screens
        walked = {}
        for number, (path, menu) in enumerate(entries, 1):
            self.screen = Screen(
                self.role, number, menu['complete_name'], menu['action'])
            self.screens.append(self.screen)
            log_offset = self.server.log_size()
            walker = self.walkers.get(menu['action'], self.role)
            if menu['action'] in walked or walker != self.role:
                if walker != self.role:
                    self.screen.notes.append(f"walked by {walker}")
                else:
                    self.screen.notes.append(f"same action as "
                        f"#{walked[menu['action']]}: not walked again")
                try:
                    if not self.mark_menu(path):
                        self.screen.error(
                            "menu entry not shown in sao's menu")
                except (Stuck, PlaywrightError) as error:
                    self.screen.error(f"finding the menu entry failed: "
                        f"{getattr(error, 'message', error)}")
                    self.screen.broken = True
                self.check_responses()
                self.screen.finish()
                if self.screen.broken and not self.recover(sign_in_errors):
                    self.screen.error(f"signing in again failed: the "
                        f"{len(entries) - number} next entries are not "
                        "walked")
                    break
                continue
            walked[menu['action']] = number
            try:
                self.open_menu(path)
            except Stuck:
                self.shot('stuck')
            except PlaywrightError as error:
                self.screen.error(f"walk failed: {error.message}")
                self.screen.broken = True
                self.shot('stuck')
            self.check_responses()
            self.check_left_open()
            self.screen.finish()
            if self.screen.errors:
                self.screen.server_log = server_errors(
                    self.server.log_since(log_offset))
            if self.screen.broken and not self.recover(sign_in_errors):
                self.screen.error(f"signing in again failed: the "
                    f"{len(entries) - number} next entries are not walked")
                break
        log(f"{self.role}: {len(self.screens) - 1} menu entries in "
            f"{time.monotonic() - start:.0f}s, "
            f"{sum(1 for s in self.screens if s.errors)} failed")
        return self.screens

    def check_left_open(self):
        "Fail when the screen leaves a dialog open over the next one"
        if self.screen.broken:
            return
        dialogs = self.page.evaluate(JS_DIALOGS)
        for dialog in dialogs:
            self.screen.error(f"left open: {dialog['text']}")
        if dialogs:
            self.shot('left-open')
            self.screen.broken = True

    def recover(self, sign_in_errors):
        """Sign in again in a new context after a page error or a timeout

        sao may be left busy or half drawn.  The errors of signing in that
        are already reported are not repeated.
        """
        failed = self.screen
        self.screen = Screen(self.role, failed.number, failed.menu)
        signed_in = self.sign_in()
        for message in self.screen.errors:
            if message not in sign_in_errors:
                failed.error(f"signing in again: {message}")
        self.screen = failed
        return signed_in

    def open_menu(self, path):
        if not self.mark_menu(path):
            self.screen.error("menu entry not shown in sao's menu")
            return
        choices = self.activate(path, 0)
        # A menu entry with several actions asks which one to open
        for choice in range(1, choices):
            if self.screen.broken:
                break
            self.activate(path, choice)

    def activate(self, path, choice):
        """Click the menu entry and walk what it opens

        Return the number of actions sao asks to choose from.
        """
        tabs = self.page.evaluate(JS_TABS)
        popups = len(self.popups)
        self.page.click(f'tr[data-walk-menu="{path[-1]}"] .column-char')
        # a dashboard opens its reports all at once
        self.settle(timeout=OPEN_TIMEOUT)
        choices = 0
        dialogs = self.check_dialogs(
            expected=['wizard-dialog', 'selection-dialog'])
        if any('selection-dialog' in d['classes'] for d in dialogs):
            choices = self.choose(choice)
            self.settle()
            dialogs = self.check_dialogs(expected=['wizard-dialog'])
        opened = False
        for dialog in dialogs:
            opened = True
            self.cancel_wizard_dialog(tabs)
        for tab in self.page.evaluate(JS_TABS):
            if tab not in tabs:
                opened = True
                self.walk_tab(tab)
        if not opened:
            # The event of a window opened by the last answer may follow
            deadline = time.monotonic() + 2
            while len(self.popups) == popups and time.monotonic() < deadline:
                self.page.wait_for_timeout(100)
        for popup in self.popups[popups:]:
            opened = True
            self.walk_popup(popup)
        del self.popups[popups:]
        if not opened and not self.screen.errors:
            self.screen.error("nothing opened: sao got no action to open")
            self.shot('')
        return choices

    def choose(self, choice):
        "Choose an action in sao's selection dialog"
        label, count = self.select(choice)
        self.screen.views.append({'action': label})
        self.screen.choice = label
        return count

    def select(self, choice):
        """Click the choice of sao's selection dialog and confirm

        Return its label and the number of choices.
        """
        dialog = self.page.locator('.modal.in.selection-dialog').last
        options = dialog.locator('.radio label')
        count = options.count()
        label = options.nth(choice).inner_text().strip()
        options.nth(choice).click()
        dialog.locator('.modal-footer .btn-primary').click()
        return label, count

    def walk_popup(self, popup):
        """Check the page of a URL action loads, with a screenshot

        Its answers and errors are checked with those of the screen; the
        address must also answer 200 to a plain GET with the session
        cookie of the user.
        """
        try:
            popup.wait_for_load_state('load', timeout=BUSY_TIMEOUT * 1000)
            try:
                popup.wait_for_load_state('networkidle', timeout=5000)
            except PlaywrightError:
                self.screen.notes.append(
                    f"{path_of(popup.url)} keeps requesting")
            url = popup.url
            view = {'type': 'url', 'url': path_of(url)}
            if not url.startswith(self.server.url):
                self.screen.error(f"opened a page of another site: {url}")
            else:
                answer = self.context.request.get(url)
                view['status'] = answer.status
                if answer.status != 200:
                    self.screen.error(
                        f"HTTP {answer.status} GET {path_of(url)}")
            view['screenshot'] = self.shot('url', page=popup)
            self.screen.views.append(view)
        except PlaywrightError as error:
            self.screen.error(
                f"the page {path_of(popup.url)} failed: {error.message}")
        finally:
            self.check_responses()
            popup.close()

    def cancel_wizard_dialog(self, tabs):
        self.screen.views.append({'type': 'wizard', 'screenshot': self.shot(
                    '')})
        dialog = self.page.locator('.modal.in.wizard-dialog').last
        cancel = dialog.locator('.modal-footer .btn-link')
        if cancel.count():
            cancel.first.click()
        else:
            self.page.keyboard.press('Escape')
        self.settle()
        self.check_dialogs()
        if self.page.locator('.modal.in.wizard-dialog').count():
            self.screen.error("the wizard did not close on cancel")
        # A wizard may end on an action that opens a tab
        for tab in self.page.evaluate(JS_TABS):
            if tab not in tabs:
                self.close_tab(tab)

    def walk_tab(self, tab):
        info = self.page.evaluate(JS_TAB, tab)
        if not info:
            return
        if info['kind'] == 'tab-form':
            self.walk_views(tab, info)
        elif info['kind'] == 'tab-wizard':
            self.screen.views.append(
                {'type': 'wizard', 'screenshot': self.shot('')})
            if self.page.evaluate(JS_MARK_WIZARD_END, tab):
                self.page.click(f'#{tab} [data-walk-end]')
                self.settle()
        else:
            self.screen.views.append(
                {'type': info['kind'].replace('tab-', ''),
                    'screenshot': self.shot('')})
        self.check_dialogs()
        self.close_tab(tab)

    def record_view(self, tab, info, suffix):
        view = {'type': info['view_type'], 'records': info['records']}
        if info.get('tab_domain'):
            view['tab_domain'] = info['tab_domain']
        if info['record']:
            view['record'] = info['record']
        view['screenshot'] = self.shot(suffix)
        self.screen.views.append(view)

    def walk_views(self, tab, info):
        "Show every view of the tab, the form on its first record"
        self.record_view(tab, info, '')
        visited = {info['view_index']}
        if info['view_type'] == 'tree' and not info['records']:
            info = self.find_records(tab, info)
        if info['view_type'] == 'tree' and info['records']:
            self.open_first_record(tab, info)
            info = self.page.evaluate(JS_TAB, tab)
            if info and info['view_index'] not in visited:
                visited.add(info['view_index'])
                self.record_view(
                    tab, info, f"{len(visited)}-{info['view_type']}")
        switches = 0
        while info and len(visited) < info['views']:
            if switches > 2 * info['views']:
                self.screen.error(
                    f"switching shows {len(visited)} of {info['views']} "
                    "views")
                break
            switches += 1
            switch = self.page.locator(f'#{tab} button#switch_')
            if not switch.is_enabled():
                # sao switches from a list to a form only on a record
                self.screen.notes.append(
                    f"{info['views'] - len(visited)} views not shown: "
                    "no record to show")
                break
            switch.click()
            self.settle()
            self.check_dialogs()
            info = self.page.evaluate(JS_TAB, tab)
            if info and info['view_index'] not in visited:
                visited.add(info['view_index'])
                self.record_view(
                    tab, info, f"{len(visited)}-{info['view_type']}")

    def find_records(self, tab, info):
        "Show the first tab of the list with records when it opens empty"
        links = self.page.locator(f'#{tab} .tab-domain li a')
        default = info.get('tab_domain')
        for index in range(1, links.count()):
            link = links.nth(index)
            badge = link.locator('.badge')
            if badge.is_visible() and badge.inner_text().strip() == '0':
                continue
            link.click()
            self.settle()
            info = self.page.evaluate(JS_TAB, tab)
            if info['records']:
                self.screen.notes.append(f"opens on the empty tab "
                    f"{default!r}, records on {info['tab_domain']!r}")
                self.record_view(tab, info, 'tab')
                break
        return info

    def open_first_record(self, tab, info):
        if not self.page.evaluate(JS_MARK_FIRST_ROW, tab):
            return
        # A person opens the record on a plain cell: a link opens the
        # record it links to
        cells = self.page.locator(
            f'#{tab} tr[data-walk-row] td:has(> .cell):visible')
        plain = cells.filter(has_not=self.page.locator('a, button'))
        cell = plain.first if plain.count() else cells.first
        tabs = self.page.evaluate(JS_TABS)
        if info['editable']:
            cell.click()
        else:
            cell.dblclick()
        self.settle()
        # A record with several actions to open it (keyword tree_open)
        # asks which one: the first is walked
        if self.check_dialogs(expected=['selection-dialog']):
            label, _ = self.select(0)
            self.screen.notes.append(f"the record opens with {label!r}")
            self.settle()
            if self.check_dialogs(expected=['wizard-dialog']):
                self.cancel_wizard_dialog(tabs)
        else:
            self.check_dialogs()
        # A list with keyword_open opens its record in a new tab
        for other in self.page.evaluate(JS_TABS):
            if other not in tabs:
                other_info = self.page.evaluate(JS_TAB, other)
                if other_info and other_info['kind'] == 'tab-form':
                    self.record_view(other, other_info, 'opened')
                self.close_tab(other)

    def close_tab(self, tab):
        close = self.page.locator(f'#nav-{tab} button.close')
        if not close.count():
            return
        close.click()
        self.settle()
        self.check_dialogs()
        if tab in self.page.evaluate(JS_TABS):
            self.screen.error("the tab did not close")
            self.page.evaluate("""(id) => {
                const tab = Sao.Tab.tabs.find(tab => tab.id === id);
                tab._close_allowed = () => jQuery.when();
                tab.close(); }""", tab)
            self.settle()


class Stuck(Exception):
    "sao cannot go on from the screen: a page error or still processing"


def rpc_method(request):
    if request.method != 'POST' or not request.url.endswith('/rpc/'):
        return None
    try:
        return json.loads(request.post_data or '{}').get('method')
    except ValueError:
        return None


def path_of(url):
    return '/' + url.split('/', 3)[-1] if url.count('/') >= 3 else url


def expected_http(status, path):
    return any(status == s and re.search(p, path)
        for (s, p) in EXPECTED_HTTP)


def server_errors(text):
    "The tracebacks and errors of the server log"
    lines = [line for line in text.splitlines()
        if 'ERROR' in line or 'Traceback' in line or line.startswith(' ')
        or re.match(r'^\w+(\.\w+)*(Error|Exception)\b', line)]
    return '\n'.join(lines[-40:])


def report(screens):
    lines = []
    for screen in screens:
        for error in screen.errors:
            lines.append(f"{screen.role} #{screen.number} {screen.menu}: "
                f"{error}")
    return lines


def menu_entries(server, role):
    """The menu entries the role sees with an action, in menu order

    Read as the user, like sao's menu: each with the ids of its path.
    """
    session = Session(server.url, role)
    menus = session.model('ir.ui.menu', 'search_read', [], 0, None,
        None, ['name', 'complete_name', 'parent', 'childs', 'action'])
    by_id = {m['id']: m for m in menus}
    entries = []

    def visit(menu, path):
        path = path + [menu['id']]
        if menu['action']:
            entries.append((path, menu))
        for child in menu['childs']:
            if child in by_id:
                visit(by_id[child], path)
    for menu in menus:
        if not menu['parent']:
            visit(menu, [])
    return entries


def read_menus(server, roles):
    """The menu entries of each role, or the error of reading them, and
    the role that walks each action: the first of roles that sees it"""
    menus, walkers = {}, {}
    for role in roles:
        try:
            menus[role] = menu_entries(server, role)
        except (RPCError, OSError) as error:
            menus[role] = error
            continue
        for _, menu in menus[role]:
            walkers.setdefault(menu['action'], role)
    return menus, walkers


def plan_lanes(roles, count, weights):
    """Share the roles out between count lanes, the heaviest first; the
    first lane also opens the login page"""
    lanes = [[] for _ in range(max(1, min(count, len(roles))))]
    loads = [0] * len(lanes)
    for role in sorted(roles, key=lambda r: -weights.get(r, 0)):
        lane = loads.index(min(loads))
        lanes[lane].append(role)
        loads[lane] += weights.get(role, 0) + SIGN_IN_WEIGHT
    return [sorted(lane, key=roles.index) for lane in lanes]


def walk_lane(server, number, roles, menus, walkers, role_seconds):
    "Walk the roles with a server and a browser of their own"
    screens = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            if number == 0:
                walker = Walker(browser, server, 'browser', locale='en-US')
                try:
                    screens += walker.visit_login_page()
                finally:
                    walker.close()
            for role in roles:
                walker = Walker(browser, server, role, entries=menus[role],
                    walkers=walkers)
                role_start = time.monotonic()
                try:
                    walker.walk()
                except Exception:
                    # The walk of the role stops, not the lane's other roles
                    if walker.screen is None:
                        walker.screen = Screen(role, 0, '(sign in)')
                        walker.screens.append(walker.screen)
                    walker.screen.error(
                        "the walk stopped: " + traceback.format_exc(-3))
                finally:
                    screens += walker.screens
                    try:
                        walker.close()
                    except PlaywrightError:
                        pass
                role_seconds[role] = round(time.monotonic() - role_start)
        finally:
            browser.close()
    return screens


class WalkTestCase(unittest.TestCase):
    "Every staff screen of the demo opens in sao for every role"

    def test_walk(self):
        "Walk every menu entry of every staff role"
        self.assertTrue(os.path.exists(CHROMIUM),
            f"{CHROMIUM} is missing: apt-get install chromium "
            "(scripts/ensure_chromium.sh)")
        self.assertTrue(
            (ROOT / 'var' / 'sao' / 'package' / 'dist').is_dir(),
            "sao is missing: make sao")
        roles = [r for r in os.environ.get('WALK_ROLES', '').split(',')
            if r] or ROLES
        # From the least privileged, whatever the order asked
        roles.sort(key=lambda r: ROLES.index(r) if r in ROLES else len(ROLES))
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True)
        start = time.monotonic()
        database = demo_database()
        servers = [Server(database, name=f'server-{n}')
            for n in range(max(1, min(LANES, len(roles))))]
        with ExitStack() as stack:
            with ThreadPoolExecutor(max_workers=len(servers)) as executor:
                for server in executor.map(stack.enter_context, servers):
                    pass
            walk_start = time.monotonic()
            menus, walkers = read_menus(servers[0], roles)
            weights = {r: sum(1 for w in walkers.values() if w == r)
                for r in roles}
            lanes = plan_lanes(roles, len(servers), weights)
            role_seconds = {}
            with ThreadPoolExecutor(max_workers=len(lanes)) as executor:
                results = list(executor.map(
                        lambda lane: walk_lane(servers[lane[0]], *lane,
                            menus, walkers, role_seconds),
                        enumerate(lanes)))
            walk_seconds = round(time.monotonic() - walk_start)
        order = ['browser'] + roles
        screens = sorted((s for lane in results for s in lane),
            key=lambda s: (order.index(s.role), s.number))
        seconds = round(time.monotonic() - start)
        failures = report(screens)
        summary = {
            'seconds': seconds,
            'walk_seconds': walk_seconds,
            'lanes': [list(lane) for lane in lanes],
            'actions': weights,
            'list_limit': LIST_LIMIT,
            'screens': len(screens),
            'failed': sum(1 for s in screens if s.errors),
            'roles': roles,
            'role_seconds': role_seconds,
            'expected_http': {f'{s} {p}': reason
                for (s, p), reason in EXPECTED_HTTP.items()},
            'walk': [s.as_dict() for s in screens],
            }
        (ARTIFACTS / 'summary.json').write_text(
            json.dumps(summary, ensure_ascii=False, indent=1))
        (ARTIFACTS / 'failures.txt').write_text(
            '\n'.join(failures) + '\n' if failures else '')
        log(f"walked {len(screens)} screens in {seconds}s "
            f"({walk_seconds}s in the browsers), "
            f"{summary['failed']} failed; artifacts in {ARTIFACTS}")
        if failures:
            self.fail(f"{len(failures)} failures on {summary['failed']} "
                f"screens:\n" + '\n'.join(failures))

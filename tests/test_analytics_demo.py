"""The demo database shows non-empty charts for every report.

The demo database of the browser walk (tests/walk_server.py, built once per
source hash and day) is served by trytond and the Service Manager signs in
through JSON-RPC as sao does.  Every report window of the analytics and KPI
modules (the act windows of the appliance.analytics.* and appliance.kpi.*
models), and those of the HR scorecards and the supplier claims' recovery,
is opened as sao opens it: the defaults of its context model (company,
dates, grouping) in the context, its domain, its graph views.  Each report
must give rows, and each series of its charts (the y fields of its graph
views) must have a figure other than zero somewhere.

    .venv/bin/python -m unittest tests.test_analytics_demo
"""
import base64
import json
import unittest
import urllib.request

from lxml import etree

from trytond.protocols.jsonrpc import JSONDecoder, JSONEncoder
from trytond.pyson import PYSONDecoder

from .walk_server import RPCError, Server
from .walk_server import Session as WalkSession
from .walk_server import demo_database, log

ROLE = 'manager'
# The report windows: the models whose names start so
REPORTS = ('appliance.analytics.', 'appliance.kpi.',
    'appliance.engineer.scorecard', 'appliance.supplier.claim.recovery')
# Not reports: the configuration of the dashboards
NOT_REPORTS = {'appliance.analytics.dashboard.action'}
NUMERIC = {'integer', 'biginteger', 'float', 'numeric'}
# The rows of a report read at most
LIMIT = 5000


class Session(WalkSession):
    "A session with the values as sao sends and reads them (dates...)"

    def call(self, method, params):
        request = urllib.request.Request(self.rpc_url,
            json.dumps({'id': 0, 'method': method, 'params': params},
                cls=JSONEncoder).encode(),
            {'Content-Type': 'application/json'})
        if getattr(self, 'session', None):
            request.add_header('Authorization', 'Session ' + base64.b64encode(
                    self.session.encode()).decode())
        with urllib.request.urlopen(request, timeout=300) as response:
            result = json.loads(response.read(), object_hook=JSONDecoder())
        if result.get('error'):
            raise RPCError(method, result['error'])
        return result['result']


def reads(value, names):
    "Whether the encoded PYSON value reads one of names with Eval"
    if isinstance(value, dict):
        if value.get('__class__') == 'Eval' and value.get('v') in names:
            return True
        return any(reads(v, names) for v in value.values())
    if isinstance(value, list):
        return any(reads(v, names) for v in value)
    return False


class AnalyticsDemoTestCase(unittest.TestCase):
    "Every report of the demo shows its charts with figures"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(demo_database(), name='server-analytics')
        cls.server.start()
        cls.session = Session(cls.server.url, ROLE)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def windows(self):
        "The report windows the role may open, by model"
        session = self.session
        domain = ['OR'] + [('res_model', 'like', prefix + '%')
            for prefix in REPORTS]
        windows = session.model('ir.action.act_window', 'search_read',
            domain, 0, None, [('id', 'ASC')],
            ['name', 'action', 'res_model', 'context_model',
                'pyson_domain', 'pyson_context', 'act_window_views'])
        by_model = {}
        for window in windows:
            if window['res_model'] in NOT_REPORTS:
                continue
            by_model.setdefault(window['res_model'], []).append(window)
        return by_model

    def context_of(self, window):
        "The context sao opens the window in: its own and its context model's"
        session = self.session
        context = dict(session.context)
        env = dict(context, context=context, _user=context.get('user'),
            active_id=None, active_ids=[], active_model=None)
        context.update(PYSONDecoder(env).decode(
                window['pyson_context'] or '{}'))
        if window['context_model']:
            names = list(session.model(
                    window['context_model'], 'fields_get', None).keys())
            defaults = session.model(
                window['context_model'], 'default_get', names)
            context.update({k: v for k, v in defaults.items()
                    if v is not None and '.' not in k})
        return context

    def domain_of(self, window, context):
        """The domain of the window; a window opened from the rows of a
        report (its domain on the active ids) is opened from all of them"""
        encoded = window['pyson_domain'] or '[]'
        env = dict(context, context=context, _user=context.get('user'))
        if reads(json.loads(encoded), {'active_id', 'active_ids'}):
            ids = self.source_ids(window)
            env.update(active_ids=ids, active_id=ids[0] if ids else None)
        return PYSONDecoder(env).decode(encoded)

    def source_ids(self, window):
        "The ids of the rows of the reports the window is opened from"
        session = self.session
        keywords = session.model('ir.action.keyword', 'search_read', [
                ('action', '=', window['action']),
                ('keyword', 'in', ['form_relate', 'tree_open']),
                ], 0, None, None, ['model'])
        ids = []
        for keyword in keywords:
            model = keyword['model'].split(',')[0]
            for source in self.windows().get(model, [])[:1]:
                context = self.context_of(source)
                ids.extend(r['id'] for r in session.call(
                        f'model.{model}.search_read', [
                            self.domain_of(source, context), 0, LIMIT,
                            None, ['id'], context]))
        return ids

    def series(self, model, window):
        "The y fields of the graph views of the window"
        session = self.session
        views = session.model('ir.action.act_window.view', 'read',
            window['act_window_views'], ['view'])
        names = []
        for view in views:
            arch = session.model(model, 'fields_view_get', view['view'],
                'graph')
            if arch.get('type') != 'graph':
                continue
            root = etree.fromstring(arch['arch'])
            for field in root.iterfind('y/field'):
                if field.get('name') not in names:
                    names.append(field.get('name'))
        return names

    def check(self, model, window):
        "The failure of the window of model, or None"
        session = self.session
        fields = session.model(model, 'fields_get', None)
        numeric = [n for n, f in fields.items()
            if f['type'] in NUMERIC and n != 'id']
        context = self.context_of(window)
        domain = self.domain_of(window, context)
        series = [n for n in self.series(model, window) if n in fields]
        try:
            rows = session.call(f'model.{model}.search_read', [domain, 0,
                    LIMIT, None, sorted(set(numeric + series)) or ['id'],
                    context])
        except RPCError as error:
            return f'{model} ({window["name"]}): {str(error.args[1])[:300]}'
        if not rows:
            return f'{model} ({window["name"]}): no rows'
        figures = series or numeric
        empty = [n for n in figures if not any(r.get(n) for r in rows)]
        if figures and len(empty) == len(figures):
            return (f'{model} ({window["name"]}): {len(rows)} rows, all '
                f'zero in {", ".join(empty)}')
        if series and empty:
            return (f'{model} ({window["name"]}): the chart series '
                f'{", ".join(empty)} are zero in all {len(rows)} rows')
        log(f'{model} ({window["name"]}): {len(rows)} rows')
        return None

    def test_reports(self):
        "Every report window of the demo has rows and figures in its charts"
        windows = self.windows()
        # The analytics and KPI reports must be there to be checked
        self.assertTrue(any(m.startswith('appliance.analytics.')
                for m in windows), windows)
        failures = []
        for model, model_windows in sorted(windows.items()):
            for window in model_windows:
                with self.subTest(model=model, window=window['name']):
                    failure = self.check(model, window)
                    if failure:
                        failures.append(failure)
        self.assertFalse(failures,
            "Reports empty on the demo database:\n" + '\n'.join(failures))


if __name__ == '__main__':
    unittest.main()

"""Every button of the project's screens answers what sao expects.

The demo database of the browser walk (tests/walk_server.py) is served by
trytond and each demo role signs in through JSON-RPC as sao does.  For every
button of the project's models (the ir.model.button records of the models
of addons/), the test takes a role allowed to press it, reads the form (or
list) of the model as that role, finds demo records on which the button is
shown and active (its states evaluated like sao does) and presses it on
them through JSON-RPC.

An answer must be one sao can run: nothing, an action (its id or its
values) or one of sao's client actions; a refusal must be a UserError or
a UserWarning with its message, never a server error.  Pressing
"Create Work Order" twice on a request opens the same order.

    .venv/bin/python -m unittest tests.test_buttons
"""
import base64
import json
import unittest
import urllib.request

from lxml import etree

from trytond.protocols.jsonrpc import JSONDecoder
from trytond.pyson import PYSONDecoder

from .walk_server import ROOT, Server
from .walk_server import Session as WalkSession
from .walk_server import demo_database, log

# The project's modules: every folder of addons/ with a tryton.cfg
MODULES = {p.parent.name for p in (ROOT / 'addons').glob('*/tryton.cfg')}

ROLES = ['agent', 'manager', 'engineer', 'clerk', 'admin']
# What sao does itself when a button answers with a string
CLIENT_ACTIONS = {
    'new', 'delete', 'remove', 'copy', 'next', 'previous', 'close',
    'switch', 'reload', 'reload menu', 'reload context'}
REFUSALS = {'UserError', 'UserWarning'}
# Records tried per button, and pressed per button
CANDIDATES = 200
PRESSES = 2


class Session(WalkSession):
    "A session decoding the values as sao does (dates, decimals...)"

    def call(self, method, params):
        request = urllib.request.Request(self.rpc_url,
            json.dumps({'id': 0, 'method': method, 'params': params}
                ).encode(),
            {'Content-Type': 'application/json'})
        if getattr(self, 'session', None):
            request.add_header('Authorization', 'Session ' + base64.b64encode(
                    self.session.encode()).decode())
        with urllib.request.urlopen(request, timeout=120) as response:
            result = json.loads(response.read(), object_hook=JSONDecoder())
        if result.get('error'):
            raise ButtonError(method, result['error'])
        return result['result']


class ButtonError(Exception):
    "The error answer of the server"

    @property
    def kind(self):
        error = self.args[1]
        return error[0] if isinstance(error, list) and error else None

    @property
    def message(self):
        error = self.args[1]
        if isinstance(error, list) and len(error) > 1:
            detail = error[1]
            if isinstance(detail, list) and detail:
                detail = detail[0]
            return str(detail)[:300]
        return str(error)[:300]


def eval_names(value, names=None):
    "The names of the fields an encoded PYSON reads with Eval"
    names = set() if names is None else names
    if isinstance(value, dict):
        if value.get('__class__') == 'Eval':
            names.add(value['v'].split('.')[0])
        for item in value.values():
            eval_names(item, names)
    elif isinstance(value, list):
        for item in value:
            eval_names(item, names)
    return names


def is_action(answer):
    "Whether sao runs the answer of a button"
    if answer in (None, False):
        return True
    if isinstance(answer, bool):
        return False
    if isinstance(answer, int):
        return True
    if isinstance(answer, str):
        return answer in CLIENT_ACTIONS
    if isinstance(answer, dict):
        return 'type' in answer
    return False


class ButtonTestCase(unittest.TestCase):
    "Every button of the project answers what sao expects"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(demo_database(), name='server-buttons')
        cls.server.start()
        cls.sessions = {role: Session(cls.server.url, role)
            for role in ROLES}

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def buttons(self):
        "The buttons of the project's models: [(model, name, groups)]"
        admin = self.sessions['admin']
        models = {m['name']: m['module'] for m in admin.model(
                'ir.model', 'search_read', [], 0, None, None,
                ['name', 'module'])}
        buttons = admin.model('ir.model.button', 'search_read', [], 0, None,
            [('model', 'ASC'), ('name', 'ASC')], ['model', 'name', 'groups'])
        return [(b['model'], b['name'], set(b['groups'])) for b in buttons
            if models.get(b['model']) in MODULES]

    def role_for(self, groups):
        "The first role allowed to press a button of groups"
        for role in ROLES:
            if not groups or groups & set(
                    self.sessions[role].context.get('groups', [])):
                return role

    def button_states(self, session, model, name):
        "The encoded states of the button in the form or list of the role"
        for view_type in ['form', 'tree']:
            view = session.model(model, 'fields_view_get', None, view_type)
            for element in etree.fromstring(view['arch']).iter('button'):
                if element.get('name') == name:
                    return element.get('states') or '{}'

    def active_records(self, session, model, states):
        "The records on which the button is shown and active for session"
        decoded = json.loads(states)
        names = sorted(eval_names(decoded) - {'context', 'id'})
        records = session.model(model, 'search_read', [], 0, CANDIDATES,
            None, names or ['id'])
        active = []
        for record in records:
            env = dict(record)
            env['context'] = session.context
            env['_user'] = session.context.get('user')
            state = PYSONDecoder(env).decode(states)
            if not state.get('invisible') and not state.get('readonly'):
                active.append(record['id'])
        return active

    def press(self, session, model, name, record):
        "Press the button on record, return the failure or None"
        try:
            answer = session.model(model, name, [record])
        except ButtonError as error:
            if error.kind in REFUSALS:
                return None, f'refused: {error.message}'
            return f'error: {error.message}', None
        except Exception as error:
            return f'{type(error).__name__}: {error}', None
        if not is_action(answer):
            return f'answered {answer!r}, not an action for sao', None
        return None, 'ok'

    def test_buttons(self):
        "Press every button of the project where sao shows it"
        failures, summary = [], []
        for model, name, groups in self.buttons():
            role = self.role_for(groups)
            if not role:
                summary.append(f'{model}.{name}: no demo role may press it')
                continue
            session = self.sessions[role]
            states = self.button_states(session, model, name)
            if states is None:
                summary.append(f'{model}.{name}: in no view of {role}')
                continue
            records = self.active_records(session, model, states)
            outcomes = []
            for record in records[:PRESSES]:
                failure, outcome = self.press(session, model, name, record)
                if failure:
                    failures.append(
                        f'{model}.{name} as {role} on {record}: {failure}')
                else:
                    outcomes.append(outcome)
            summary.append(f'{model}.{name} as {role}: {len(records)} '
                f'active, pressed: {outcomes or "none"}')
        log('buttons:\n  ' + '\n  '.join(summary))
        if failures:
            self.fail('\n'.join(failures))

    def test_create_work_order_twice(self):
        "Create Work Order on a request twice opens the same order"
        session = self.sessions['agent']
        requests = session.model('appliance.service.request', 'search_read',
            [('state', 'in', ['open', 'in_progress']),
                ('kind', 'in', ['repair', 'installation', 'maintenance'])],
            0, None, None, ['work_orders'])
        self.assertTrue(requests, "no open visit request in the demo")
        request = requests[0]['id']
        first = session.model(
            'appliance.service.request', 'create_work_order', [request])
        second = session.model(
            'appliance.service.request', 'create_work_order', [request])
        self.assertTrue(is_action(first) and isinstance(first, dict))
        self.assertEqual(first['res_model'], 'appliance.work_order')
        self.assertEqual(first['res_id'], second['res_id'])
        active = session.model('appliance.work_order', 'search_count', [
                ('request', '=', request),
                ('state', 'not in', ['done', 'cancelled']),
                ])
        self.assertEqual(active, 1)


if __name__ == '__main__':
    unittest.main()

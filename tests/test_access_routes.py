# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
"""Every API route and every portal page, as every kind of caller.

The callers: anonymous, each staff role signed in through staff/login
(admin, customer service, engineer, parts clerk, service manager, HR) and
two customers A and B, each with an appliance, a booked service request
and its visit.  For every route of appliance_portal's route table:

- anonymous: 401 on every route that needs a customer or a staff member;
- a customer token on a staff route, a staff session (or its key as a
  bearer token) on a customer route: 401 or 403;
- customer A with B's ids (in the path, the query or the body): 404, and
  never a byte of B's data (serial number, name, mobile, description);
- each staff role on the staff routes: signed in (never 401), refused with
  403 where its groups give no access, and a list of work orders only when
  docs/access-matrix.csv gives the role read access on work orders;
- nobody ever gets a 5xx, and every error has the JSON error shape.

The portal and engineer pages (static files that work only through the
API) answer 200 to everyone and hold no customer data.  A new route with
no entry here fails the test until it is walked.

The behaviour is asserted, not the implementation: the customer handlers
may run as the portal's technical user under record rules.
"""
import importlib.util
import json
import unittest
from pathlib import Path

from trytond.modules.appliance_portal.api import ROUTES
from trytond.modules.appliance_portal.tests.api_client import ApiMixin
from trytond.modules.appliance_portal.tests.tools import (
    FEATURES, PASSWORD, PortalTestMixin)
from trytond.pool import Pool
from trytond.tests.test_tryton import RouteTestCase

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / 'addons' / 'appliance_portal' / 'static'
STAFF_ROLES = ['admin', 'agent', 'clerk', 'engineer', 'hr', 'manager']
# An id no record has (under the 2**31 the routes accept)
MISSING_ID = 2 ** 31 - 2
# The statuses a refused caller may get
REFUSED = {401, 403}


def load_access_matrix():
    spec = importlib.util.spec_from_file_location(
        'access_matrix', ROOT / 'scripts' / 'access_matrix.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def route_key(entry):
    return (entry.method, entry.path)


class AccessRoutesTestCase(PortalTestMixin, ApiMixin, RouteTestCase):
    "Every route and page as every role and as two customers"
    extras = FEATURES + ['appliance_service_hr']

    @classmethod
    def setUpDatabase(cls):
        super().setUpDatabase()
        pool = Pool()
        User = pool.get('res.user')
        Group = pool.get('res.group')
        ModelData = pool.get('ir.model.data')
        UserRole = pool.get('res.user.role')
        access_matrix = load_access_matrix()
        demo = access_matrix.demo_users()
        company = cls.ids['company']

        def group_ids(role):
            ids = set()
            for module, fs_id in demo.get(role, ('', []))[1]:
                try:
                    ids.add(ModelData.get_id(module, fs_id))
                except KeyError:
                    # A module the portal does not activate
                    pass
            ids |= {g.id for g in Group.search([('name', 'in',
                            access_matrix.DEMO_GROUP_NAMES.get(role, []))])}
            return sorted(ids)

        clerk, hr = User.create([{
                    'login': role,
                    'name': role,
                    'password': PASSWORD,
                    'groups': [('add', group_ids(role))],
                    'companies': [('add', [company])],
                    'company': company,
                    } for role in ['clerk', 'hr']])
        UserRole.create([{'user': hr.id, 'role': ModelData.get_id(
                        'appliance_service_hr', 'role_hr')}])
        admin, = User.search([('login', '=', 'admin')])
        User.write([admin], {
                'password': PASSWORD,
                'companies': [('add', [company])],
                'company': company,
                })
        User.write([clerk, hr, admin], {'password_change_required': False})

    def setUp(self):
        super().setUp()
        self.statuses = {}

    # The callers

    def customer(self):
        """A customer with an appliance and a booked repair: the bearer
        headers and the ids and texts that are theirs"""
        token, body = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'])
        return {
            'headers': {'Authorization': f'Bearer {token}'},
            'token': token,
            'appliance_id': appliance['id'],
            'request_id': request['id'],
            'order_id': request['visits'][0]['id'],
            'private': [appliance['serial_number'], body['name'],
                body['email'], body['mobile'].replace(' ', '')[3:]],
            }

    def staff(self):
        "The session headers of every staff role"
        return {role: self.staff_token(role) for role in STAFF_ROLES}

    # The walk

    def path(self, entry, ids):
        path = entry.path
        for name in ['appliance_id', 'request_id', 'order_id']:
            path = path.replace(f'<int:{name}>', str(ids.get(name,
                        MISSING_ID)))
        return path

    def query(self, entry, ids):
        "A query of the route that names ids"
        return {
            'staff/maintenance-record': '?serial=GR000000',
            'slots': f"?appliance={ids.get('appliance_id', MISSING_ID)}",
            }.get(entry.path, '')

    def request(self, entry, headers, ids, body=None):
        path = self.path(entry, ids) + self.query(entry, ids)
        if body is None and entry.method in {'POST', 'PATCH', 'PUT'}:
            body = {}
        status, payload = self.call(
            entry.method, path, body, headers=dict(headers))
        self.assertLess(status, 500, msg=f'{entry.method} {path}: {payload}')
        if status >= 400:
            self.assertIn('error', payload, msg=f'{entry.method} {path}')
            self.assertTrue(payload['error']['message'])
        return status, payload

    def record(self, caller, entry, status):
        self.statuses.setdefault(caller, {})[route_key(entry)] = status

    def test_every_route_every_caller(self):
        """Anonymous, customers and staff on every route: the right
        refusals, no 5xx"""
        a = self.customer()
        # B exists: nothing of B may show in what the others get
        b = self.customer()
        staff = self.staff()
        routes = [e for e in ROUTES if e.path not in {
                'auth/logout', 'staff/logout'}]
        for entry in routes:
            for caller, headers, ids in [
                    ('anonymous', {}, {}),
                    ('customer', a['headers'], a),
                    ('customer session', {'Authorization': 'Session '
                            + a['token']}, a),
                    *((role, headers, a) for role, headers in staff.items()),
                    ]:
                if entry.auth == 'customer' and caller in STAFF_ROLES:
                    # Nothing of A may be reached with a staff session
                    ids = a
                elif caller in STAFF_ROLES and entry.method != 'GET':
                    # The staff actions on a record no one has
                    ids = {}
                with self.subTest(caller=caller, route=route_key(entry)):
                    status, payload = self.request(entry, headers, ids)
                    self.record(caller, entry, status)
                    self.check(entry, caller, status, payload, a)
                    if caller not in STAFF_ROLES:
                        self.assertNoData(payload, b)
        # Every route was walked by every caller
        for caller, statuses in self.statuses.items():
            self.assertEqual(set(statuses), {route_key(e) for e in routes},
                msg=caller)
        callers = list(self.statuses)
        lines = ['route ' + ' '.join(callers)]
        for entry in routes:
            lines.append(f'{entry.method} {entry.path} ' + ' '.join(
                    str(self.statuses[c][route_key(entry)])
                    for c in callers))
        print('\n' + '\n'.join(lines))

    def check(self, entry, caller, status, payload, a):
        where = f'{caller} {entry.method} {entry.path}: {payload}'
        if entry.auth == 'none':
            return
        if caller == 'anonymous':
            self.assertEqual(status, 401, msg=where)
            self.assertEqual(payload['error']['code'], 'not_authenticated')
        elif caller.startswith('customer'):
            if entry.auth == 'staff' or caller == 'customer session':
                self.assertIn(status, REFUSED, msg=where)
            else:
                self.assertNotIn(status, REFUSED, msg=where)
        elif entry.auth == 'customer':
            # A staff session is no customer
            self.assertIn(status, REFUSED, msg=where)
            self.assertFalse(any(p in json.dumps(payload, ensure_ascii=False)
                    for p in a['private']), msg=where)
        else:
            # Signed in: refused only by the access rights
            self.assertNotEqual(status, 401, msg=where)
            if status == 403:
                self.assertEqual(payload['error']['code'], 'forbidden')

    def test_staff_access_follows_the_matrix(self):
        """A staff role lists the work orders and reads a service request
        exactly when the access matrix gives it read access"""
        access_matrix = load_access_matrix()
        matrix = {(r[0], r[1]): r for r in access_matrix.read_csv()}
        a = self.customer()
        staff = self.staff()
        for role, headers in staff.items():
            for path, model in [
                    ('staff/work-orders', 'appliance.work_order'),
                    (f"staff/service-requests/{a['request_id']}",
                        'appliance.service.request'),
                    ]:
                with self.subTest(role=role, path=path):
                    status, payload = self.call(
                        'GET', path, headers=dict(headers))
                    readable = matrix[(role, model)][2] == '1'
                    if readable:
                        # The record rules may hide the record: 404
                        self.assertIn(status, {200, 404}, msg=payload)
                    else:
                        self.assertEqual(status, 403, msg=payload)
        # The service desk reads the requests of the customers
        self.call('GET', f"staff/service-requests/{a['request_id']}",
            headers=dict(staff['agent']), status=200)

    def test_customer_isolation(self):
        "Customer A with B's ids: 404 and never B's data, on every route"
        a, b = self.customer(), self.customer()
        slot = self.free_slot(a['token'])
        bodies = {
            'service-requests/<int:request_id>/reschedule': {'slot': slot},
            'service-requests/<int:request_id>/rating': {'overall': 1},
            'service-requests/<int:request_id>/satisfaction': {
                'satisfaction': 1},
            'service-requests/<int:request_id>/quote': {
                'decision': 'decline'},
            }
        walked = set()
        for entry in ROUTES:
            if entry.auth != 'customer' or '<int:' not in entry.path:
                continue
            with self.subTest(route=route_key(entry)):
                status, payload = self.request(entry, a['headers'], b,
                    body=bodies.get(entry.path))
                self.assertEqual(status, 404, msg=payload)
                self.assertNoData(payload, b)
                walked.add(entry.path)
        # The ids of B in the query and the body
        for method, path, body in [
                ('GET', f"slots?appliance={b['appliance_id']}", None),
                ('GET', f"service-requests?appliance={b['appliance_id']}",
                    None),
                ('POST', 'service-requests', {'kind': 'repair',
                        'appliance': b['appliance_id'],
                        'description': "mine now", 'slot': slot}),
                ('POST', 'service-requests', {'kind': 'complaint',
                        'work_order': b['order_id'], 'description': "x"}),
                ]:
            with self.subTest(method=method, path=path):
                status, payload = self.call(method, path, body,
                    headers=dict(a['headers']))
                self.assertIn(status, {200, 404}, msg=payload)
                if status == 200:
                    self.assertEqual(payload['total'], 0, msg=payload)
                self.assertNoData(payload, b)
        # A's own lists hold only A's records
        for path, key in [('appliances', 'appliance_id'),
                ('service-requests', 'request_id')]:
            _, page = self.call('GET', path, headers=dict(a['headers']),
                status=200)
            self.assertEqual([i['id'] for i in page['items']], [a[key]])
            self.assertNoData(page, b)
        # Every customer route with an id was walked
        self.assertEqual(walked, {e.path for e in ROUTES
                if e.auth == 'customer' and '<int:' in e.path})
        # B's records are still there, unchanged
        _, request = self.call('GET', f"service-requests/{b['request_id']}",
            headers=dict(b['headers']), status=200)
        self.assertNotIn(request['state'], {'cancelled', 'done'})

    def assertNoData(self, payload, owner):
        text = json.dumps(payload, ensure_ascii=False)
        for private in owner['private']:
            self.assertNotIn(private, text)

    def test_logout_routes(self):
        "Signing out ends only the caller's own kind of session"
        a = self.customer()
        staff = self.staff()
        # A staff session does not sign a customer out, nor the reverse
        self.assertIn(self.call('POST', 'auth/logout',
                headers=dict(staff['agent']))[0], REFUSED)
        self.assertIn(self.call('POST', 'staff/logout',
                headers=dict(a['headers']))[0], REFUSED)
        self.assertEqual(self.call('POST', 'auth/logout')[0], 401)
        self.assertEqual(self.call('POST', 'staff/logout')[0], 401)
        self.call('GET', 'me', headers=dict(a['headers']), status=200)
        self.call('GET', 'staff/me', headers=dict(staff['agent']),
            status=200)
        self.call('POST', 'auth/logout', headers=dict(a['headers']),
            status=204)
        self.call('POST', 'staff/logout', headers=dict(staff['agent']),
            status=204)
        self.assertEqual(self.call('GET', 'me',
                headers=dict(a['headers']))[0], 401)
        self.assertEqual(self.call('GET', 'staff/me',
                headers=dict(staff['agent']))[0], 401)

    def test_staff_key_is_no_customer_token(self):
        "The REST key of a staff member opens no customer route"
        def application_key():
            UserApplication = Pool().get('res.user.application')
            application, = UserApplication.create([{
                        'user': self.ids['agent'], 'application': 'rest',
                        'state': 'validated'}])
            return application.key
        key = self.in_transaction(application_key)
        self.call('GET', 'staff/me', token=key, status=200)
        for entry in ROUTES:
            if entry.auth != 'customer':
                continue
            with self.subTest(route=route_key(entry)):
                status, _ = self.request(
                    entry, {'Authorization': f'Bearer {key}'}, {})
                self.assertIn(status, REFUSED)

    def test_pages(self):
        """Every portal and engineer page answers 200 to every caller and
        holds no customer data"""
        a = self.customer()
        staff = self.staff()
        client = self.client()
        pages = sorted(p.relative_to(STATIC) for p in STATIC.rglob('*')
            if p.is_file())
        self.assertTrue(pages)
        for page in pages:
            app, *rest = page.parts
            paths = [f'{app}/' + '/'.join(rest)]
            if rest == ['index.html']:
                paths.append(f'{app}/')
            for path in paths:
                for caller, headers in [('anonymous', {}),
                        ('customer', a['headers']),
                        *staff.items()]:
                    with self.subTest(path=path, caller=caller):
                        response = client.get(f'/{self.db_name}/{path}',
                            headers=headers)
                        self.assertEqual(response.status_code, 200)
                        text = response.get_data(as_text=True)
                        response.close()
                        for private in a['private']:
                            self.assertNotIn(private, text)
        for path in ['portal/nothing.js', 'engineer/../api.py']:
            self.assertEqual(client.get(
                    f'/{self.db_name}/{path}').status_code, 404)


if __name__ == '__main__':
    unittest.main()

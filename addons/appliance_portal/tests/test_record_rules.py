# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The customer routes under the ORM's own access rules: as the technical
portal user with check_access and customer A in the context, a search or a
read of the models with no filter of the caller's own finds none of
customer B's rows."""
from decimal import Decimal

from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, RouteTestCase
from trytond.transaction import Transaction

from ..account import Signup
from ..api import as_customer, portal_user_id
from .api_client import PASSWORD_CUSTOMER, ApiMixin, unique
from .tools import PortalTestMixin, set_portal_company

# The models whose rows are the customer's and, as root, how a customer's
# rows are found (the party's id fills the domain)
CUSTOMER_ROWS = {
    'party.party': [('id', '=', None)],
    'party.address': [('party', '=', None)],
    'party.contact_mechanism': [('party', '=', None)],
    'web.user': [('party', '=', None)],
    'appliance.appliance': [('customer', '=', None)],
    'appliance.warranty.coverage': [('appliance.customer', '=', None)],
    'appliance.service.request': [('customer', '=', None)],
    'appliance.work_order': [('customer', '=', None)],
    'appliance.work_order.event': [('work_order.customer', '=', None)],
    'appliance.work_order.rating': [('work_order.customer', '=', None)],
    'appliance.work_order.charge': [('work_order.customer', '=', None)],
    }


def rows_of(party_id):
    "The ids of the rows of the customer party_id by model, read as root"
    pool = Pool()
    rows = {}
    for model, domain in CUSTOMER_ROWS.items():
        Model = pool.get(model)
        domain = [(name, operator, party_id) for name, operator, _ in domain]
        rows[model] = sorted(map(int, Model.search(domain)))
    return rows


class PortalRecordRulesTestCase(PortalTestMixin, ApiMixin, RouteTestCase):
    "Test the record rules of the customer routes"

    def customer(self):
        """A customer with a finished, charged and rated visit; return the
        token and the id of its account"""
        token, request, order_id, engineer = self.started_visit()
        self.in_transaction(self.add_charge, order_id)
        self.call('POST', f'staff/work-orders/{order_id}/complete', {
                'fault_type': self.ids['fault_type'], 'labour_hours': 1,
                'parts': [{'code': 'CAP35', 'quantity': 1}],
                }, headers=engineer, status=200)
        self.call('POST', f"service-requests/{request['id']}/rating",
            {'overall': 5}, token=token, status=201)
        _, me = self.call('GET', 'me', token=token, status=200)
        return token, me['id']

    def add_charge(self, order_id):
        pool = Pool()
        Charge = pool.get('appliance.work_order.charge')
        ModelData = pool.get('ir.model.data')
        Charge.create([{
                    'work_order': order_id,
                    'kind': 'part',
                    'product': self.ids['part'],
                    'quantity': 1,
                    'unit': ModelData.get_id('product', 'uom_unit'),
                    'unit_price': Decimal(35),
                    }])

    def test_other_customer_rows_hidden(self):
        "In A's context no search nor read reaches B's rows"
        _, web_user_a = self.customer()
        _, web_user_b = self.customer()

        with Transaction().start(DB_NAME, 0, context={
                    'company': self.ids['company']}):
            pool = Pool()
            WebUser = pool.get('web.user')
            user_a, user_b = WebUser.browse([web_user_a, web_user_b])
            rows_a = rows_of(user_a.party.id)
            rows_b = rows_of(user_b.party.id)
            for model in CUSTOMER_ROWS:
                # Else the test proves nothing
                self.assertTrue(rows_a[model], msg=model)
                self.assertTrue(rows_b[model], msg=model)

            with as_customer(user_a):
                self.assertEqual(Transaction().user, portal_user_id())
                for model, ids_b in rows_b.items():
                    Model = pool.get(model)
                    with self.subTest(model=model):
                        found = list(map(int, Model.search([])))
                        self.assertFalse(set(found) & set(ids_b))
                        self.assertLessEqual(set(rows_a[model]), set(found))
                        self.assertEqual(Model.search(
                                [('id', 'in', ids_b)]), [])
                        self.assertEqual(Model.search(
                                [('id', 'in', ids_b)], count=True), 0)
                        with self.assertRaises(AccessError):
                            Model.read(ids_b, ['id'])
                        for id_ in ids_b:
                            with self.assertRaises(AccessError):
                                Model.read([id_], ['rec_name'])
                        # A's own rows are read
                        self.assertEqual(
                            {r['id'] for r in Model.read(
                                    rows_a[model], ['rec_name'])},
                            set(rows_a[model]))

            with as_customer(user_b):
                # The same in B's context: the cache of the rules keeps the
                # customers apart
                for model, ids_a in rows_a.items():
                    Model = pool.get(model)
                    with self.subTest(model=model, customer='B'):
                        found = set(map(int, Model.search([])))
                        self.assertFalse(found & set(ids_a))
                        self.assertLessEqual(set(rows_b[model]), found)

    def test_other_customer_rows_not_written(self):
        "In A's context B's rows are neither written nor deleted"
        _, web_user_a = self.customer()
        _, web_user_b = self.customer()

        with Transaction().start(DB_NAME, 0, context={
                    'company': self.ids['company']}):
            pool = Pool()
            WebUser = pool.get('web.user')
            Party = pool.get('party.party')
            Request = pool.get('appliance.service.request')
            user_a, user_b = WebUser.browse([web_user_a, web_user_b])
            party_b = user_b.party.id
            requests_b = Request.search([('customer', '=', party_b)])
            with as_customer(user_a):
                with self.assertRaises(AccessError):
                    Party.write([Party(party_b)], {'name': "Taken"})
                with self.assertRaises(AccessError):
                    Request.write([Request(r.id) for r in requests_b],
                        {'description': "Taken"})
                with self.assertRaises(AccessError):
                    WebUser.write([WebUser(user_b.id)],
                        {'email': 'taken@example.com'})
                # A's own party is written
                Party.write([Party(user_a.party.id)], {'name': "Mine"})

    def test_sign_up_needs_portal_company(self):
        "Without portal company the sign-up is refused with the reason"
        self.in_transaction(set_portal_company, None)
        self.addCleanup(
            self.in_transaction, set_portal_company, self.ids['company'])
        n = unique()
        body = {
            'email': f'nocompany{n}@example.com',
            'password': PASSWORD_CUSTOMER,
            'name': f"No Company {n}",
            'mobile': f'+86 136{n:08d}',
            }
        if 'privacy_consent' in Signup.model_fields:
            body['privacy_consent'] = True
        error = self.assertError(
            self.call('POST', 'auth/signup', body), 422, 'validation')
        self.assertIn("no company", error['message'])
        self.assertEqual(self.count('web.user', [
                    ('email', '=', body['email'])]), 0)

    def test_portal_user_cannot_sign_in(self):
        "The technical user is inactive and has no password"
        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            User = pool.get('res.user')
            user = User(portal_user_id())
            self.assertFalse(user.active)
            self.assertIsNone(User.get_login(user.login, {'password': ''}))

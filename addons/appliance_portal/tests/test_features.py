# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The API on a database without the feature modules: the dispatch, repair,
rating and invoice modules are optional."""
from trytond.tests.test_tryton import RouteTestCase

from .api_client import ApiMixin
from .tools import PortalTestMixin


class PortalWithoutFeaturesTestCase(PortalTestMixin, ApiMixin, RouteTestCase):
    "Test the portal API with the service desk alone"
    extras = []
    fault_types = False

    def test_visit(self):
        "The visit has its warranty status and no charges nor rating"
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'])
        visit, = request['visits']
        self.assertEqual(visit['state'], 'scheduled')
        self.assertEqual(visit['warranty_status'], 'covered')
        self.assertTrue(visit['warranty_status_string'])
        self.assertEqual(visit['charges'], [])
        for name in ['charge_amount', 'quote_state', 'quote_amount',
                'payment_state', 'rating', 'arrival_window_start',
                'arrival_window_end']:
            self.assertIsNone(visit[name], msg=name)
        self.assertFalse(visit['can_rate'])
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/quote",
                {'decision': 'accept'}, token=token), 501, 'not_implemented')

    def test_dispatch_names_the_engineer(self):
        "Without automatic dispatch the engineer must be named"
        token, _ = self.signup()
        appliance = self.register(token)
        request = self.book(token, appliance['id'])
        order_id = request['visits'][0]['id']
        agent = self.staff_token('agent')
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/dispatch', {},
                headers=agent), 422, 'validation')
        _, order = self.call('POST', f'staff/work-orders/{order_id}/dispatch',
            {'engineer': self.ids['engineer']}, headers=agent, status=200)
        self.assertEqual(order['state'], 'dispatched')
        # Without route planning the day is in the order of the appointments
        self.assertIsNone(order['planned_sequence'])
        self.assertIsNone(order['planned_arrival'])
        _, page = self.call('GET', 'staff/work-orders?mine=true&order=route',
            headers=self.staff_token('engineer'), status=200)
        self.assertIn(order_id, [o['id'] for o in page['items']])
        starts = [o['appointment_start'] for o in page['items']]
        self.assertEqual(starts, sorted(starts))

    def test_completion_without_repair_record(self):
        "The visit completes without repair record; its fields answer 501"
        _, _, order_id, engineer = self.started_visit()
        _, fault_types = self.call('GET',
            f'staff/fault-types?work_order={order_id}', headers=engineer,
            status=200)
        self.assertEqual(fault_types, [])
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/complete',
                {'labour_hours': 1}, headers=engineer), 501,
            'not_implemented')
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/fault-type',
                {'fault_type': 'X'}, headers=engineer), 501,
            'not_implemented')
        _, order = self.call('POST', f'staff/work-orders/{order_id}/complete',
            {}, headers=engineer, status=200)
        self.assertEqual(order['state'], 'done')
        self.assertIsNone(order['fault_type'])
        self.assertEqual(order['steps'], [])
        self.assertIsNone(order['rating'])

    def test_rating_not_implemented(self):
        "Rating a finished visit answers 501"
        token, request, order_id, engineer = self.started_visit()
        self.call('POST', f'staff/work-orders/{order_id}/complete', {},
            headers=engineer, status=200)
        self.assertError(self.call('POST',
                f"service-requests/{request['id']}/rating", {'overall': 5},
                token=token), 501, 'not_implemented')
        self.assertError(self.call('POST',
                f'staff/work-orders/{order_id}/rating', {'overall': 5},
                headers=engineer), 501, 'not_implemented')

    def test_engineer_pages_without_modules(self):
        "Without the parts module no van, without the HR one no scorecard"
        engineer = self.staff_token('engineer')
        _, stock = self.call('GET', 'staff/van-stock', headers=engineer,
            status=200)
        self.assertEqual(stock, {'van': None, 'items': []})
        error = self.assertError(self.call('GET', 'staff/scorecard',
                headers=engineer), 404, 'not_found')
        self.assertIn('绩效', error['message'])

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""What the API says and does about work orders.

The base answers for the service desk alone; the modules of the features
(dispatch, repair, rating, invoice, parts) extend it with their classes
registered under [register <module>] in tryton.cfg, so the API serves what
the database has activated, with the same document.  The steps themselves
are the methods of appliance.work_order in the module of each feature."""
from trytond.i18n import gettext
from trytond.model import Model
from trytond.modules.appliance_service.exceptions import (
    SlotFullError, WorkOrderStateError)
from trytond.pool import Pool

from .api import MODULE, ApiError, selection_string

# The completion fields of the repair record
COMPLETION_FIELDS = [
    'fault_type', 'steps_done', 'all_steps_done', 'extra_steps', 'parts',
    'labour_hours', 'root_cause', 'notes']


class WorkOrder(Model):
    "Portal work order"
    __name__ = 'appliance.portal.work_order'

    @classmethod
    def conflict_errors(cls):
        "Return the (exception class, error code) answered with 409"
        return [
            (SlotFullError, 'slot_full'),
            (WorkOrderStateError, 'wrong_state'),
            ]

    @classmethod
    def customer_visit(cls, order):
        "Return the Visit the customer sees of order"
        return {
            'id': order.id,
            'number': order.number,
            'kind': order.kind,
            'state': order.state,
            'state_string': order.state_string,
            'appointment_start': order.appointment_start,
            'appointment_end': order.appointment_end,
            'slot': order.slot.id if order.slot else None,
            'engineer': order.engineer_short_name,
            'next_step': order.next_step,
            'done_at': order.done_at,
            'warranty_status': order.warranty_status,
            'warranty_status_string': (
                selection_string(order, 'warranty_status')
                if order.warranty_status else None),
            'charges': [],
            'charge_amount': None,
            'quote_state': None,
            'quote_state_string': None,
            'quote_amount': None,
            'payment_state': None,
            'payment_state_string': None,
            'rating': None,
            'can_rate': False,
            'arrival_window_start': None,
            'arrival_window_end': None,
            }

    @classmethod
    def request_next_step(cls, request, visits):
        """Return what the customer is told comes next on request, in words,
        from its state and the visits' (serialised)"""
        if request.state in {'cancelled', 'closed'}:
            return None
        if any(v['can_rate'] for v in visits):
            return gettext(f'{MODULE}.msg_next_rate')
        for visit in visits[::-1]:
            if visit['state'] not in {'done', 'cancelled'}:
                return visit['next_step']
        if request.state == 'resolved':
            if request.kind in {'consultation', 'complaint'} and (
                    not request.satisfaction):
                return gettext(f'{MODULE}.msg_next_satisfaction')
            return None
        if request.kind in {'consultation', 'complaint'}:
            return gettext(f'{MODULE}.msg_next_reply')
        return None

    @classmethod
    def staff_order(cls, order):
        "Return what the WorkOrder of the staff API adds to the order"
        return {
            'fault_type': None,
            'labour_hours': None,
            'planned_sequence': None,
            'planned_arrival': None,
            'travel_km': None,
            'travel_minutes': None,
            }

    @classmethod
    def route_order(cls):
        """Return the order of the orders of an engineer's day in the order
        of their route: by appointment without planned routes"""
        return [('appointment_start', 'ASC NULLS LAST'), ('id', 'ASC')]

    @classmethod
    def staff_history(cls, order):
        "Return what a MaintenanceEntry adds to the order"
        return {
            'fault_type': None,
            'root_cause': None,
            'labour_hours': None,
            'parts': [],
            }

    @classmethod
    def staff_detail(cls, order):
        "Return what the WorkOrderDetail adds to the order"
        return {
            'steps': [],
            'parts': [],
            'charges': [],
            'charge_amount': None,
            'quote_state': None,
            'rating': None,
            }

    @classmethod
    def rate(cls, order, scores, channel, comment=None):
        "Record the rating of order"
        raise ApiError('not_implemented')

    @classmethod
    def decide_quote(cls, orders, accept):
        "Accept or decline the quotes proposed for orders"
        raise ApiError('not_implemented')

    @classmethod
    def propose_quote(cls, order):
        "Compute the charges of order and propose its quote"
        raise ApiError('not_implemented')

    @classmethod
    def dispatch_automatically(cls, order):
        """Dispatch order without engineer named: to the engineer already
        chosen on the order"""
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        if not order.engineer:
            raise ApiError('validation', f'{MODULE}.msg_engineer_required',
                field='engineer')
        WorkOrder.dispatch([order])

    @classmethod
    def set_fault_type(cls, order, code):
        "Set the actual fault of order by its code"
        raise ApiError('not_implemented')

    @classmethod
    def record_completion(cls, order, values):
        "Record on order the completion values of the staff API"
        if any(values.get(name) for name in COMPLETION_FIELDS):
            raise ApiError('not_implemented')

    @classmethod
    def fault_types(cls, order=None):
        "Return the FaultType replies for the completion of order"
        return []

    @classmethod
    def spare_parts(cls, order=None, code=None, text=None):
        """Return the products that may be used as parts: goods that are no
        appliance, by code or text, at most 50"""
        pool = Pool()
        Product = pool.get('product.product')
        return Product.search(cls.part_domain(order, code, text),
            limit=50, order=[('code', 'ASC'), ('id', 'ASC')])

    @classmethod
    def part_domain(cls, order=None, code=None, text=None):
        domain = [
            ('type', '=', 'goods'),
            ('template.appliance', '!=', True),
            ('code', '!=', None),
            ]
        if code:
            domain.append(('code', '=', code))
        if text:
            domain.append(['OR',
                    ('code', 'ilike', f'%{text}%'),
                    ('name', 'ilike', f'%{text}%'),
                    ])
        return domain

    @classmethod
    def find_part(cls, code, order=None):
        "Return the spare part of code or raise"
        parts = cls.spare_parts(order=None, code=code)
        if not parts:
            raise ApiError('validation', f'{MODULE}.msg_unknown_part',
                field='parts', code=code)
        return parts[0]

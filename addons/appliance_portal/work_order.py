# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""What the API says and does about work orders.

The base answers for the service desk alone; the modules of the features
(dispatch, repair, rating, invoice) extend it with their classes registered
under [register <module>] in tryton.cfg, so the API serves what the database
has activated, with the same document."""
import re

from trytond.model import Model
from trytond.modules.appliance_service.exceptions import (
    SlotFullError, WorkOrderStateError)
from trytond.pool import Pool

from .api import MODULE, ApiError, local_datetime, selection_string

CJK = re.compile('[\u3400-\u9fff]')
# The completion fields of the repair record
COMPLETION_FIELDS = [
    'fault_type', 'steps_done', 'all_steps_done', 'extra_steps', 'parts',
    'labour_hours', 'root_cause', 'notes']


def engineer_first_name(employee):
    "What the customer is told of the engineer: a first name only"
    if not employee:
        return None
    name = (employee.party.name or '').strip()
    if not name:
        return None
    if CJK.match(name):
        # Chinese customers address technicians as "<surname>师傅"
        return name if name.endswith('师傅') else name[0] + '师傅'
    return name.split()[0]


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
            'appointment_start': local_datetime(order.appointment_start),
            'appointment_end': local_datetime(order.appointment_end),
            'slot': order.slot.id if order.slot else None,
            'engineer': engineer_first_name(order.engineer),
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
            }

    @classmethod
    def staff_order(cls, order):
        "Return what the WorkOrder of the staff API adds to the order"
        return {
            'fault_type': None,
            'labour_hours': None,
            }

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
            'rating': None,
            }

    @classmethod
    def rated(cls, order):
        "Whether the customer rated order"
        return False

    @classmethod
    def rate(cls, order, scores, channel, comment=None):
        "Record the rating of order"
        raise ApiError('not_implemented')

    @classmethod
    def decide_quote(cls, orders, accept):
        "Accept or decline the quotes proposed for orders"
        raise ApiError('not_implemented')

    @classmethod
    def dispatch_automatically(cls, order):
        """Dispatch order without engineer named: to the engineer already
        chosen on the order"""
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        if not order.engineer:
            raise ApiError('validation',
                message_id=f'{MODULE}.msg_engineer_required')
        WorkOrder.dispatch([order])

    @classmethod
    def record_completion(cls, order, values):
        "Record on order the completion values of the staff API"
        if any(values.get(name) for name in COMPLETION_FIELDS):
            raise ApiError('not_implemented')

    @classmethod
    def fault_types(cls, order=None):
        "Return the fault types for the completion of order"
        return []

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The charges and quotes of the visits in the API, with
appliance_service_invoice."""
from trytond.modules.appliance_service_invoice.exceptions import (
    ChargeError, QuoteError)
from trytond.pool import Pool, PoolMeta

from .api import MODULE, ApiError, selection_string


def serialize_charge(charge):
    return {
        'description': (charge.description
            or (charge.product.rec_name if charge.product else None)),
        'kind': charge.kind,
        'quantity': charge.quantity,
        'amount': charge.amount,
        }


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.portal.work_order'

    @classmethod
    def conflict_errors(cls):
        return super().conflict_errors() + [
            (QuoteError, 'wrong_state'), (ChargeError, 'wrong_state')]

    @classmethod
    def customer_visit(cls, order):
        result = super().customer_visit(order)
        result.update({
                'charges': [serialize_charge(c) for c in order.charges],
                'charge_amount': order.charge_amount,
                'quote_state': order.quote_state,
                'quote_state_string': selection_string(order, 'quote_state'),
                'quote_amount': order.quote_amount,
                'payment_state': order.payment_state,
                'payment_state_string': selection_string(
                    order, 'payment_state'),
                })
        return result

    @classmethod
    def staff_detail(cls, order):
        result = super().staff_detail(order)
        result.update({
                'charges': [serialize_charge(c) for c in order.charges],
                'charge_amount': order.charge_amount,
                'quote_state': order.quote_state,
                })
        return result

    @classmethod
    def decide_quote(cls, orders, accept):
        WorkOrder = Pool().get('appliance.work_order')
        proposed = [o for o in orders if o.quote_state == 'proposed']
        if not proposed:
            raise ApiError('wrong_state', f'{MODULE}.msg_no_quote')
        WorkOrder.lock(proposed)
        if accept:
            WorkOrder.accept_quote(proposed)
        else:
            WorkOrder.decline_quote(proposed)

    @classmethod
    def propose_quote(cls, order):
        WorkOrder = Pool().get('appliance.work_order')
        if order.quote_state != 'none':
            raise ApiError('wrong_state', f'{MODULE}.msg_quote_exists')
        WorkOrder.compute_charges([order])
        WorkOrder.propose_quote([WorkOrder(order.id)])

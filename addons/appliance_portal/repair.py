# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The completion record of the staff API (fault type and its repair plan,
steps, parts, labour and root cause), with appliance_service_repair."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .api import MODULE, ApiError


def serialize_parts(order):
    return [{
            'product': p.product.rec_name,
            'code': p.product.code,
            'quantity': p.quantity,
            } for p in order.parts]


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.portal.work_order'

    @classmethod
    def staff_order(cls, order):
        result = super().staff_order(order)
        fault_type = order.actual_fault_type or order.fault_type
        result.update({
                'fault_type': fault_type.rec_name if fault_type else None,
                'labour_hours': order.labour_hours,
                })
        return result

    @classmethod
    def staff_history(cls, order):
        result = super().staff_history(order)
        fault_type = order.actual_fault_type
        result.update({
                'fault_type': fault_type.rec_name if fault_type else None,
                'root_cause': order.root_cause,
                'labour_hours': order.labour_hours,
                'parts': serialize_parts(order),
                })
        return result

    @classmethod
    def staff_detail(cls, order):
        result = super().staff_detail(order)
        result.update({
                'steps': [{
                        'id': s.id,
                        'description': s.description,
                        'required': bool(s.required),
                        'done': bool(s.done),
                        } for s in order.steps],
                'parts': serialize_parts(order),
                })
        return result

    @classmethod
    def _fault_type(cls, code):
        FaultType = Pool().get('appliance.fault.type')
        with without_check_access():
            fault_types = FaultType.search([('code', '=', code)], limit=1)
        if not fault_types:
            raise ApiError('validation', f'{MODULE}.msg_unknown_fault_type',
                field='fault_type', code=code)
        return fault_types[0]

    @classmethod
    def set_fault_type(cls, order, code):
        WorkOrder = Pool().get('appliance.work_order')
        WorkOrder.set_actual_fault([order], cls._fault_type(code))

    @classmethod
    def record_completion(cls, order, values):
        "Record the actual fault, labour, root cause, steps and parts"
        WorkOrder = Pool().get('appliance.work_order')
        values = dict(values)
        if values.get('fault_type'):
            values['fault_type'] = cls._fault_type(values['fault_type'])
        values['parts'] = [(cls.find_part(p['code'], order), p['quantity'])
            for p in values.get('parts') or []]
        WorkOrder.record_completion(order, **values)

    @classmethod
    def fault_types(cls, order=None):
        "The fault types of the category of order with their plan's steps"
        FaultType = Pool().get('appliance.fault.type')
        domain = []
        category = order.appliance_category if order else None
        if category:
            domain.append(['OR',
                    ('category', '=', None),
                    ('category', 'parent_of', [category.id], 'parent'),
                    ])
        result = []
        with without_check_access():
            for fault_type in FaultType.search(
                    domain, order=[('code', 'ASC')]):
                plan = fault_type.active_plan(category)
                result.append({
                        'id': fault_type.id,
                        'code': fault_type.code,
                        'name': fault_type.name,
                        'category': (fault_type.category.rec_name
                            if fault_type.category else None),
                        'steps': [s.description
                            for s in (plan.steps if plan else [])],
                        })
        return result

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The completion record of the staff API (fault type, steps, parts, labour
and root cause), with appliance_service_repair."""
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .api import MODULE, ApiError, record_or_404


def serialize_parts(order):
    return [{
            'product': p.product.rec_name,
            'code': p.product.code,
            'quantity': p.quantity,
            } for p in order.parts]


def _find_product(values):
    pool = Pool()
    Product = pool.get('product.product')
    if values.get('product'):
        return record_or_404(Product, values['product'])
    if values.get('code'):
        products = Product.search([('code', '=', values['code'])], limit=1)
        if products:
            return products[0]
        raise ApiError('validation', message_id=f'{MODULE}.msg_unknown_part',
            code=values['code'])
    raise ApiError('malformed',
        message_id=f'{MODULE}.msg_error_field_missing', field='parts.code')


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
    def record_completion(cls, order, values):
        "Record the actual fault, labour, root cause, steps and parts"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        if values.get('fault_type'):
            order.actual_fault_type = cls._fault_type(values['fault_type'])
            order.on_change_actual_fault_type()
        for name, field in [
                ('labour_hours', 'labour_hours'),
                ('root_cause', 'root_cause'),
                ('notes', 'completion_notes')]:
            if name in values:
                value = values[name]
                if name == 'labour_hours' and value is not None:
                    value = float(value)
                setattr(order, field, value)
        order.save()
        cls._record_steps(WorkOrder(order.id), values)
        cls._record_parts(order, values.get('parts') or [])

    @classmethod
    def _fault_type(cls, code):
        pool = Pool()
        FaultType = pool.get('appliance.fault.type')
        fault_types = FaultType.search([('code', '=', code)], limit=1)
        if not fault_types:
            raise ApiError('validation',
                message_id=f'{MODULE}.msg_unknown_fault_type', code=code)
        return fault_types[0]

    @classmethod
    def _record_steps(cls, order, values):
        "Tick the steps done and add the extra steps"
        pool = Pool()
        Step = pool.get('appliance.work_order.step')
        steps = list(order.steps)
        done = set(values.get('steps_done') or [])
        if done - {s.id for s in steps}:
            raise ApiError('validation',
                message_id=f'{MODULE}.msg_unknown_step')
        to_save = []
        for step in steps:
            if values.get('all_steps_done') or step.id in done:
                step.done = True
                to_save.append(step)
        for description in values.get('extra_steps') or []:
            to_save.append(Step(work_order=order, description=description,
                    required=False, done=True))
        Step.save(to_save)

    @classmethod
    def _record_parts(cls, order, parts):
        pool = Pool()
        Part = pool.get('appliance.work_order.part')
        to_save = []
        for values in parts:
            product = _find_product(values)
            to_save.append(Part(work_order=order, product=product,
                    quantity=float(values['quantity']),
                    unit=product.default_uom))
        Part.save(to_save)

    @classmethod
    def fault_types(cls, order=None):
        "The fault types of the category of the appliance of order"
        pool = Pool()
        FaultType = pool.get('appliance.fault.type')
        domain = []
        category = order.appliance_category if order else None
        if category:
            domain.append(['OR',
                    ('category', '=', None),
                    ('category', 'parent_of', [category.id], 'parent'),
                    ])
        with without_check_access():
            return FaultType.search(domain, order=[('code', 'ASC')])

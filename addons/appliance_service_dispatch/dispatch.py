# This file is part of the appliance_service_dispatch module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
"""The wizards of dispatch: one order by hand, many orders automatically,
and the move of visits to another slot."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.appliance_service.common import check_state
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .candidate import candidate_breakdown, unassigned_note
from .exceptions import DispatchError


class DispatchStart(ModelView):
    "Dispatch a work order"
    __name__ = 'appliance.work_order.dispatch.start'

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", readonly=True)
    requirement = fields.Char("Requirement", readonly=True)
    candidates = fields.Many2Many(
        'appliance.work_order.dispatch_candidate', None, None,
        "Candidates", readonly=True,
        help="The engineers of the region, the cheapest eligible first.")
    eligible_engineers = fields.Many2Many(
        'company.employee', None, None, "Eligible Engineers",
        readonly=True)
    engineer = fields.Many2One(
        'company.employee', "Engineer", required=True,
        domain=[('id', 'in', Eval('eligible_engineers', []))],
        help="The best candidate is proposed; "
        "any other eligible engineer may be chosen.")


class Dispatch(Wizard):
    "Dispatch a work order"
    __name__ = 'appliance.work_order.dispatch'
    start_state = 'evaluate'

    evaluate = StateTransition()
    start = StateView(
        'appliance.work_order.dispatch.start',
        'appliance_service_dispatch.dispatch_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Dispatch", 'dispatch', 'tryton-ok', default=True),
            ])
    dispatch = StateTransition()

    def transition_evaluate(self):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        order = self.record
        check_state([order], 'scheduled')
        candidates = WorkOrder.dispatch_evaluate([order])
        WorkOrder.store_dispatch_candidates([order], candidates)
        return 'start'

    def default_start(self, fields):
        order = self.record
        category, brand, level = order.required_skill_level()
        requirement = gettext(
            'appliance_service_dispatch.msg_dispatch_requirement',
            appliance=' / '.join(
                r.rec_name for r in [category, brand] if r) or '-',
            level=level,
            region=order.region.rec_name)
        candidates = list(order.dispatch_candidates)
        eligible = [c for c in candidates if c.eligible]
        eligible.sort(key=lambda c: c.rank)
        return {
            'work_order': order.id,
            'requirement': requirement,
            'candidates': [c.id for c in candidates],
            'eligible_engineers': [c.engineer.id for c in eligible],
            'engineer': eligible[0].engineer.id if eligible else None,
            }

    def transition_dispatch(self):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        order = self.record
        order.engineer = self.start.engineer
        order.save()
        WorkOrder.dispatch([order])
        return 'end'


class AutoDispatchStart(ModelView):
    "Automatic dispatch plan"
    __name__ = 'appliance.work_order.auto_dispatch.start'

    lines = fields.One2Many(
        'appliance.work_order.auto_dispatch.line', None, "Plan",
        readonly=True)
    assigned = fields.Integer("Dispatched", readonly=True)
    unassigned = fields.Integer("Left", readonly=True)
    cost = fields.Float(
        "Total Cost", digits=(16, 1), readonly=True,
        help="The sum of the costs of the visits "
        "and of the orders left.")


class AutoDispatchLine(ModelView):
    "Automatic dispatch plan line"
    __name__ = 'appliance.work_order.auto_dispatch.line'

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", readonly=True)
    appointment_start = fields.DateTime("Appointment", readonly=True)
    engineer = fields.Many2One(
        'company.employee', "Engineer", readonly=True)
    rank = fields.Integer(
        "Rank", readonly=True,
        help="The rank of the engineer among the eligible ones "
        "of the order alone.")
    distance_km = fields.Float(
        "Distance (km)", digits=(16, 1), readonly=True)
    cost = fields.Float("Cost", digits=(16, 2), readonly=True)
    note = fields.Char("Note", readonly=True)


class AutoDispatch(Wizard):
    "Dispatch work orders automatically"
    __name__ = 'appliance.work_order.auto_dispatch'

    start = StateView(
        'appliance.work_order.auto_dispatch.start',
        'appliance_service_dispatch.auto_dispatch_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Dispatch", 'dispatch', 'tryton-ok', default=True,
                states={
                    'readonly': ~Eval('assigned', 0),
                    }),
            ])
    dispatch = StateTransition()

    def default_start(self, fields):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        Candidate = pool.get('appliance.work_order.dispatch_candidate')
        reasons = dict(Candidate.fields_get(['reason'])['reason']['selection'])
        orders = self.records
        plan = WorkOrder.plan_dispatch(orders)
        lines = []
        for order in sorted(orders, key=lambda o: (
                    o.id in plan.assignment,
                    o.appointment_start or dt.datetime.min, o.id)):
            candidates = plan.candidates.get(order.id, [])
            eligible = [c for c in candidates if c.eligible]
            line = {
                'work_order': order.id,
                'appointment_start': order.appointment_start,
                }
            if order.id in plan.assignment:
                engineer_id, cost = plan.assignment[order.id]
                candidate, = [
                    c for c in candidates if c.engineer == engineer_id]
                line.update({
                        'engineer': engineer_id,
                        'rank': eligible.index(candidate) + 1,
                        'distance_km': (round(candidate.distance_km, 1)
                            if candidate.distance_km is not None else None),
                        'cost': round(cost, 2),
                        'note': candidate_breakdown(candidate),
                        })
            else:
                line['note'] = unassigned_note(order, candidates, reasons)
            lines.append(line)
        return {
            'lines': lines,
            'assigned': len(plan.assignment),
            'unassigned': len(plan.unassigned),
            'cost': round(plan.cost, 2),
            }

    def transition_dispatch(self):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        WorkOrder.auto_dispatch(self.records)
        return 'end'


class RescheduleStart(ModelView):
    "Reschedule work orders"
    __name__ = 'appliance.work_order.reschedule.start'

    region = fields.Many2One(
        'appliance.service.region', "Region", readonly=True)
    count = fields.Integer("Orders", readonly=True)
    slot = fields.Many2One(
        'appliance.slot', "New Slot", required=True,
        domain=[
            ('region', '=', Eval('region', -1)),
            ('past', '=', False),
            ('available', '>=', Eval('count', 1)),
            ])
    release_engineer = fields.Boolean(
        "Release Engineer",
        help="Send the dispatched orders whose engineer cannot make the "
        "new slot back for dispatch instead of refusing the change.")


class Reschedule(Wizard):
    "Reschedule work orders"
    __name__ = 'appliance.work_order.reschedule'

    start = StateView(
        'appliance.work_order.reschedule.start',
        'appliance_service_dispatch.reschedule_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Reschedule", 'reschedule', 'tryton-ok', default=True),
            ])
    reschedule = StateTransition()

    def default_start(self, fields):
        orders = self.records
        check_state(orders, 'scheduled', 'dispatched')
        regions = {o.region for o in orders}
        if len(regions) > 1:
            raise DispatchError(gettext(
                    'appliance_service_dispatch.msg_reschedule_regions',
                    regions=', '.join(sorted(r.rec_name for r in regions))))
        region, = regions
        return {
            'region': region.id,
            'count': len(orders),
            }

    def transition_reschedule(self):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        orders = self.records
        slot = self.start.slot
        if any(o.region != slot.region for o in orders):
            raise DispatchError(gettext(
                    'appliance_service_dispatch.msg_reschedule_slot_region',
                    slot=slot.rec_name))
        if self.start.release_engineer:
            kept, to_release = [], []
            for order in orders:
                if order.state != 'dispatched':
                    continue
                try:
                    WorkOrder._check_dispatch(
                        kept + [(order, order.engineer)], slot=slot)
                except DispatchError:
                    to_release.append(order)
                else:
                    kept.append((order, order.engineer))
            if to_release:
                WorkOrder.release(to_release)
                orders = WorkOrder.browse(orders)
        try:
            WorkOrder.reschedule(orders, slot)
        except DispatchError as exception:
            raise DispatchError(gettext(
                    'appliance_service_dispatch.msg_reschedule_release',
                    error=exception.message)) from exception
        return 'end'

# This file is part of the appliance_service_dispatch module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
"""The dispatch of work orders: the solver of solver.py fed with the orders,
the engineers and their visits, the checks of a dispatch by hand and the
candidates kept to explain each choice."""
import datetime as dt
from collections import defaultdict
from itertools import groupby

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.modules.appliance_service.common import require_state
from trytond.modules.appliance_service.local_time import day_bounds, to_local
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .candidate import (
    candidate_breakdown, format_minutes, format_number, unassigned_note)
from .exceptions import DispatchError
from .solver import (
    BatchResult, EngineerInfo, OrderInfo, appointment_window, evaluate,
    evaluate_all, solve_batch)

BUSY_STATES = ['dispatched', 'on_the_way', 'in_progress', 'waiting', 'done']
DISPATCH_RESULTS = [
    (None, ""),
    ('auto', "Dispatched Automatically"),
    ('manual', "Dispatched by Hand"),
    ('left', "Left by Auto Dispatch"),
    ]
# How many orders auto_dispatch dispatches in one call
DISPATCH_GROUP = 100


def _datetime(value):
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    dispatch_candidates = fields.One2Many(
        'appliance.work_order.dispatch_candidate', 'work_order',
        "Dispatch Candidates", readonly=True,
        help="How each engineer of the region was weighed "
        "when the order was last dispatched.")
    dispatch_result = fields.Selection(
        DISPATCH_RESULTS, "Dispatch Result", readonly=True)
    dispatch_note = fields.Function(
        fields.Text(
            "Dispatch Note",
            help="Why the order went to its engineer or was left."),
        'get_dispatch_note')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {('dispatched', 'scheduled')}
        cls._buttons.update({
                'dispatch_wizard': {
                    'invisible': Eval('state') != 'scheduled',
                    'depends': ['state'],
                    },
                'auto_dispatch_wizard': {
                    'invisible': Eval('state') != 'scheduled',
                    'depends': ['state'],
                    },
                'reschedule_wizard': {
                    'invisible': ~Eval('state').in_(
                        ['scheduled', 'dispatched']),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('dispatch_candidates', None)
        default.setdefault('dispatch_result', None)
        return super().copy(orders, default=default)

    def _dispatch_info(self, slot=None):
        """Return the OrderInfo of the order, in slot if given; its date and
        window are those of the company's clocks"""
        category, brand, level = self.required_skill_level()
        categories = set()
        while category:
            categories.add(category.id)
            category = category.parent
        if slot:
            start = dt.datetime.combine(slot.date, slot.start_time)
            end = dt.datetime.combine(slot.date, slot.end_time)
        else:
            start = to_local(
                _datetime(self.appointment_start), self.timezone)
            end = to_local(_datetime(self.appointment_end), self.timezone)
        window_start, window_end = appointment_window(start, end)
        address = self.address
        return OrderInfo(
            id=self.id,
            region=self.region.id if self.region else None,
            date=start.date() if start else None,
            start=window_start,
            end=window_end,
            categories=frozenset(categories),
            brand=brand.id if brand else None,
            level=level,
            latitude=address.latitude if address else None,
            longitude=address.longitude if address else None,
            priority=int(self.priority or 1))

    @classmethod
    def _dispatch_engineers(cls, engineers, dates, exclude=(), timezone=None):
        """Return the EngineerInfo of engineers with their visits on the
        dates of timezone (the company's)"""
        pool = Pool()
        Employee = pool.get('company.employee')
        default_capacity = Employee.default_daily_capacity()
        bookings = cls._dispatch_bookings(
            engineers, dates, exclude, timezone)
        infos = []
        for engineer in engineers:
            infos.append(EngineerInfo(
                    id=engineer.id,
                    regions=frozenset(r.id for r in engineer.service_regions),
                    skills=tuple(
                        (s.category.id if s.category else None,
                            s.brand.id if s.brand else None,
                            int(s.level))
                        for s in engineer.skills),
                    working_days=frozenset(
                        int(d) for d in engineer.working_days or ()),
                    leaves=tuple(
                        (l.start_date, l.end_date) for l in engineer.leaves),
                    capacity=(engineer.daily_capacity
                        if engineer.daily_capacity is not None
                        else default_capacity),
                    latitude=engineer.base_latitude,
                    longitude=engineer.base_longitude,
                    start_date=engineer.start_date,
                    end_date=engineer.end_date,
                    bookings=bookings.get(engineer.id, {})))
        return infos

    @classmethod
    def _dispatch_bookings(cls, engineers, dates, exclude=(), timezone=None):
        """Return {engineer id: {date: [(start, end)]}} of the visits
        already dispatched to engineers on dates, but the orders exclude.

        The dates and windows are those of timezone (the company's)."""
        dates = {d for d in dates if d}
        result = defaultdict(lambda: defaultdict(list))
        if not dates or not engineers:
            return result
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        exclude = set(exclude)
        begin, _ = day_bounds(min(dates), timezone)
        _, finish = day_bounds(max(dates), timezone)
        for sub_ids in grouped_slice(
                [e.id for e in engineers], backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(
                    table.id, table.engineer,
                    table.appointment_start, table.appointment_end,
                    where=fields.SQL_OPERATORS['in'](
                        table.engineer, list(sub_ids))
                    & table.state.in_(BUSY_STATES)
                    & (table.appointment_start >= begin)
                    & (table.appointment_start < finish)))
            for order_id, engineer, start, end in cursor:
                if order_id in exclude:
                    continue
                start = to_local(_datetime(start), timezone)
                end = to_local(_datetime(end), timezone)
                if start.date() in dates:
                    result[engineer][start.date()].append(
                        appointment_window(start, end))
        return result

    @classmethod
    def dispatch_weights(cls, company):
        "Return the solver Weights of company"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        return Configuration(1).dispatch_weights(company)

    @classmethod
    def _service_engineers(cls, company):
        pool = Pool()
        Employee = pool.get('company.employee')
        return Employee.search([
                ('company', '=', company.id),
                ('service_engineer', '=', True),
                ], order=[('id', 'ASC')])

    @classmethod
    def dispatch_evaluate(cls, orders):
        "Return {order id: ranked Candidates} for the engineers of the region"
        result = {}
        for company, company_orders in groupby(
                sorted(orders, key=lambda o: o.company.id),
                key=lambda o: o.company):
            company_orders = list(company_orders)
            infos = [o._dispatch_info() for o in company_orders]
            engineers = cls._dispatch_engineers(
                cls._service_engineers(company),
                {i.date for i in infos},
                exclude={o.id for o in company_orders},
                timezone=company_orders[0].timezone)
            result.update(evaluate_all(
                    infos, engineers, cls.dispatch_weights(company)))
        return result

    @classmethod
    @require_state('scheduled')
    def plan_dispatch(cls, orders):
        "Return the BatchResult of the best dispatch of orders at once"
        result = BatchResult(assignment={}, unassigned={}, candidates={})
        for company, company_orders in groupby(
                sorted(orders, key=lambda o: o.company.id),
                key=lambda o: o.company):
            company_orders = list(company_orders)
            infos = [o._dispatch_info() for o in company_orders]
            engineers = cls._dispatch_engineers(
                cls._service_engineers(company),
                {i.date for i in infos},
                exclude={o.id for o in company_orders},
                timezone=company_orders[0].timezone)
            company_result = solve_batch(
                infos, engineers, cls.dispatch_weights(company))
            result.assignment.update(company_result.assignment)
            result.unassigned.update(company_result.unassigned)
            result.candidates.update(company_result.candidates)
            result.cost += company_result.cost
            result.dates += company_result.dates
        return result

    @classmethod
    @require_state('scheduled')
    def auto_dispatch(cls, orders):
        """Dispatch orders at once to the engineers of least total cost.

        The orders no engineer can take stay scheduled: their dispatch note
        says why.  Return the BatchResult."""
        plan = cls.plan_dispatch(orders)
        cls.store_dispatch_candidates(orders, plan.candidates, {
                o: e for o, (e, _) in plan.assignment.items()})
        by_engineer = defaultdict(list)
        left = []
        for order in orders:
            if order.id in plan.assignment:
                engineer_id, _ = plan.assignment[order.id]
                by_engineer[engineer_id].append(order)
            else:
                left.append(order)
        to_write = []
        for engineer_id, engineer_orders in by_engineer.items():
            to_write.extend([engineer_orders, {'engineer': engineer_id}])
        if left:
            to_write.extend([left, {'dispatch_result': 'left'}])
        if to_write:
            # dispatch checks the engineers right after
            with Transaction().set_context(
                    _appliance_dispatch_checked=True):
                cls.write(*to_write)
        # Dispatch by groups of whole engineers: the records of a call are
        # read together, which costs more than linearly
        group = []
        with Transaction().set_context(_appliance_auto_dispatch=True):
            for engineer_orders in by_engineer.values():
                group.extend(engineer_orders)
                if len(group) >= DISPATCH_GROUP:
                    cls.dispatch(cls.browse(group))
                    group = []
            if group:
                cls.dispatch(cls.browse(group))
        return plan

    @classmethod
    def get_dispatch_note(cls, orders, name):
        "Explain the dispatch of the orders from their candidates"
        pool = Pool()
        DispatchCandidate = pool.get(
            'appliance.work_order.dispatch_candidate')
        reasons = dict(DispatchCandidate.fields_get(
                ['reason'])['reason']['selection'])
        candidates = defaultdict(list)
        for sub_orders in grouped_slice(orders, backend.MAX_QUERY_PARAMS):
            for candidate in DispatchCandidate.search([
                        ('work_order', 'in', [o.id for o in sub_orders]),
                        ]):
                candidates[candidate.work_order.id].append(candidate)
        notes = {}
        for order in orders:
            rows = candidates[order.id]
            selected = [c for c in rows if c.selected]
            note = None
            if order.dispatch_result in {'auto', 'manual'} and selected:
                candidate, = selected
                note = gettext(
                    'appliance_service_dispatch.msg_dispatch_note_'
                    + order.dispatch_result,
                    engineer=candidate.engineer.rec_name,
                    cost=format_number(candidate.cost),
                    breakdown=candidate_breakdown(candidate),
                    rank=candidate.rank,
                    eligible=len([c for c in rows if c.eligible]))
            elif order.dispatch_result == 'left':
                note = unassigned_note(order, rows, reasons)
            notes[order.id] = note
        return notes

    @classmethod
    def store_dispatch_candidates(cls, orders, candidates, selected=None):
        """Replace the dispatch candidates of orders by candidates
        {order id: [Candidate]}; selected is {order id: engineer id}"""
        pool = Pool()
        DispatchCandidate = pool.get(
            'appliance.work_order.dispatch_candidate')
        selected = selected or {}
        rows = []
        for order in orders:
            rank = 0
            for candidate in candidates.get(order.id, []):
                if candidate.eligible:
                    rank += 1
                rows.append(DispatchCandidate.values_from(
                        candidate,
                        rank=rank if candidate.eligible else None,
                        selected=selected.get(order.id) == candidate.engineer
                        ))
        DispatchCandidate.replace([o.id for o in orders], rows)

    @classmethod
    def _check_dispatch(cls, pairs, slot=None):
        """Raise DispatchError unless each engineer may take its order.

        pairs are (order, engineer) taken in turn: each order counts in the
        day and window of the engineer for the orders after it.  With slot,
        the orders are checked as if they were in slot."""
        by_company = defaultdict(list)
        for order, engineer in pairs:
            if engineer:
                by_company[order.company].append((order, engineer))
        for company, company_pairs in by_company.items():
            cls._check_company_dispatch(company, company_pairs, slot=slot)

    @classmethod
    def _check_company_dispatch(cls, company, pairs, slot=None):
        "Check the pairs of the orders of company, see _check_dispatch"
        infos = {o: o._dispatch_info(slot=slot) for o, _ in pairs}
        engineers = {i.id: i for i in cls._dispatch_engineers(
                list({e for _, e in pairs}), {i.date for i in infos.values()},
                exclude={o.id for o, _ in pairs},
                timezone=pairs[0][0].timezone)}
        weights = cls.dispatch_weights(company)
        for order, engineer in pairs:
            info = infos[order]
            engineer_info = engineers[engineer.id]
            candidate = evaluate(info, engineer_info, weights)
            if not candidate.eligible:
                raise DispatchError(
                    order._dispatch_error(engineer, info, candidate))
            if info.date:
                engineer_info.bookings.setdefault(info.date, []).append(
                    info.window)

    def _dispatch_error(self, engineer, info, candidate):
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        variables = {
            'engineer': engineer.rec_name,
            'order': self.rec_name,
            }
        if info.date:
            variables['date'] = lang.strftime(info.date)
        if candidate.reason == 'region':
            variables['region'] = self.region.rec_name
        elif candidate.reason == 'skill':
            category, brand, _ = self.required_skill_level()
            variables.update({
                    'appliance': ' / '.join(
                        r.rec_name for r in [category, brand] if r) or '-',
                    'level': candidate.skill_level,
                    'required': candidate.required_level,
                    })
        elif candidate.reason == 'capacity':
            variables.update({
                    'load': candidate.day_load,
                    'capacity': candidate.capacity,
                    })
        elif candidate.reason == 'window':
            variables.update({
                    'load': candidate.window_load,
                    'start': format_minutes(info.start),
                    'end': format_minutes(info.end),
                    })
        return gettext(
            'appliance_service_dispatch.msg_dispatch_' + candidate.reason,
            **variables)

    @classmethod
    def validate_fields(cls, orders, field_names):
        super().validate_fields(orders, field_names)
        if ('engineer' in field_names and not Transaction().context.get(
                    '_appliance_dispatch_checked')):
            # Refuse the engineer as soon as the dispatcher saves the choice
            cls._check_dispatch([(o, o.engineer) for o in orders
                    if o.state == 'scheduled'])

    def check_engineer(self, engineer):
        super().check_engineer(engineer)
        if not Transaction().context.get('_appliance_dispatch_checked'):
            self._check_dispatch([(self, engineer)])

    @classmethod
    @ModelView.button
    @require_state('scheduled')
    def dispatch(cls, orders):
        # Check all the orders together so that the orders given to the same
        # engineer add up in the day and the window
        cls._check_dispatch([(o, o.engineer) for o in orders])
        cls._mark_selected_candidates(orders)
        result = ('auto' if Transaction().context.get(
                '_appliance_auto_dispatch') else 'manual')
        cls.write(orders, {'dispatch_result': result})
        with Transaction().set_context(_appliance_dispatch_checked=True):
            super().dispatch(orders)

    @classmethod
    def _mark_selected_candidates(cls, orders):
        "Mark the candidate of the engineer of each order as selected"
        pool = Pool()
        DispatchCandidate = pool.get(
            'appliance.work_order.dispatch_candidate')
        by_engineer = defaultdict(list)
        for order in orders:
            by_engineer[order.engineer.id if order.engineer else None].append(
                order.id)
        DispatchCandidate.set_selected(
            [o.id for o in orders],
            {e: ids for e, ids in by_engineer.items() if e})

    @classmethod
    def reschedule(cls, orders, slot):
        super().reschedule(orders, slot)
        cls._check_dispatch([(o, o.engineer) for o in orders
                if o.state == 'dispatched'])

    @classmethod
    @require_state('dispatched')
    @Workflow.transition('scheduled')
    def release(cls, orders):
        "Take the engineer off dispatched orders to dispatch them again"
        cls.write(orders, {
                'engineer': None,
                'assigned_at': None,
                'dispatch_result': None,
                })
        cls._mark_selected_candidates(orders)
        cls.log_event(orders, 'appliance_service_dispatch.msg_event_released',
            state='scheduled')

    @classmethod
    @ModelView.button_action(
        'appliance_service_dispatch.wizard_work_order_dispatch')
    def dispatch_wizard(cls, orders):
        pass

    @classmethod
    @ModelView.button_action(
        'appliance_service_dispatch.wizard_work_order_auto_dispatch')
    def auto_dispatch_wizard(cls, orders):
        pass

    @classmethod
    @ModelView.button_action(
        'appliance_service_dispatch.wizard_work_order_reschedule')
    def reschedule_wizard(cls, orders):
        pass

# This file is part of the appliance_service_dispatch module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
"""How each engineer was weighed for a work order, and the explanation of
the costs and of the orders left."""
from collections import defaultdict

from sql import Column, Literal
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .solver import REASONS, OrderInfo, unassigned_cost


def format_number(value, digits=1):
    pool = Pool()
    Lang = pool.get('ir.lang')
    return Lang.get().format_number(value, digits)


def unassigned_note(order, candidates, labels):
    "Why no engineer was given to order; labels are the reasons translated"
    if not candidates:
        return gettext(
            'appliance_service_dispatch.msg_dispatch_note_no_region',
            region=order.region.rec_name)
    eligible = [c for c in candidates if c.eligible]
    if not eligible:
        counts = defaultdict(int)
        for candidate in candidates:
            counts[candidate.reason] += 1
        keys = [r for r, _ in REASONS]
        return gettext(
            'appliance_service_dispatch.msg_dispatch_note_no_engineer',
            reasons=', '.join(f'{labels[r]} ({counts[r]})'
                for r in sorted(counts, key=keys.index)))
    return gettext('appliance_service_dispatch.msg_dispatch_note_fully_booked',
        eligible=len(eligible),
        cost=format_number(unassigned_cost(
                    OrderInfo(id=order.id, region=None,
                        priority=int(order.priority or 1)),
                    order.dispatch_weights(order.company))))


def format_minutes(value):
    return '%02d:%02d' % divmod(value, 60)


def candidate_breakdown(candidate):
    "The translated breakdown of the cost of candidate"
    if candidate.distance_km is None:
        distance = gettext(
            'appliance_service_dispatch.msg_dispatch_no_location')
    else:
        distance = gettext('appliance_service_dispatch.msg_dispatch_distance',
            distance=format_number(candidate.distance_km))
    return gettext('appliance_service_dispatch.msg_dispatch_breakdown',
        distance=distance,
        distance_cost=format_number(candidate.distance_cost),
        level=candidate.skill_level,
        required=candidate.required_level,
        skill_cost=format_number(candidate.skill_cost),
        load=candidate.day_load,
        capacity=candidate.capacity,
        workload_cost=format_number(candidate.workload_cost),
        window_load=candidate.window_load,
        window_capacity=candidate.window_capacity,
        window_cost=format_number(candidate.window_cost))


class DispatchCandidate(ModelSQL, ModelView):
    "Dispatch candidate"
    __name__ = 'appliance.work_order.dispatch_candidate'

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", required=True, readonly=True,
        ondelete='CASCADE')
    engineer = fields.Many2One(
        'company.employee', "Engineer", required=True, readonly=True,
        ondelete='CASCADE')
    rank = fields.Integer(
        "Rank", readonly=True,
        help="1 for the cheapest eligible engineer; "
        "empty for the ineligible ones.")
    eligible = fields.Boolean("Eligible", readonly=True)
    reason = fields.Selection(
        REASONS, "Reason", readonly=True, sort=False,
        help="The hard constraint the engineer fails, if any.")
    reason_string = reason.translated('reason')
    required_level = fields.Integer("Required Level", readonly=True)
    skill_level = fields.Integer("Skill Level", readonly=True)
    distance_km = fields.Float(
        "Distance (km)", digits=(16, 1), readonly=True,
        help="Straight-line distance from the engineer's home base "
        "to the address; empty when a location is missing.")
    day_load = fields.Integer(
        "Visits That Day", readonly=True,
        help="The visits already dispatched to the engineer "
        "on the appointment date.")
    daily_capacity = fields.Integer("Daily Capacity", readonly=True)
    window_load = fields.Integer(
        "Visits in Window", readonly=True,
        help="The visits already dispatched to the engineer "
        "in the appointment window.")
    window_capacity = fields.Integer(
        "Window Capacity", readonly=True,
        help="How many visits fit in the window at the engineer's "
        "daily pace.")
    distance_cost = fields.Float(
        "Distance Cost", digits=(16, 2), readonly=True)
    skill_cost = fields.Float(
        "Skill Cost", digits=(16, 2), readonly=True,
        help="Charged for each level above the requirement "
        "to keep the best engineers for the hard jobs.")
    workload_cost = fields.Float(
        "Workload Cost", digits=(16, 2), readonly=True)
    window_cost = fields.Float("Window Cost", digits=(16, 2), readonly=True)
    cost = fields.Float(
        "Cost", digits=(16, 2), readonly=True,
        help="The sum of the costs; the lowest wins.")
    selected = fields.Boolean(
        "Selected", readonly=True,
        help="The order was dispatched to this engineer.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.work_order, Index.Equality())))
        cls._order = [
            ('work_order', 'ASC'), ('eligible', 'DESC'), ('cost', 'ASC'),
            ('id', 'ASC')]

    @property
    def capacity(self):
        "The daily capacity, named as in the Candidate of the solver"
        return self.daily_capacity

    @classmethod
    def set_selected(cls, order_ids, engineers):
        """Select the candidates of engineers {engineer id: order ids}
        among those of order_ids, and only them"""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        ModelAccess.check(cls.__name__, 'write')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        in_ = fields.SQL_OPERATORS['in']
        for sub_ids in grouped_slice(order_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.update(
                    [table.selected], [False],
                    where=in_(table.work_order, list(sub_ids))
                    & (table.selected == Literal(True))))
        for engineer_id, ids in engineers.items():
            for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
                cursor.execute(*table.update(
                        [table.selected], [True],
                        where=in_(table.work_order, list(sub_ids))
                        & (table.engineer == engineer_id)))
        cls._clear_caches()

    @classmethod
    def _clear_caches(cls):
        "Like create and write, make the records read before reload"
        transaction = Transaction()
        transaction.counter += 1
        for cache in transaction.cache.values():
            for model in [cls.__name__, 'appliance.work_order']:
                if model in cache:
                    cache[model].clear()

    @classmethod
    def replace(cls, order_ids, rows):
        """Replace the candidates of the orders by rows (values_from).

        A batch dispatch writes tens of thousands of these derived rows:
        they go in with one INSERT per chunk, after the access checks of
        delete and create, instead of create which costs a millisecond a
        row."""
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        ModelAccess.check(cls.__name__, 'delete')
        ModelAccess.check(cls.__name__, 'create')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        for sub_ids in grouped_slice(order_ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.delete(
                    where=fields.SQL_OPERATORS['in'](
                        table.work_order, list(sub_ids))))
        if rows:
            names = sorted(rows[0])
            columns = [table.create_uid, table.create_date] + [
                Column(table, n) for n in names]
            size = max(1, backend.MAX_QUERY_PARAMS // len(columns))
            for sub_rows in grouped_slice(rows, size):
                cursor.execute(*table.insert(columns, [
                            [transaction.user, CurrentTimestamp()]
                            + [r[n] for n in names] for r in sub_rows]))
        cls._clear_caches()

    @classmethod
    def values_from(cls, candidate, **values):
        return {
            'work_order': candidate.order,
            'engineer': candidate.engineer,
            'eligible': candidate.eligible,
            'reason': candidate.reason,
            'required_level': candidate.required_level,
            'skill_level': candidate.skill_level,
            'distance_km': (round(candidate.distance_km, 1)
                if candidate.distance_km is not None else None),
            'day_load': candidate.day_load,
            'daily_capacity': candidate.capacity,
            'window_load': candidate.window_load,
            'window_capacity': candidate.window_capacity,
            'distance_cost': round(candidate.distance_cost, 2),
            'skill_cost': round(candidate.skill_cost, 2),
            'workload_cost': round(candidate.workload_cost, 2),
            'window_cost': round(candidate.window_cost, 2),
            'cost': round(candidate.cost, 2),
            **values,
            }

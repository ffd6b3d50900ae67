# This file is part of the appliance_service_sla module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The SLA clocks of work orders: deadlines of the matching policy, the
pause while waiting, the status and the alerts."""
from sql import Literal, Null, operators
from sql.conditionals import Case, Coalesce

from trytond.model import Index, fields
from trytond.modules.appliance_service.local_time import local_date
from trytond.modules.appliance_service.notification import (
    notify_users, users_in_group, users_of_employees)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction

from .calendar import WorkingTime

SLA_STATUSES = [
    (None, ""),
    ('on_track', "On Track"),
    ('at_risk', "At Risk"),
    ('breached', "Breached"),
    ('met', "Met"),
    ]
SLA_ALERTS = [
    (None, ""),
    ('at_risk', "At Risk"),
    ('breached', "Breached"),
    ]
# Changing these fields of an open order puts it under another policy
POLICY_FIELDS = {'company', 'kind', 'priority', 'region', 'appliance'}


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    sla_policy = fields.Many2One(
        'appliance.sla.policy', "SLA Policy", readonly=True,
        ondelete='RESTRICT')
    sla_start = fields.DateTime(
        "SLA Start", readonly=True,
        help="When the clocks started: the receipt of the request "
        "or the creation of the order.")
    response_deadline = fields.DateTime(
        "Response Deadline", readonly=True,
        help="When an engineer must be assigned at the latest.")
    response_risk_at = fields.DateTime("Response at Risk From", readonly=True)
    resolution_deadline = fields.DateTime(
        "Resolution Deadline", readonly=True,
        help="When the work must be done at the latest; moved by the time "
        "spent waiting for parts or the customer.")
    resolution_risk_at = fields.DateTime(
        "Resolution at Risk From", readonly=True)
    paused_at = fields.DateTime(
        "Clock Paused Since", readonly=True,
        states={
            'invisible': Eval('state') != 'waiting',
            })
    paused_hours = fields.Float(
        "Paused Hours", digits=(16, 2), readonly=True,
        help="The working hours spent waiting, added to the resolution "
        "deadline.")
    sla_status = fields.Function(fields.Selection(
            SLA_STATUSES, "SLA Status"),
        'get_sla_status', searcher='search_sla_status')
    expected_completion = fields.Function(fields.DateTime(
            "Expected Completion",
            help="The end of the visit while it is ahead, otherwise the "
            "resolution deadline (moved by the time spent waiting)."),
        'get_expected_completion')
    sla_alert = fields.Selection(
        SLA_ALERTS, "SLA Alert", readonly=True,
        help="The last alert sent about the deadlines.")
    sla_alerted_at = fields.DateTime("SLA Alerted At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.resolution_deadline, Index.Range()),
                where=t.state.in_(['draft', 'scheduled', 'dispatched',
                        'on_the_way', 'in_progress', 'waiting'])))

    @classmethod
    def default_paused_hours(cls):
        return 0.

    @classmethod
    def view_attributes(cls):
        visual = If(Eval('sla_status') == 'breached', 'danger',
            If(Eval('sla_status') == 'at_risk', 'warning', ''))
        return super().view_attributes() + [
            ('/tree/field[@name="sla_status"]', 'visual', visual),
            ('/tree/field[@name="expected_completion"]', 'visual', visual),
            ]

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name in ['sla_policy', 'sla_start', 'response_deadline',
                'response_risk_at', 'resolution_deadline',
                'resolution_risk_at', 'paused_at', 'sla_alert',
                'sla_alerted_at']:
            default.setdefault(name, None)
        default.setdefault('paused_hours', 0.)
        return super().copy(orders, default=default)

    @classmethod
    def _sla_now(cls):
        return cls._now().replace(microsecond=0)

    def sla_warranty_status(self):
        """The warranty status of the appliance when the clocks started:
        at the receipt of the request, else now; None without appliance"""
        if not self.appliance:
            return None
        start = self.sla_start
        if self.request and self.request.received_at:
            start = self.request.received_at
        return self.appliance.warranty_status_on(
            local_date(start or self._now(), self.timezone))

    def get_sla_policy(self, cache=None):
        pool = Pool()
        Policy = pool.get('appliance.sla.policy')
        key = ('policy', self.company, self.kind, self.priority, self.region,
            self.sla_warranty_status())
        if cache is None or key not in cache:
            policy = Policy.find(*key[1:])
            if cache is None:
                return policy
            cache[key] = policy
        return cache[key]

    def sla_working_time(self, cache=None):
        pool = Pool()
        Calendar = pool.get('appliance.sla.calendar')
        timezone = self.timezone
        key = ('working_time', self.sla_policy, timezone)
        if cache is not None and key in cache:
            return cache[key]
        if self.sla_policy:
            working_time = self.sla_policy.working_time(timezone)
        else:
            calendar = Calendar.get_default()
            if calendar:
                working_time = calendar.working_time(timezone)
            else:
                working_time = WorkingTime(timezone=timezone)
        if cache is not None:
            cache[key] = working_time
        return working_time

    def _sla_values(self, cache=None):
        "Return the values of the SLA fields from the matching policy"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        start = self.sla_start
        if not start:
            if self.request and self.request.received_at:
                start = self.request.received_at
            else:
                start = self._sla_now()
        self.sla_start = start
        policy = self.sla_policy = self.get_sla_policy(cache)
        values = {
            'sla_start': start,
            'sla_policy': policy.id if policy else None,
            'response_deadline': None,
            'response_risk_at': None,
            'resolution_deadline': None,
            'resolution_risk_at': None,
            }
        if not policy:
            return values
        if cache is not None and 'risk_share' in cache:
            share = cache['risk_share']
        else:
            share = Configuration(1).sla_risk_share or 0
            if cache is not None:
                cache['risk_share'] = share
        working_time = self.sla_working_time(cache)
        paused = self.paused_hours or 0
        response = policy.response_hours
        values['response_deadline'] = working_time.add(start, response)
        values['response_risk_at'] = working_time.add(
            start, response * (1 - share))
        resolution = policy.resolution_hours
        if resolution:
            values['resolution_deadline'] = working_time.add(
                start, resolution + paused)
            values['resolution_risk_at'] = working_time.add(
                start, resolution * (1 - share) + paused)
        return values

    @classmethod
    def set_sla(cls, orders):
        "Put orders under their SLA policy and compute their deadlines"
        to_write, cache = [], {}
        for order in orders:
            values = order._sla_values(cache)
            to_write.extend(([order], values))
        if to_write:
            cls.write(*to_write)

    @classmethod
    def on_modification(cls, mode, orders, field_names=None):
        super().on_modification(mode, orders, field_names=field_names)
        if mode == 'create' or (
                mode == 'write' and set(field_names or ()) & POLICY_FIELDS):
            cls.set_sla([
                    o for o in orders if o.state not in {'done', 'cancelled'}])

    @classmethod
    def wait_parts(cls, orders):
        super().wait_parts(orders)
        cls._pause_sla(orders)

    @classmethod
    def wait_customer(cls, orders):
        super().wait_customer(orders)
        cls._pause_sla(orders)

    @classmethod
    def resume(cls, orders):
        super().resume(orders)
        cls._resume_sla(orders)

    @classmethod
    def _pause_sla(cls, orders):
        cls.write(orders, {'paused_at': cls._sla_now()})

    @classmethod
    def _resume_sla(cls, orders):
        "Push the resolution deadline by the working hours spent waiting"
        now = cls._sla_now()
        to_write, pushed = [], []
        for order in orders:
            if not order.paused_at:
                continue
            working_time = order.sla_working_time()
            hours = working_time.between(order.paused_at, now)
            values = {
                'paused_at': None,
                'paused_hours': round((order.paused_hours or 0) + hours, 2),
                }
            if order.resolution_deadline and hours:
                values['resolution_deadline'] = working_time.add(
                    order.resolution_deadline, hours)
                values['resolution_risk_at'] = working_time.add(
                    order.resolution_risk_at, hours)
                pushed.append((order, working_time, hours))
            to_write.extend(([order], values))
        if to_write:
            cls.write(*to_write)
        for order, working_time, hours in pushed:
            cls.log_event(
                [order], 'appliance_service_sla.msg_event_sla_pushed',
                public=False,
                deadline=working_time.local_string(order.resolution_deadline),
                hours=f'{hours:.2f}')

    @classmethod
    def _sla_status_column(cls, table, now):
        "Return the SQL expression of the SLA status at now"
        waiting = table.state == 'waiting'
        done = table.state == 'done'
        # The resolution clock stops while waiting and when done
        resolution_now = Case(
            (waiting, Coalesce(table.paused_at, now)),
            (done, Coalesce(table.done_at, now)),
            else_=now)
        # The response clock stops when an engineer is assigned
        response_now = Coalesce(table.assigned_at, now)
        breached = (
            ((table.resolution_deadline != Null)
                & (resolution_now > table.resolution_deadline))
            | ((table.response_deadline != Null)
                & (response_now > table.response_deadline)))
        at_risk = (
            ((table.resolution_risk_at != Null)
                & (resolution_now >= table.resolution_risk_at))
            | ((table.assigned_at == Null)
                & (table.response_risk_at != Null)
                & (now >= table.response_risk_at)))
        no_sla = (
            (table.response_deadline == Null)
            & (table.resolution_deadline == Null))
        return Case(
            ((table.state == 'cancelled') | no_sla, Null),
            (breached, 'breached'),
            (done, 'met'),
            (at_risk, 'at_risk'),
            else_='on_track')

    @classmethod
    def get_sla_status(cls, orders, name):
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        column = cls._sla_status_column(table, cls._sla_now())
        result = {o.id: None for o in orders}
        for sub_ids in grouped_slice([o.id for o in orders]):
            cursor.execute(*table.select(table.id, column,
                    where=reduce_ids(table.id, sub_ids)))
            result.update(cursor)
        return result

    @classmethod
    def search_sla_status(cls, name, clause):
        _, operator, value = clause[:3]
        table = cls.__table__()
        column = cls._sla_status_column(table, cls._sla_now())
        Operator = fields.SQL_OPERATORS[operator]
        where = Operator(column, value)
        if isinstance(where, operators.In) and not where.right:
            where = Literal(False)
        elif isinstance(where, operators.NotIn) and not where.right:
            where = Literal(True)
        if operator in {'in', 'not in'} and None in value:
            if operator == 'in':
                where |= (column == Null)
            else:
                where &= (column != Null)
        return [('id', 'in', table.select(table.id, where=where))]

    def get_expected_completion(self, name):
        if self.state == 'done':
            return self.done_at
        if self.state == 'cancelled':
            return None
        now = self._sla_now()
        deadline = self.resolution_deadline
        if self.state == 'waiting':
            if deadline and self.paused_at:
                working_time = self.sla_working_time()
                deadline = working_time.add(
                    deadline, working_time.between(self.paused_at, now))
            return deadline
        if self.appointment_end and self.appointment_end >= now:
            return self.appointment_end
        return deadline

    @classmethod
    def alert_sla(cls):
        """Alert the owners of the orders at risk or past a deadline.

        Each order is alerted once when at risk and once when breached.
        """
        alerted = []
        for level, levels in [
                ('breached', [None, 'at_risk']),
                ('at_risk', [None]),
                ]:
            orders = cls.search([
                    ('state', 'in', ['draft', 'scheduled', 'dispatched',
                            'on_the_way', 'in_progress', 'waiting']),
                    ('sla_status', '=', level),
                    ('sla_alert', 'in', levels),
                    ], order=[('id', 'ASC')])
            if not orders:
                continue
            cls.write(orders, {
                    'sla_alert': level,
                    'sla_alerted_at': cls._sla_now(),
                    })
            for order in orders:
                order._notify_sla(level)
            alerted.extend(orders)
        return alerted

    def sla_owners(self):
        "Return the users to alert about the deadlines of the order"
        employees = [self.engineer]
        if self.request:
            employees.append(self.request.owner)
        users = users_of_employees(employees)
        if not users:
            users = users_in_group('appliance.group_manager')
        return users

    def _notify_sla(self, level):
        # Until an engineer is assigned the response deadline comes first
        if self.assigned_at is None and self.response_deadline:
            deadline = self.response_deadline
        else:
            deadline = self.resolution_deadline or self.response_deadline
        notify_users(self.sla_owners(),
            'appliance_service_sla.msg_sla_alert_%s' % level, [self],
            icon='tryton-warning' if level == 'at_risk' else 'tryton-error',
            order=self.rec_name, customer=self.customer.rec_name,
            deadline=self.sla_working_time().local_string(deadline))

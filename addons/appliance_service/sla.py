# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Service level agreements: working calendar, policies and clocks.

The clocks count working hours of a company calendar.  Deadlines are stored
in UTC like every Tryton date time; the calendar is read in the timezone of
the company.
"""
import datetime as dt
from collections import defaultdict

from sql import Literal, Null, operators
from sql.conditionals import Case, Coalesce

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields,
    sequence_ordered)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.tools import grouped_slice, reduce_ids
from trytond.tools import timezone as tz
from trytond.transaction import Transaction, without_check_access

from .engineer import WEEKDAYS
from .exceptions import SlaCalendarError, SlaPolicyError
from .notification import notify_users, users_in_group, users_of_employees
from .service_request import KINDS, PRIORITIES

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
WARRANTY_STATUSES = [
    (None, ""),
    ('in', "In Warranty"),
    ('out', "Out of Warranty"),
    ]
# Beyond this many days without working time a calendar is broken
MAX_DAYS = 3660
# Changing these fields of an open order puts it under another policy
POLICY_FIELDS = {'company', 'kind', 'priority', 'region', 'appliance'}


def sla_now():
    """Return the time the SLA clocks read, or None for the real time.

    Tests drive the clocks with the context key sla_now; it is ignored
    outside of tests so nobody can backdate an order.
    """
    if not Pool.test:
        return None
    now = Transaction().context.get('sla_now')
    if isinstance(now, str):
        now = dt.datetime.fromisoformat(now)
    return now


def _week_intervals(week):
    "Return week as a dict of weekday to sorted, merged intervals"
    result = {}
    for weekday in range(7):
        merged = []
        for start, end in sorted(week.get(weekday, ())):
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        result[weekday] = merged
    return result


def add_working_hours(start, hours, week, holidays=()):
    """Return the time when hours of work started at start are over.

    week maps the weekday (0 is Monday) to (start time, end time) intervals
    of work, holidays is a collection of dates without work.  A result that
    falls on the end of a working period is that end, not the start of the
    next period, so adding a then b is the same as adding a + b.
    """
    if hours < 0:
        raise ValueError("hours must not be negative")
    remaining = dt.timedelta(seconds=round(hours * 3600))
    if not remaining:
        return start
    week = _week_intervals(week)
    if not any(week.values()):
        raise ValueError("no working hours in the week")
    holidays = set(holidays)
    day = start.date()
    for _ in range(MAX_DAYS):
        if day not in holidays:
            for begin, end in week[day.weekday()]:
                begin = max(dt.datetime.combine(day, begin), start)
                end = dt.datetime.combine(day, end)
                if end <= begin:
                    continue
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
        day += dt.timedelta(days=1)
    raise ValueError("no working time left in the calendar")


def working_hours_between(start, end, week, holidays=()):
    "Return the working hours between start and end, 0 if end is before"
    if end <= start:
        return 0.
    week = _week_intervals(week)
    holidays = set(holidays)
    total = dt.timedelta()
    day = start.date()
    while day <= end.date():
        if day not in holidays:
            for begin, finish in week[day.weekday()]:
                begin = max(dt.datetime.combine(day, begin), start)
                finish = min(dt.datetime.combine(day, finish), end)
                if finish > begin:
                    total += finish - begin
        day += dt.timedelta(days=1)
    return total.total_seconds() / 3600


class WorkingTime:
    """The working time of a calendar seen from a timezone.

    Takes and returns naive UTC date times, like Tryton stores them.  Without
    a calendar every hour counts.
    """

    def __init__(self, week=None, holidays=(), timezone=None, name=''):
        self.week = week
        self.holidays = frozenset(holidays)
        self.tzinfo = tz.get_tzinfo(timezone) if timezone else None
        self.name = name

    def _local(self, value):
        if self.tzinfo is None:
            return value
        return value.replace(tzinfo=tz.UTC).astimezone(self.tzinfo).replace(
            tzinfo=None)

    def _utc(self, value):
        if self.tzinfo is None:
            return value
        return value.replace(tzinfo=self.tzinfo).astimezone(tz.UTC).replace(
            tzinfo=None)

    def add(self, start, hours):
        if start is None or hours is None:
            return None
        if self.week is None:
            result = start + dt.timedelta(seconds=round(hours * 3600))
        else:
            try:
                result = self._utc(add_working_hours(
                        self._local(start), hours, self.week, self.holidays))
            except ValueError:
                raise SlaCalendarError(gettext(
                        'appliance_service.msg_sla_calendar_exhausted',
                        calendar=self.name, date=start.date()))
        return result.replace(microsecond=0)

    def between(self, start, end):
        if start is None or end is None:
            return 0.
        if self.week is None:
            return max((end - start).total_seconds() / 3600, 0.)
        return working_hours_between(
            self._local(start), self._local(end), self.week, self.holidays)

    def local_string(self, value):
        "Format value in the timezone of the calendar"
        if value is None:
            return ''
        return self._local(value).strftime('%Y-%m-%d %H:%M')


class Calendar(DeactivableMixin, ModelSQL, ModelView):
    "SLA working calendar"
    __name__ = 'appliance.sla.calendar'

    name = fields.Char("Name", required=True, translate=True)
    lines = fields.One2Many(
        'appliance.sla.calendar.line', 'calendar', "Working Hours")
    holidays = fields.One2Many(
        'appliance.sla.calendar.holiday', 'calendar', "Holidays",
        help="Days without work, such as public holidays.")

    @classmethod
    def get_default(cls):
        "Return the calendar of the configuration or the standard one"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        ModelData = pool.get('ir.model.data')
        with without_check_access():
            calendar = Configuration(1).sla_calendar
            if not calendar:
                try:
                    calendar = cls(ModelData.get_id(
                            'appliance_service', 'sla_calendar_standard'))
                except KeyError:
                    calendar = None
                if calendar and not calendar.active:
                    calendar = None
        return calendar

    def working_time(self, timezone=None):
        week = defaultdict(list)
        for line in self.lines:
            week[int(line.weekday)].append((line.start_time, line.end_time))
        return WorkingTime(
            week=week, holidays=[h.date for h in self.holidays],
            timezone=timezone, name=self.rec_name)


class CalendarLine(ModelSQL, ModelView):
    "SLA calendar working hours"
    __name__ = 'appliance.sla.calendar.line'

    calendar = fields.Many2One(
        'appliance.sla.calendar', "Calendar", required=True,
        ondelete='CASCADE')
    weekday = fields.Selection(WEEKDAYS, "Weekday", required=True, sort=False)
    start_time = fields.Time("Start", required=True, format='%H:%M')
    end_time = fields.Time("End", required=True, format='%H:%M')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.calendar, Index.Equality())))
        cls._order = [
            ('calendar', 'ASC'), ('weekday', 'ASC'), ('start_time', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        if field_names and not field_names & {'start_time', 'end_time'}:
            return
        for line in lines:
            if line.end_time <= line.start_time:
                raise SlaCalendarError(gettext(
                        'appliance_service.msg_sla_calendar_line_times',
                        calendar=line.calendar.rec_name,
                        weekday=line.weekday_string))

    weekday_string = weekday.translated('weekday')


class CalendarHoliday(ModelSQL, ModelView):
    "SLA calendar holiday"
    __name__ = 'appliance.sla.calendar.holiday'

    calendar = fields.Many2One(
        'appliance.sla.calendar', "Calendar", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    name = fields.Char("Name", translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('calendar_date_unique', Unique(t, t.calendar, t.date),
                'appliance_service.msg_sla_holiday_unique'),
            ]
        cls._order = [('date', 'ASC'), ('id', 'ASC')]


class Policy(sequence_ordered(), DeactivableMixin, ModelSQL, ModelView):
    "SLA policy"
    __name__ = 'appliance.sla.policy'

    name = fields.Char("Name", required=True, translate=True)
    company = fields.Many2One('company.company', "Company", required=True)
    kind = fields.Selection(
        [(None, "")] + KINDS, "Kind",
        help="The kind of request or work order; leave empty for any.")
    priority = fields.Selection(
        [(None, "")] + PRIORITIES, "Priority", sort=False,
        help="Leave empty for any priority.")
    region = fields.Many2One(
        'appliance.service.region', "Region", ondelete='CASCADE',
        help="Leave empty for any region.")
    warranty = fields.Selection(
        WARRANTY_STATUSES, "Warranty Status", sort=False,
        help="Leave empty for appliances in and out of warranty.")
    response_hours = fields.Float(
        "Response Target", required=True, digits=(16, 2),
        help="Working hours within which an engineer must be assigned "
        "(for a work order) or the customer answered (for a request).")
    resolution_hours = fields.Float(
        "Resolution Target", digits=(16, 2),
        help="Working hours within which the work must be done; "
        "the time waiting for parts or the customer does not count.")
    calendar = fields.Many2One(
        'appliance.sla.calendar', "Calendar", ondelete='RESTRICT',
        help="Leave empty for the calendar of the configuration.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @property
    def specificity(self):
        "The number of criteria the policy sets"
        return sum(1 for c in [
                self.kind, self.priority, self.region, self.warranty] if c)

    @classmethod
    def validate_fields(cls, policies, field_names):
        super().validate_fields(policies, field_names)
        if field_names and not field_names & {
                'response_hours', 'resolution_hours'}:
            return
        for policy in policies:
            if (policy.response_hours <= 0
                    or (policy.resolution_hours is not None
                        and policy.resolution_hours <= 0)):
                raise SlaPolicyError(gettext(
                        'appliance_service.msg_sla_policy_hours',
                        policy=policy.rec_name))
            if (policy.resolution_hours is not None
                    and policy.resolution_hours < policy.response_hours):
                raise SlaPolicyError(gettext(
                        'appliance_service.msg_sla_policy_targets',
                        policy=policy.rec_name))

    @classmethod
    def find(cls, company, kind, priority, region=None, in_warranty=None):
        """Return the policy for the criteria or None.

        The policy matching the most criteria wins, then the first by
        sequence.  in_warranty None means the status is unknown: only
        policies for any status match.
        """
        if not company:
            return None
        warranty = None if in_warranty is None else (
            'in' if in_warranty else 'out')
        with without_check_access():
            policies = cls.search([
                    ('company', '=', company.id),
                    ('kind', 'in', [None, kind]),
                    ('priority', 'in', [None, priority]),
                    ('region', 'in', [None, region.id if region else None]),
                    ('warranty', 'in', [None, warranty]),
                    ],
                order=[('sequence', 'ASC NULLS LAST'), ('id', 'ASC')])
        if policies:
            # search returns them by sequence and sorted is stable
            return sorted(policies, key=lambda p: -p.specificity)[0]

    def working_time(self, timezone=None):
        pool = Pool()
        Calendar = pool.get('appliance.sla.calendar')
        calendar = self.calendar or Calendar.get_default()
        if calendar:
            return calendar.working_time(timezone)
        return WorkingTime(timezone=timezone)


class Configuration(metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    sla_calendar = fields.Many2One(
        'appliance.sla.calendar', "SLA Calendar", ondelete='RESTRICT',
        help="The working hours the SLA clocks count.")
    sla_risk_share = fields.Float(
        "At-Risk Threshold", required=True, digits=(16, 4),
        domain=[
            ('sla_risk_share', '>=', 0),
            ('sla_risk_share', '<', 1),
            ],
        help="An order is at risk when less than this share of its target "
        "time remains.")

    @classmethod
    def default_sla_calendar(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        try:
            return ModelData.get_id(
                'appliance_service', 'sla_calendar_standard')
        except KeyError:
            return None

    @classmethod
    def default_sla_risk_share(cls):
        return 0.25


def _timezone(company):
    return company.timezone if company else None


class ServiceRequest(metaclass=PoolMeta):
    __name__ = 'appliance.service.request'

    sla_policy = fields.Many2One(
        'appliance.sla.policy', "SLA Policy", readonly=True,
        ondelete='RESTRICT')

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('sla_policy', None)
        return super().copy(requests, default=default)

    @classmethod
    def _now(cls):
        return sla_now() or super()._now()

    def get_sla_policy(self):
        pool = Pool()
        Policy = pool.get('appliance.sla.policy')
        Region = pool.get('appliance.service.region')
        region = None
        if self.address:
            region = Region.find_for_address(self.address)
        in_warranty = bool(self.in_warranty) if self.appliance else None
        return Policy.find(
            self.company, self.kind, self.priority, region, in_warranty)

    def compute_response_due(self):
        """Return when the first response is due.

        With an SLA policy, the response target counts working hours of its
        calendar; the policy found is kept on the request.
        """
        self.sla_policy = policy = self.get_sla_policy()
        if policy:
            start = self.received_at or self._now()
            return policy.working_time(_timezone(self.company)).add(
                start, policy.response_hours)
        return super().compute_response_due()


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
    def _now(cls):
        return sla_now() or super()._now()

    @classmethod
    def _sla_now(cls):
        return cls._now().replace(microsecond=0)

    def sla_in_warranty(self):
        "Whether the appliance is covered; None when there is none"
        if not self.appliance:
            return None
        if self.request and self.request.appliance == self.appliance:
            return bool(self.request.in_warranty)
        date = (self.sla_start or self._now()).date()
        return bool(self.appliance.coverage_on(date))

    def get_sla_policy(self, cache=None):
        pool = Pool()
        Policy = pool.get('appliance.sla.policy')
        key = ('policy', self.company, self.kind, self.priority, self.region,
            self.sla_in_warranty())
        if cache is None or key not in cache:
            policy = Policy.find(*key[1:])
            if cache is None:
                return policy
            cache[key] = policy
        return cache[key]

    def sla_working_time(self, cache=None):
        pool = Pool()
        Calendar = pool.get('appliance.sla.calendar')
        timezone = _timezone(self.company)
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
                [order], 'appliance_service.msg_event_sla_pushed',
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
            users = users_in_group('appliance_service.group_manager')
        return users

    def _notify_sla(self, level):
        # Until an engineer is assigned the response deadline comes first
        if self.assigned_at is None and self.response_deadline:
            deadline = self.response_deadline
        else:
            deadline = self.resolution_deadline or self.response_deadline
        notify_users(self.sla_owners(),
            'appliance_service.msg_sla_alert_%s' % level, [self],
            icon='tryton-warning' if level == 'at_risk' else 'tryton-error',
            order=self.rec_name, customer=self.customer.rec_name,
            deadline=self.sla_working_time().local_string(deadline))


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('appliance.work_order|alert_sla', "Alert SLA Deadlines"))

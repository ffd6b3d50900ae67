# This file is part of the appliance_service_sla module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The working calendars of the SLA clocks and the arithmetic of working
hours.

Deadlines are stored in UTC like every Tryton date time; a calendar is read
in the time zone of the company (appliance_service.local_time).
"""
import datetime as dt
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.modules.appliance_service.engineer import WEEKDAYS
from trytond.modules.appliance_service.local_time import (
    local_date, local_string, to_local, to_utc)
from trytond.pool import Pool
from trytond.tools import timezone as tz
from trytond.transaction import without_check_access

from .exceptions import SlaCalendarError

# Beyond this many days without working time a calendar is broken
MAX_DAYS = 3660


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
    """The working time of a calendar seen from a time zone (a tzinfo,
    UTC by default).

    Takes and returns naive UTC date times, like Tryton stores them.  Without
    a calendar every hour counts.
    """

    def __init__(self, week=None, holidays=(), timezone=None, name=''):
        self.week = week
        self.holidays = frozenset(holidays)
        self.tzinfo = timezone if timezone is not None else tz.UTC
        self.name = name

    def _local(self, value):
        return to_local(value, self.tzinfo)

    def _utc(self, value):
        return to_utc(value, self.tzinfo)

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
                        'appliance_service_sla.msg_sla_calendar_exhausted',
                        calendar=self.name,
                        date=local_date(start, self.tzinfo)))
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
        return local_string(value, self.tzinfo)


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
                            'appliance_service_sla', 'sla_calendar_standard'))
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
                        'appliance_service_sla.msg_sla_calendar_line_times',
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
                'appliance_service_sla.msg_sla_holiday_unique'),
            ]
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

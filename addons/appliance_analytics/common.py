# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""What the reports share: the dates of the facts in the company's time zone,
the period buckets, the context of the reports and their drill-down."""
import datetime as dt

from dateutil.relativedelta import relativedelta
from sql import As, Expression, Literal
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc, Extract, Function

from trytond import backend
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

PERIODS = [
    ('week', "Week"),
    ('month', "Month"),
    ]
# The number of periods of the moving average, per period
MOVING_AVERAGE = {
    'week': 4,
    'month': 3,
    }
# The periods one year back, per period: 52 weeks keep the weekdays
LAST_YEAR = {
    'week': 52,
    'month': 12,
    }


# A field only to cast the SQL expressions of dates
DATE_FIELD = fields.Date("Date")


class _SQLiteDate(Function):
    __slots__ = ()
    _function = 'DATE'


def local_date(expression, timezone):
    """The date in timezone of the UTC timestamp expression

    SQLite has no time zones: the date of the timestamp is kept."""
    return DATE_FIELD.sql_cast(
        expression, timezone=Coalesce(timezone, 'UTC'))


def month_start(expression):
    "The first day of the month of the date expression"
    return DATE_FIELD.sql_cast(DateTrunc('month', expression))


def week_start(expression):
    "The Monday of the week of the date expression"
    if backend.name == 'sqlite':
        # date_trunc of SQLite knows no weeks
        return _SQLiteDate(expression, '-6 days', 'weekday 1')
    return DATE_FIELD.sql_cast(DateTrunc('week', expression))


def days_before(expression, days):
    "The date days before the date expression"
    if backend.name == 'sqlite':
        return _SQLiteDate(expression, '-%d days' % days)
    return DATE_FIELD.sql_cast(expression - Literal(days))


def months_between(start, end):
    """The number of whole months from the date start to the date end

    Both are SQL expressions of dates; an appliance installed on the 31st is
    one month old on the 30th or 31st of the next month, not before."""
    months = ((Extract('YEAR', end) - Extract('YEAR', start)) * 12
        + Extract('MONTH', end) - Extract('MONTH', start))
    return months - Case(
        (Extract('DAY', end) < Extract('DAY', start), 1), else_=0)


def first_of_month(date):
    return date.replace(day=1)


def monday(date):
    return date - dt.timedelta(days=date.weekday())


def period_start(period, date):
    "The first day of the period of date"
    return monday(date) if period == 'week' else first_of_month(date)


def period_starts(period, start, end):
    "The first days of the periods from the date start to the date end"
    date = period_start(period, start)
    while date <= end:
        yield date
        date += period_delta(period)


def period_delta(period, count=1):
    if period == 'week':
        return dt.timedelta(weeks=count)
    return relativedelta(months=count)


def company_today(company_id=None):
    "Today in the time zone of the company"
    pool = Pool()
    Date = pool.get('ir.date')
    context = {}
    if company_id:
        context['company'] = company_id
    with Transaction().set_context(**context):
        return Date.today()


def date_range_where(column, from_date, to_date):
    "The condition of the date column between the dates of the context"
    where = Literal(True)
    if from_date:
        where &= column >= from_date
    if to_date:
        where &= column <= to_date
    return where


class _Position(Expression):
    "The position of a column of the SELECT, as GROUP BY takes it"
    __slots__ = ('_position',)

    def __init__(self, position):
        super().__init__()
        self._position = int(position)

    def __str__(self):
        return str(self._position)

    @property
    def params(self):
        return ()


def grouped(from_, *columns, group_by, **kwargs):
    """Select columns from from_ grouped by the expressions group_by, each
    as the position of the column that selects it (the same object).

    PostgreSQL takes an expression with parameters (a month in a time zone,
    a coalesce with 0) in the GROUP BY for another than the same in the
    SELECT, as each has parameters of its own: the position keeps them
    one.  A key that no column selects is grouped on as it is."""
    keys = []
    for key in group_by:
        for position, column in enumerate(columns, 1):
            expression = column.expression if isinstance(
                column, As) else column
            if expression is key:
                keys.append(_Position(position))
                break
        else:
            keys.append(key)
    return from_.select(*columns, group_by=keys, **kwargs)


class ContextMixin(ModelView):
    "The company and the dates every report is filtered on"
    __slots__ = ()

    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date(
        "From Date",
        domain=[
            If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')),
                ()),
            ])
    to_date = fields.Date(
        "To Date",
        domain=[
            If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')),
                ()),
            ])

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        context = Transaction().context
        if 'from_date' in context:
            return context['from_date']
        return first_of_month(company_today()) - relativedelta(months=11)

    @classmethod
    def default_to_date(cls):
        context = Transaction().context
        if 'to_date' in context:
            return context['to_date']
        return company_today()


def context_company():
    return Transaction().context.get('company')


def context_dates():
    "The from and to dates of the context"
    context = Transaction().context
    return context.get('from_date'), context.get('to_date')

# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The trends of repairs per category by week or month, each beside the same
period one year before and a moving average."""
import datetime as dt

from sql import Literal, Null, Values, Window, With
from sql.aggregate import Avg, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Extract, Lag

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.appliance_service_kpi.materialised import (
    MaterialisableMixin)
from trytond.pool import Pool
from trytond.transaction import Transaction

from .common import (
    DATE_FIELD, LAST_YEAR, MOVING_AVERAGE, PERIODS, ContextMixin,
    company_today, context_company, context_dates, grouped, period_delta,
    period_start, period_starts, week_start)
from .drill_down import DrillDownMixin, repairs_done_domain
from .repair import count_all, repair_facts


class CategoryWeek(MaterialisableMixin, ModelSQL):
    "Repairs per week and category"
    __name__ = 'appliance.analytics.category.week'

    company = fields.Many2One('company.company', "Company")
    week = fields.Date("Week")
    category = fields.Many2One('appliance.category', "Category")
    repairs = fields.Integer("Repairs")

    @classmethod
    def _table_query(cls):
        facts = repair_facts()
        week = week_start(facts.date)
        return grouped(facts,
            Min(facts.id).as_('id'),
            facts.company.as_('company'),
            week.as_('week'),
            facts.category.as_('category'),
            count_all().as_('repairs'),
            group_by=[facts.company, week, facts.category])


class TrendContext(ContextMixin):
    "Trend context"
    __name__ = 'appliance.analytics.trend.context'

    period = fields.Selection(PERIODS, "Period", required=True)
    category = fields.Many2One('appliance.category', "Category")

    @classmethod
    def default_period(cls):
        return Transaction().context.get('period', 'month')


class Trend(DrillDownMixin, ModelSQL, ModelView):
    "Repair trend"
    __name__ = 'appliance.analytics.trend'

    company = fields.Many2One('company.company', "Company")
    category = fields.Many2One('appliance.category', "Category")
    date = fields.Date("Period Start")
    period = fields.Selection(PERIODS, "Period")
    repairs = fields.Integer("Repairs")
    last_year = fields.Integer(
        "Same Period Last Year",
        help="The repairs 12 months or 52 weeks before.")
    moving_average = fields.Float(
        "Moving Average", digits=(16, 2),
        help="The mean of the repairs of the last 3 months or 4 weeks.")
    change = fields.Float(
        "Change on Last Year (%)", digits=(16, 1),
        help="The change of the repairs on the same period last year, in "
        "percent.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('category', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _period(cls):
        return Transaction().context.get('period') or 'month'

    @classmethod
    def _source(cls):
        "The table and the column of the period start of the repairs"
        pool = Pool()
        if cls._period() == 'week':
            table = pool.get('appliance.analytics.category.week').__table__()
            return table, table.week
        table = pool.get('appliance.analytics.fault.month').__table__()
        return table, table.month

    @classmethod
    def table_query(cls):
        context = Transaction().context
        period = cls._period()
        lag = LAST_YEAR[period]
        average = MOVING_AVERAGE[period]
        source, date = cls._source()
        from_date, to_date = context_dates()

        where = source.company == context_company()
        if not from_date:
            from_date = (to_date or company_today(context_company())
                ) - period_delta(period, 2 * lag)
        from_date = period_start(period, from_date)
        # The history the first periods compare with
        where &= date >= from_date - period_delta(period, lag)
        if to_date:
            where &= date <= to_date
        if context.get('category'):
            where &= source.category == context['category']
        where &= source.category != Null
        counts = With('category', 'date', 'repairs', query=source.select(
                source.category, date, Sum(source.repairs),
                where=where,
                group_by=[source.category, date]))
        # Every category in every period, with zero repairs when none
        periods = Values([[d] for d in period_starts(
                    period, from_date - period_delta(period, lag),
                    to_date or company_today(context_company()))])
        periods = periods.select(
            DATE_FIELD.sql_cast(periods.column1).as_('date'))
        categories = counts.select(
            counts.category, group_by=[counts.category])
        grid = (periods
            .join(categories, condition=Literal(True))
            .join(counts, 'LEFT',
                condition=(counts.date == periods.date)
                & (counts.category == categories.category)))
        repairs = Coalesce(counts.repairs, 0)
        series = Window([categories.category], order_by=[periods.date])
        last_periods = Window([categories.category], order_by=[periods.date],
            frame='ROWS', start=-(average - 1), end=0)
        rows = grid.select(
            categories.category.as_('category'),
            periods.date.as_('date'),
            repairs.as_('repairs'),
            Lag(repairs, lag, window=series).as_('last_year'),
            Avg(repairs, window=last_periods).as_('moving_average'),
            with_=[counts])

        if period == 'week':
            year, number = Extract('ISOYEAR', rows.date), Extract(
                'WEEK', rows.date)
        else:
            year, number = Extract('YEAR', rows.date), Extract(
                'MONTH', rows.date)
        row_id = rows.category * 1000000 + year * 100 + number
        change = Case(
            (rows.last_year > 0,
                cls.change.sql_cast(rows.repairs - rows.last_year) * 100
                / rows.last_year),
            else_=Null)
        return rows.select(
            cls.id.sql_cast(row_id).as_('id'),
            cls.company.sql_cast(Literal(context_company())).as_('company'),
            rows.category.as_('category'),
            rows.date.as_('date'),
            cls.period.sql_cast(Literal(period)).as_('period'),
            # SUM of integers is a NUMERIC on PostgreSQL
            cls.repairs.sql_cast(rows.repairs).as_('repairs'),
            cls.last_year.sql_cast(rows.last_year).as_('last_year'),
            cls.moving_average.sql_cast(rows.moving_average).as_(
                'moving_average'),
            change.as_('change'),
            where=rows.date >= from_date)

    def get_rec_name(self, name):
        return '%s %s' % (self.category.rec_name, self.date)

    def work_order_domain(self):
        end = self.date + period_delta(self.period) - dt.timedelta(days=1)
        _, to_date = context_dates()
        if to_date and to_date < end:
            end = to_date
        return repairs_done_domain(self.company, self.date, end) + [
            ('appliance.product.template.appliance_category', '=',
                self.category.id),
            ]

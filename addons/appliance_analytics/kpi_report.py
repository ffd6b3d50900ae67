# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The reports of the key performance indicators: repair quality,
satisfaction and engineer performance.  Each figure is an indicator of
appliance_service_kpi, its numerator over its denominator computed on the
facts of the work orders (appliance.kpi.work_order): the same formulas as
the appraisals and the scorecards."""
import datetime as dt

from sql import Column, Literal, Null, Window
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case
from sql.functions import RowNumber

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.appliance_service_kpi.fact import FactColumns
from trytond.modules.appliance_service_kpi.kpi import KPIS
from trytond.modules.appliance_service_kpi.materialised import (
    MaterialisableMixin)
from trytond.pool import Pool
from trytond.transaction import Transaction

from .common import (
    ContextMixin, context_company, context_dates, grouped, local_date,
    month_start, period_delta, week_start)
from .drill_down import DrillDownMixin, utc_bounds

GROUPINGS = [
    ('month', "Month"),
    ('week', "Week"),
    ('category', "Category"),
    ('region', "Service Region"),
    ('province', "Province"),
    ('engineer', "Engineer"),
    ]
# The work order fields behind the grouping keys of the facts
ORDER_FIELDS = {
    'category': 'appliance.product.template.appliance_category',
    'region': 'region',
    'province': 'address.subdivision',
    'engineer': 'engineer',
    }


def kpi_value(kpi, fact):
    "The value of the indicator as an SQL expression over the facts"
    numerator, denominator = KPIS[kpi].columns(fact)
    numerator = numerator * Literal(1.0)
    if denominator is None:
        return numerator
    return Case(
        (denominator > 0, numerator * KPIS[kpi].scale / denominator),
        else_=Null)


class KPIContext(ContextMixin):
    "Indicators context"
    __name__ = 'appliance.analytics.kpi.context'

    group_by = fields.Selection(GROUPINGS, "Group By", required=True)
    category = fields.Many2One('appliance.category', "Category")
    region = fields.Many2One('appliance.service.region', "Service Region")

    @classmethod
    def default_group_by(cls):
        return Transaction().context.get('group_by', 'month')


class KPIReportMixin(DrillDownMixin, ModelSQL, ModelView):
    "The indicators of the work orders of the period grouped by a key"
    __slots__ = ()
    # The names of the indicators of the report, its columns too
    _kpis = []
    _default_group_by = 'month'

    company = fields.Many2One('company.company', "Company")
    group_by = fields.Selection(GROUPINGS, "Group By")
    date = fields.Date("Period Start")
    category = fields.Many2One('appliance.category', "Category")
    region = fields.Many2One('appliance.service.region', "Service Region")
    province = fields.Many2One('country.subdivision', "Province")
    engineer = fields.Many2One('company.employee', "Engineer")
    label = fields.Function(fields.Char("Name"), 'get_rec_name')
    orders = fields.Integer(
        "Work Orders", help="The work orders of the row, done or not.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'ASC'), ('id', 'ASC')]

    @classmethod
    def _group_by(cls):
        return (Transaction().context.get('group_by')
            or cls._default_group_by)

    @classmethod
    def _company(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company = context_company()
        return Company(company) if company else None

    @classmethod
    def table_query(cls):
        pool = Pool()
        Fact = pool.get('appliance.kpi.work_order')
        fact = Fact.__table__()
        context = Transaction().context
        company = cls._company()
        group_by = cls._group_by()
        from_date, to_date = context_dates()

        where = fact.company == (company.id if company else None)
        if company and from_date:
            where &= fact.date >= utc_bounds(company, from_date, from_date)[0]
        if company and to_date:
            where &= fact.date < utc_bounds(company, to_date, to_date)[1]
        for name in ['category', 'region']:
            if context.get(name):
                where &= getattr(fact, name) == context[name]
        where &= cls._where(fact)

        timezone = company.timezone if company else None
        if group_by in {'month', 'week'}:
            day = local_date(fact.date, Literal(timezone or 'UTC'))
            key = month_start(day) if group_by == 'month' else week_start(
                day)
        else:
            key = getattr(fact, group_by)
            where &= key != Null
        # The key is computed under the grouping, see facts_query()
        facts = Fact.facts_query(fact, fact, where, _key=key)
        key = Column(facts, '_key')
        columns = [
            # The rows of periods are numbered on their dates below
            Min(key).as_('id'),
            cls.company.sql_cast(
                Literal(company.id if company else None)).as_('company'),
            cls.group_by.sql_cast(Literal(group_by)).as_('group_by'),
            Count().as_('orders'),
            ]
        for name in ['date', 'category', 'region', 'province', 'engineer']:
            field = getattr(cls, name)
            if (name == group_by
                    or (name == 'date' and group_by in {'month', 'week'})):
                columns.append(field.sql_cast(key).as_(name))
            else:
                columns.append(field.sql_cast(Null).as_(name))
        for name in cls._kpis:
            field = getattr(cls, name)
            columns.append(field.sql_cast(
                    kpi_value(name, FactColumns(facts))).as_(name))
        query = facts.select(*columns, group_by=[key])
        if group_by not in {'month', 'week'}:
            return query
        # The ids of periods of different years must differ: the rows are
        # numbered on their dates
        # (Column: some names, like group_by, are attributes of the query)
        return query.select(
            RowNumber(window=Window([], order_by=[Column(query, 'date')])
                ).as_('id'),
            *(Column(query, c.output_name) for c in columns[1:]))

    @classmethod
    def _where(cls, fact):
        "The condition on the facts the report counts"
        return Literal(True)

    def get_rec_name(self, name):
        if self.group_by in {'month', 'week'}:
            return (self.date.strftime('%Y-%m') if self.group_by == 'month'
                else self.date.isoformat())
        value = getattr(self, self.group_by)
        return value.rec_name if value else ''

    def work_order_domain(self):
        company = self.company
        start, end = context_dates()
        if self.group_by in {'month', 'week'}:
            start = self.date
            end = self.date + period_delta(self.group_by) - dt.timedelta(
                days=1)
        domain = [('company', '=', company.id)]
        # The date of the facts: the completion, else the receipt
        if start:
            begin = utc_bounds(company, start, start)[0]
            domain.append(['OR',
                    ('done_at', '>=', begin),
                    [('done_at', '=', None), ('create_date', '>=', begin)],
                    ])
        if end:
            finish = utc_bounds(company, end, end)[1]
            domain.append(['OR',
                    ('done_at', '<', finish),
                    [('done_at', '=', None), ('create_date', '<', finish)],
                    ])
        if self.group_by in ORDER_FIELDS:
            domain.append((ORDER_FIELDS[self.group_by], '=',
                    getattr(self, self.group_by).id))
        context = Transaction().context
        for name in ['category', 'region']:
            if context.get(name) and name != self.group_by:
                domain.append((ORDER_FIELDS[name], '=', context[name]))
        return domain


# The label and help of each KPI, the same in every report
KPI_LABELS = {
    'jobs_done': (
        "Jobs Done",
        "The orders done."),
    'response_time': (
        "Response Time (h)",
        "The mean hours from the receipt to the assignment."),
    'time_to_repair': (
        "MTTR (h)",
        "The mean time to repair: hours from the receipt to the completion."),
    'repair_time': (
        "Repair Time (h)",
        "The mean hours from the start of the work to its completion."),
    'average_cost': (
        "Average Cost",
        "The mean labour and parts cost of the orders done."),
    'cost': (
        "Cost",
        "The labour and parts cost."),
    'first_time_fix_rate': (
        "First-Time Fix (%)",
        "The repairs done in one visit and not redone within 30 days."),
    'rework_rate_30': (
        "Rework within 30 Days (%)",
        "The repairs followed by another repair within 30 days."),
    'rework_rate_90': (
        "Rework within 90 Days (%)",
        "The repairs followed by another repair within 90 days."),
    'sla_met_share': (
        "SLA Met (%)",
        "The orders whose SLA was met."),
    'sla_breached_share': (
        "SLA Breached (%)",
        "The orders whose SLA was breached."),
    'sla_in_progress_share': (
        "SLA in Progress (%)",
        "The open orders whose SLA is still running."),
    'csat': (
        "CSAT (%)",
        "The ratings of 4 or 5 of 5 overall."),
    'rating_overall': (
        "Overall",
        "The mean overall rating (1 to 5)."),
    'rating_punctuality': (
        "Punctuality",
        "The mean punctuality rating (1 to 5)."),
    'rating_attitude': (
        "Attitude",
        "The mean attitude rating (1 to 5)."),
    'rating_quality': (
        "Quality",
        "The mean quality rating (1 to 5)."),
    'complaints': (
        "Complaints",
        "The complaints about the orders."),
    'complaint_rate': (
        "Complaints per 100 Jobs",
        "The complaints per 100 orders done."),
    'labour_hours': (
        "Labour Hours",
        "The hours of the orders done."),
    'sla_compliance': (
        "SLA Compliance (%)",
        "The SLAs met of the SLAs decided."),
    }


def _kpi_field(kpi):
    string, help = KPI_LABELS[kpi]
    unit = KPIS[kpi].unit
    digits = (16, 1) if unit in {'percent', 'hours'} else (16, 2)
    if unit == 'count':
        digits = (16, 0)
    return fields.Float(string, digits=digits, help=help)


class Quality(KPIReportMixin):
    "Repair quality"
    __name__ = 'appliance.analytics.quality'
    _kpis = ['jobs_done', 'response_time', 'time_to_repair', 'repair_time',
        'average_cost', 'cost', 'first_time_fix_rate', 'rework_rate_30',
        'rework_rate_90', 'sla_met_share', 'sla_breached_share',
        'sla_in_progress_share']

    jobs_done = _kpi_field('jobs_done')
    response_time = _kpi_field('response_time')
    time_to_repair = _kpi_field('time_to_repair')
    repair_time = _kpi_field('repair_time')
    average_cost = _kpi_field('average_cost')
    cost = _kpi_field('cost')
    first_time_fix_rate = _kpi_field('first_time_fix_rate')
    rework_rate_30 = _kpi_field('rework_rate_30')
    rework_rate_90 = _kpi_field('rework_rate_90')
    sla_met_share = _kpi_field('sla_met_share')
    sla_breached_share = _kpi_field('sla_breached_share')
    sla_in_progress_share = _kpi_field('sla_in_progress_share')


class Satisfaction(KPIReportMixin):
    "Customer satisfaction"
    __name__ = 'appliance.analytics.satisfaction'
    _kpis = ['csat', 'rating_overall', 'rating_punctuality',
        'rating_attitude', 'rating_quality', 'complaints', 'complaint_rate',
        'jobs_done']

    csat = _kpi_field('csat')
    rating_overall = _kpi_field('rating_overall')
    rating_punctuality = _kpi_field('rating_punctuality')
    rating_attitude = _kpi_field('rating_attitude')
    rating_quality = _kpi_field('rating_quality')
    complaints = _kpi_field('complaints')
    complaint_rate = _kpi_field('complaint_rate')
    jobs_done = _kpi_field('jobs_done')


class EngineerPerformance(KPIReportMixin):
    "Engineer performance"
    __name__ = 'appliance.analytics.engineer'
    _default_group_by = 'engineer'
    _kpis = ['jobs_done', 'labour_hours', 'csat', 'first_time_fix_rate',
        'rework_rate_30', 'sla_compliance', 'complaints', 'response_time',
        'time_to_repair', 'average_cost']

    jobs_done = _kpi_field('jobs_done')
    labour_hours = _kpi_field('labour_hours')
    csat = _kpi_field('csat')
    first_time_fix_rate = _kpi_field('first_time_fix_rate')
    rework_rate_30 = _kpi_field('rework_rate_30')
    sla_compliance = _kpi_field('sla_compliance')
    complaints = _kpi_field('complaints')
    response_time = _kpi_field('response_time')
    time_to_repair = _kpi_field('time_to_repair')
    average_cost = _kpi_field('average_cost')

    @classmethod
    def _where(cls, fact):
        return fact.engineer != Null


class EngineerContext(KPIContext):
    "Engineer performance context"
    __name__ = 'appliance.analytics.engineer.context'

    @classmethod
    def default_group_by(cls):
        return Transaction().context.get('group_by', 'engineer')


class FollowUpContext(ContextMixin):
    "Follow-up outcomes context"
    __name__ = 'appliance.analytics.follow_up.context'


class FollowUpDay(MaterialisableMixin, ModelSQL):
    "Follow-ups done per company, day and outcome"
    __name__ = 'appliance.analytics.follow_up.day'

    company = fields.Many2One('company.company', "Company")
    date = fields.Date("Date")
    satisfaction = fields.Char("Outcome")
    follow_ups = fields.Integer("Follow-ups")

    @classmethod
    def _table_query(cls):
        pool = Pool()
        FollowUp = pool.get('appliance.follow_up')
        Company = pool.get('company.company')
        follow_up = FollowUp.__table__()
        company = Company.__table__()
        # The day in the time zone of the company, as the periods of the
        # reports
        date = local_date(follow_up.done_at, company.timezone)
        keys = [follow_up.company, date, follow_up.satisfaction]
        return grouped(
            follow_up.join(company,
                condition=follow_up.company == company.id),
            Min(follow_up.id).as_('id'),
            follow_up.company.as_('company'),
            date.as_('date'),
            follow_up.satisfaction.as_('satisfaction'),
            Count().as_('follow_ups'),
            where=(follow_up.state == 'done') & (follow_up.done_at != Null),
            group_by=keys)


class FollowUpOutcome(DrillDownMixin, ModelSQL, ModelView):
    "Follow-up outcome"
    __name__ = 'appliance.analytics.follow_up'

    company = fields.Many2One('company.company', "Company")
    satisfaction = fields.Selection('get_satisfactions', "Outcome")
    follow_ups = fields.Integer("Follow-ups")
    share = fields.Float("Share", digits=(16, 4))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('follow_ups', 'DESC'), ('id', 'ASC')]

    @classmethod
    def get_satisfactions(cls):
        pool = Pool()
        FollowUp = pool.get('appliance.follow_up')
        return FollowUp.fields_get(['satisfaction'])['satisfaction'][
            'selection']

    @classmethod
    def table_query(cls):
        pool = Pool()
        Day = pool.get('appliance.analytics.follow_up.day')
        day = Day.__table__()
        company = context_company()
        from_date, to_date = context_dates()
        where = day.company == company
        if from_date:
            where &= day.date >= from_date
        if to_date:
            where &= day.date <= to_date
        values = [v for v, _ in cls.get_satisfactions()]
        row_id = Case(*((day.satisfaction == v, i + 1)
                for i, v in enumerate(values)), else_=len(values) + 1)
        # SUM of integers is a NUMERIC on PostgreSQL
        count = cls.follow_ups.sql_cast(Sum(day.follow_ups))
        return day.select(
            Min(row_id).as_('id'),
            cls.company.sql_cast(Literal(company)).as_('company'),
            day.satisfaction.as_('satisfaction'),
            count.as_('follow_ups'),
            (cls.share.sql_cast(count) / Sum(count, window=Window([]))).as_(
                'share'),
            where=where,
            group_by=[day.satisfaction])

    def get_rec_name(self, name):
        return dict(self.get_satisfactions()).get(self.satisfaction) or ''

    def work_order_domain(self):
        from_date, to_date = context_dates()
        domain = [
            ('follow_ups.state', '=', 'done'),
            ('follow_ups.satisfaction', '=', self.satisfaction),
            ('company', '=', self.company.id),
            ]
        if from_date:
            domain.append(('follow_ups.done_at', '>=',
                    utc_bounds(self.company, from_date, from_date)[0]))
        if to_date:
            domain.append(('follow_ups.done_at', '<',
                    utc_bounds(self.company, to_date, to_date)[1]))
        return domain

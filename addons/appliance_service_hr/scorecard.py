# This file is part of the appliance_service_hr module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The scorecard of each engineer over a period, on the indicators of
appliance_service_kpi: their numerators and denominators over the facts of
the work orders, no other formula."""
import datetime as dt

from sql import Column, Literal, Null
from sql.aggregate import Max
from sql.conditionals import Case

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.appliance_service_kpi.fact import FactColumns
from trytond.modules.appliance_service_kpi.kpi import KPIS
from trytond.pool import Pool
from trytond.transaction import Transaction

from .appraisal import previous_period

# The indicators of the scorecard, in their order
SCORECARD_KPIS = [
    'jobs_done', 'labour_hours', 'travel_hours', 'repair_time',
    'first_time_fix_rate', 'repeat_visit_rate', 'rework_rate_30', 'csat',
    'sla_compliance', 'parts_value', 'complaints',
    ]


class ScorecardContext(ModelView):
    "Engineer scorecard context"
    __name__ = 'appliance.engineer.scorecard.context'

    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date("From Date", required=True)
    to_date = fields.Date("To Date", required=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def _default_period(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return previous_period(Date.today(), 'monthly')

    @classmethod
    def default_from_date(cls):
        return Transaction().context.get(
            'from_date', cls._default_period()[0])

    @classmethod
    def default_to_date(cls):
        return Transaction().context.get('to_date', cls._default_period()[1])


class Scorecard(ModelSQL, ModelView):
    "Engineer scorecard"
    __name__ = 'appliance.engineer.scorecard'

    engineer = fields.Many2One('company.employee', "Engineer")
    company = fields.Many2One('company.company', "Company")
    jobs_done = fields.Float("Jobs Done", digits=(16, 0))
    working_hours = fields.Function(
        fields.Float("Working Hours", digits=(16, 2),
            help="The hours of attendance in the period."),
        'get_working_hours')
    labour_hours = fields.Float("Labour Hours", digits=(16, 2))
    travel_hours = fields.Float("Travel Time (h)", digits=(16, 2))
    utilisation = fields.Function(
        fields.Float("Utilisation (%)", digits=(16, 1),
            help="The labour hours over the working hours."),
        'get_working_hours')
    repair_time = fields.Float("Average Repair Time (h)", digits=(16, 2))
    first_time_fix_rate = fields.Float(
        "First-Time Fix Rate (%)", digits=(16, 1))
    repeat_visit_rate = fields.Float("Repeat-Visit Rate (%)", digits=(16, 1))
    rework_rate_30 = fields.Float(
        "Rework Rate within 30 Days (%)", digits=(16, 1))
    csat = fields.Float("Customer Satisfaction (CSAT %)", digits=(16, 1))
    sla_compliance = fields.Float("SLA Compliance (%)", digits=(16, 1))
    parts_value = fields.Float("Value of Parts Used", digits=(16, 2))
    complaints = fields.Float("Complaints", digits=(16, 0))

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('jobs_done', 'DESC'), ('id', 'ASC')]

    @classmethod
    def _period(cls):
        pool = Pool()
        Company = pool.get('company.company')
        Fact = pool.get('appliance.kpi.work_order')
        context = Transaction().context
        from_date = context.get('from_date')
        to_date = context.get('to_date')
        company = context.get('company')
        if not from_date or not to_date:
            from_date, to_date = previous_period(
                dt.date.today(), 'monthly')
        company = Company(company) if company else None
        period, = Fact.periods_utc([(from_date, to_date)], company)
        return company, period

    @classmethod
    def table_query(cls):
        pool = Pool()
        Fact = pool.get('appliance.kpi.work_order')
        fact = Fact.__table__()
        company, period = cls._period()
        float_type = Transaction().database.sql_type('FLOAT').base
        where = ((fact.engineer != Null)
            & (fact.date >= period.start) & (fact.date < period.end))
        if company:
            where &= fact.company == company.id
        facts = fact.select(
            *(Column(fact, n).as_(n) for n in Fact.fact_names()),
            where=where)
        columns = FactColumns(facts)
        values = []
        for name in SCORECARD_KPIS:
            kpi = KPIS[name]
            numerator, denominator = kpi.columns(columns)
            numerator = numerator.cast(float_type)
            if denominator is None:
                value = numerator
            else:
                # The value of KPI.value in SQL
                value = Case(
                    (denominator > 0, numerator * Literal(kpi.scale)
                        / denominator.cast(float_type)),
                    else_=Null)
            values.append(value.as_(name))
        return facts.select(
            columns.engineer.as_('id'),
            columns.engineer.as_('engineer'),
            Max(columns.company).as_('company'),
            *values,
            group_by=[columns.engineer])

    @classmethod
    def get_working_hours(cls, scorecards, names):
        pool = Pool()
        Sheet = pool.get('attendance.sheet')
        context = Transaction().context
        result = {n: {} for n in names}
        from_date = context.get('from_date')
        to_date = context.get('to_date')
        for scorecard in scorecards:
            domain = [('employee', '=', scorecard.engineer.id)]
            if from_date:
                domain.append(('date', '>=', from_date))
            if to_date:
                domain.append(('date', '<=', to_date))
            hours = round(sum(
                    (s.duration or dt.timedelta()).total_seconds()
                    for s in Sheet.search(domain)) / 3600, 2)
            if 'working_hours' in result:
                result['working_hours'][scorecard.id] = hours
            if 'utilisation' in result:
                result['utilisation'][scorecard.id] = (
                    round((scorecard.labour_hours or 0) / hours * 100, 1)
                    if hours else None)
        return result

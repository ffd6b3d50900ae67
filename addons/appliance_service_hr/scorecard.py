# This file is part of the appliance_service_hr module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The scorecard of each engineer over a period, on the indicators of
appliance_service_kpi: their numerators and denominators over the facts of
the work orders, no other formula."""
import copy
import datetime as dt

from sql import Column, Literal, Null, Window
from sql.aggregate import Avg, Max
from sql.conditionals import Case

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.appliance_service_kpi.fact import FactColumns
from trytond.modules.appliance_service_kpi.kpi import KPIS
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction, without_check_access

from .appraisal import PERIODS, period_of, previous_period

# The indicators of the scorecard, in their order
SCORECARD_KPIS = [
    'jobs_done', 'labour_hours', 'travel_hours', 'repair_time',
    'first_time_fix_rate', 'repeat_visit_rate', 'rework_rate_30', 'csat',
    'sla_compliance', 'parts_value', 'complaints',
    ]
# The indicators of the attendance, beside those of the work orders
ATTENDANCE_KPIS = ['working_hours', 'utilisation']
# At most this many periods over time
MAX_PERIODS = 120


def attendance_hours(employees, from_date=None, to_date=None):
    """Return the hours of attendance of each employee (id) from from_date
    to to_date, both included"""
    pool = Pool()
    Sheet = pool.get('attendance.sheet')
    result = dict.fromkeys(employees, 0.)
    domain = [('employee', 'in', list(employees))]
    if from_date:
        domain.append(('date', '>=', from_date))
    if to_date:
        domain.append(('date', '<=', to_date))
    for sheet in Sheet.search(domain):
        result[sheet.employee.id] += (
            sheet.duration or dt.timedelta()).total_seconds() / 3600
    return {e: round(h, 2) for e, h in result.items()}


def utilisation_of(labour_hours, working_hours):
    "The labour hours over the working hours, in percent"
    if not working_hours:
        return None
    return round((labour_hours or 0) / working_hours * 100, 1)


def periods_between(from_date, to_date, periodicity):
    """Return the (start, end) dates of the periods of periodicity from the
    one of from_date to the one of to_date, at most MAX_PERIODS"""
    periods = []
    if not from_date or not to_date or from_date > to_date:
        return periods
    start, end = period_of(from_date, periodicity)
    while start <= to_date and len(periods) < MAX_PERIODS:
        periods.append((start, end))
        start, end = period_of(end + dt.timedelta(days=1), periodicity)
    return periods


def period_label(start, periodicity):
    "The name of the period starting on start: 2026-11 or 2026-Q4"
    if periodicity == 'quarterly':
        return f'{start.year}-Q{(start.month - 1) // 3 + 1}'
    return start.strftime('%Y-%m')


def scorecard_values(columns, float_type):
    "The SQL of each scorecard KPI over the fact columns, as KPI.value"
    values = []
    for name in SCORECARD_KPIS:
        kpi = KPIS[name]
        numerator, denominator = kpi.columns(columns)
        numerator = numerator.cast(float_type)
        if denominator is None:
            value = numerator
        else:
            value = Case(
                (denominator > 0, numerator * Literal(kpi.scale)
                    / denominator.cast(float_type)),
                else_=Null)
        values.append(value.as_(name))
    return values


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
        values = scorecard_values(columns, float_type)
        return facts.select(
            columns.engineer.as_('id'),
            columns.engineer.as_('engineer'),
            Max(columns.company).as_('company'),
            *values,
            group_by=[columns.engineer])

    @classmethod
    def get_working_hours(cls, scorecards, names):
        context = Transaction().context
        result = {n: {} for n in names}
        hours = attendance_hours(
            {s.engineer.id for s in scorecards},
            context.get('from_date'), context.get('to_date'))
        for scorecard in scorecards:
            working = hours[scorecard.engineer.id]
            if 'working_hours' in result:
                result['working_hours'][scorecard.id] = working
            if 'utilisation' in result:
                result['utilisation'][scorecard.id] = utilisation_of(
                    scorecard.labour_hours, working)
        return result


class ScorecardPeriodContext(ModelView):
    "Engineer scorecard over time context"
    __name__ = 'appliance.engineer.scorecard.period.context'
    __string__ = "Engineer Scorecard over Time Context"

    company = fields.Many2One('company.company', "Company", required=True)
    engineer = fields.Many2One(
        'company.employee', "Engineer",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('service_engineer', '=', True),
            ],
        help="Leave empty for every engineer.")
    periodicity = fields.Selection(PERIODS, "Periodicity", required=True)
    from_date = fields.Date("From Date", required=True)
    to_date = fields.Date("To Date", required=True)
    kpi = fields.Selection(
        'get_kpis', "Indicator", required=True,
        help="The indicator of the graph.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_engineer(cls):
        return Transaction().context.get('employee')

    @classmethod
    def default_periodicity(cls):
        return Transaction().context.get('periodicity', 'monthly')

    @classmethod
    def default_from_date(cls):
        "The start of the eleventh period before the current one"
        pool = Pool()
        Date = pool.get('ir.date')
        periodicity = cls.default_periodicity()
        start, _ = period_of(Date.today(), periodicity)
        for _ in range(11):
            start, _ = period_of(start - dt.timedelta(days=1), periodicity)
        return Transaction().context.get('from_date', start)

    @classmethod
    def default_to_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Transaction().context.get('to_date', period_of(
                Date.today(), cls.default_periodicity())[1])

    @classmethod
    def default_kpi(cls):
        return Transaction().context.get('kpi', 'jobs_done')

    @classmethod
    def get_kpis(cls):
        pool = Pool()
        ScorecardPeriod = pool.get('appliance.engineer.scorecard.period')
        names = ScorecardPeriod.kpi_names()
        definitions = ScorecardPeriod.fields_get(names)
        return [(n, definitions[n]['string']) for n in names]


def _team_field(field):
    "The Float field of the team average of field"
    return fields.Float(
        f"Team Average: {field.string}", digits=field.digits,
        help="The average of the engineers of the company who worked in "
        "the period.")


# A row per engineer and period with the indicators of the scorecard and,
# beside each, the team average: the mean over the engineers of the company
# with work orders in the period of their own value (those without value,
# e.g. no repair for the first-time fix rate, count not).
class ScorecardPeriod(ModelSQL, ModelView):
    "Engineer scorecard over time"
    __name__ = 'appliance.engineer.scorecard.period'
    __string__ = "Engineer Scorecard over Time"

    engineer = fields.Many2One('company.employee', "Engineer")
    company = fields.Many2One('company.company', "Company")
    period = fields.Char("Period")
    period_index = fields.Integer("Period Index")
    period_start = fields.Function(
        fields.Date("Period Start"), 'get_period_dates')
    period_end = fields.Function(
        fields.Date("Period End"), 'get_period_dates')
    value = fields.Function(
        fields.Float("Value", digits=(16, 2),
            help="The value of the indicator chosen."),
        'get_value')
    team_average = fields.Function(
        fields.Float("Team Average", digits=(16, 2),
            help="The team average of the indicator chosen."),
        'get_value')

    jobs_done = copy.deepcopy(Scorecard.jobs_done)
    working_hours = fields.Function(
        fields.Float("Working Hours", digits=(16, 2),
            help="The hours of attendance in the period."),
        'get_attendance')
    labour_hours = copy.deepcopy(Scorecard.labour_hours)
    travel_hours = copy.deepcopy(Scorecard.travel_hours)
    utilisation = fields.Function(
        fields.Float("Utilisation (%)", digits=(16, 1),
            help="The labour hours over the working hours."),
        'get_attendance')
    repair_time = copy.deepcopy(Scorecard.repair_time)
    first_time_fix_rate = copy.deepcopy(Scorecard.first_time_fix_rate)
    repeat_visit_rate = copy.deepcopy(Scorecard.repeat_visit_rate)
    rework_rate_30 = copy.deepcopy(Scorecard.rework_rate_30)
    csat = copy.deepcopy(Scorecard.csat)
    sla_compliance = copy.deepcopy(Scorecard.sla_compliance)
    parts_value = copy.deepcopy(Scorecard.parts_value)
    complaints = copy.deepcopy(Scorecard.complaints)

    team_jobs_done = _team_field(Scorecard.jobs_done)
    team_working_hours = fields.Function(
        _team_field(working_hours), 'get_attendance')
    team_labour_hours = _team_field(Scorecard.labour_hours)
    team_travel_hours = _team_field(Scorecard.travel_hours)
    team_utilisation = fields.Function(
        _team_field(utilisation), 'get_attendance')
    team_repair_time = _team_field(Scorecard.repair_time)
    team_first_time_fix_rate = _team_field(Scorecard.first_time_fix_rate)
    team_repeat_visit_rate = _team_field(Scorecard.repeat_visit_rate)
    team_rework_rate_30 = _team_field(Scorecard.rework_rate_30)
    team_csat = _team_field(Scorecard.csat)
    team_sla_compliance = _team_field(Scorecard.sla_compliance)
    team_parts_value = _team_field(Scorecard.parts_value)
    team_complaints = _team_field(Scorecard.complaints)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('period_index', 'ASC'), ('engineer', 'ASC'), ('id', 'ASC')]

    @classmethod
    def kpi_names(cls):
        "The indicators in the order of the scorecard"
        return (SCORECARD_KPIS[:2] + ATTENDANCE_KPIS[:1]
            + SCORECARD_KPIS[2:3] + ATTENDANCE_KPIS[1:]
            + SCORECARD_KPIS[3:])

    @classmethod
    def kpi_unit(cls, name):
        "The unit of the indicator: percent, count, hours, amount"
        return {
            'working_hours': 'hours',
            'utilisation': 'percent',
            }.get(name) or KPIS[name].unit

    @classmethod
    def periods(cls):
        "The company, the periodicity and the periods of the context"
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        context = Transaction().context
        company = context.get('company')
        company = Company(company) if company else None
        periodicity = context.get('periodicity') or 'monthly'
        if periodicity not in dict(PERIODS):
            periodicity = 'monthly'
        from_date = context.get('from_date')
        to_date = context.get('to_date')
        if not from_date or not to_date:
            from_date = to_date = Date.today()
        return company, periodicity, periods_between(
            from_date, to_date, periodicity)

    @classmethod
    def table_query(cls):
        pool = Pool()
        Fact = pool.get('appliance.kpi.work_order')
        fact = Fact.__table__()
        company, periodicity, periods = cls.periods()
        if not periods:
            # No period: no row
            periods = [(dt.date.min, dt.date.min)]
            where = Literal(False)
        else:
            where = Literal(True)
        bounds = Fact.periods_utc(periods, company)
        float_type = Transaction().database.sql_type('FLOAT').base
        index = Case(*[
                ((fact.date >= b.start) & (fact.date < b.end), i)
                for i, b in enumerate(bounds)], else_=Null)
        where &= ((fact.engineer != Null)
            & (fact.date >= bounds[0].start) & (fact.date < bounds[-1].end))
        if company:
            where &= fact.company == company.id
        facts = fact.select(
            *(Column(fact, n).as_(n) for n in Fact.fact_names()),
            index.as_('period_index'),
            where=where)
        columns = FactColumns(facts)
        values = scorecard_values(columns, float_type)
        cards = facts.select(
            columns.engineer.as_('engineer'),
            columns.period_index.as_('period_index'),
            Max(columns.company).as_('company'),
            *values,
            group_by=[columns.engineer, columns.period_index])
        # The team of each period: every engineer with a row in it
        team = Window([cards.period_index])
        label = Case(*[
                (cards.period_index == i, period_label(s, periodicity))
                for i, (s, _) in enumerate(periods)], else_=Null)
        return cards.select(
            (cards.engineer * MAX_PERIODS + cards.period_index).as_('id'),
            cards.engineer.as_('engineer'),
            cards.company.as_('company'),
            cards.period_index.as_('period_index'),
            label.as_('period'),
            *(Column(cards, n).as_(n) for n in SCORECARD_KPIS),
            *(Avg(Column(cards, n), window=team).as_('team_' + n)
                for n in SCORECARD_KPIS))

    def get_period_dates(self, name):
        _, _, periods = self.periods()
        if self.period_index is not None and self.period_index < len(
                periods):
            start, end = periods[self.period_index]
            return start if name == 'period_start' else end

    @classmethod
    def get_attendance(cls, cards, names):
        "The working hours and utilisation, of the engineer and the team"
        _, _, periods = cls.periods()
        result = {n: {c.id: None for c in cards} for n in names}
        for index in {c.period_index for c in cards}:
            start, end = periods[index]
            # The team is every engineer with a row in the period, even
            # those the user may not read
            with without_check_access():
                team = cls.search([('period_index', '=', index)])
                hours = attendance_hours(
                    {c.engineer.id for c in team}, start, end)
            utilisations = [u for u in (
                    utilisation_of(c.labour_hours, hours[c.engineer.id])
                    for c in team) if u is not None]
            averages = {
                'team_working_hours': (round(
                        sum(hours.values()) / len(hours), 2)
                    if hours else None),
                'team_utilisation': (round(
                        sum(utilisations) / len(utilisations), 1)
                    if utilisations else None),
                }
            for card in cards:
                if card.period_index != index:
                    continue
                working = hours.get(card.engineer.id)
                values = {
                    'working_hours': working,
                    'utilisation': utilisation_of(
                        card.labour_hours, working),
                    **averages,
                    }
                for name in names:
                    result[name][card.id] = values[name]
        return result

    @classmethod
    def get_value(cls, cards, names):
        "The value and the team average of the indicator of the context"
        kpi = Transaction().context.get('kpi')
        if kpi not in cls.kpi_names():
            kpi = 'jobs_done'
        result = {}
        for name in names:
            field = kpi if name == 'value' else 'team_' + kpi
            result[name] = {c.id: getattr(c, field) for c in cards}
        return result

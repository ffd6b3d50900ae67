# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The demand forecast of spare parts per part and province: installed base
by age x fault rate by age x parts per fault, beside the actual consumption
of the last weeks; offered to the order points of the parts module through
PartDemand.forecast()."""
import datetime as dt
from collections import defaultdict

from sql import Literal, Null, Window
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Least
from sql.functions import CurrentDate, Floor, RowNumber

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.appliance_service_kpi.materialised import (
    MaterialisableMixin)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .common import (
    company_today, context_company, days_before, grouped, monday,
    months_between, week_start)
from .drill_down import DrillDownMixin, repairs_done_domain
from .repair import installation_date, part_facts, repair_facts

# The history the rates are measured on, in days
WINDOW = 365
# The oldest age band, in years: older appliances count in it
MAX_BAND = 10
DAYS_PER_YEAR = 365.25


def age_band(start, date):
    "The age in whole years on date of an appliance installed on start"
    return Least(Floor(months_between(start, date) / 12), MAX_BAND)


class PartWeek(MaterialisableMixin, ModelSQL):
    "Parts used per week and province"
    __name__ = 'appliance.analytics.part.week'

    company = fields.Many2One('company.company', "Company")
    week = fields.Date("Week")
    subdivision = fields.Many2One('country.subdivision', "Province")
    part = fields.Many2One(
        'product.product', "Part",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    quantity = fields.Float("Quantity")

    @classmethod
    def _table_query(cls):
        parts = part_facts()
        week = week_start(parts.date)
        return grouped(parts,
            Min(parts.id).as_('id'),
            parts.company.as_('company'),
            week.as_('week'),
            parts.subdivision.as_('subdivision'),
            parts.part.as_('part'),
            Sum(parts.quantity).as_('quantity'),
            group_by=[parts.company, week, parts.subdivision, parts.part])


class PartDemandRate(MaterialisableMixin, ModelSQL):
    """The parts expected per year per model, province and part: installed
    base by age x fault rate by age x parts per repair"""
    __name__ = 'appliance.analytics.part_demand.rate'

    company = fields.Many2One('company.company', "Company")
    product = fields.Many2One(
        'product.product', "Model",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    subdivision = fields.Many2One('country.subdivision', "Province")
    part = fields.Many2One(
        'product.product', "Part",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    quantity = fields.Float(
        "Quantity per Year", help="The parts expected in a year.")

    @classmethod
    def _table_query(cls):
        rates = cls._fault_rates()
        base = cls._installed_base()
        usage = cls._parts_per_repair()
        query = (base
            .join(rates, condition=(rates.company == base.company)
                & (rates.product == base.product)
                & (rates.band == base.band))
            .join(usage, condition=(usage.company == base.company)
                & (usage.product == base.product)))
        keys = [base.company, base.product, base.subdivision, usage.part]
        return query.select(
            RowNumber(window=Window([], order_by=keys)).as_('id'),
            base.company.as_('company'),
            base.product.as_('product'),
            base.subdivision.as_('subdivision'),
            usage.part.as_('part'),
            Sum(base.appliances * rates.rate * usage.per_repair).as_(
                'quantity'),
            group_by=keys)

    @classmethod
    def _appliances(cls):
        pool = Pool()
        Appliance = pool.get('appliance.appliance')
        return Appliance.__table__()

    @classmethod
    def _fault_rates(cls):
        """The repairs per appliance and year per model and age band: the
        repairs of the last year at the age of the repair over the
        appliances installed half a year ago at their age then"""
        appliance = cls._appliances()
        facts = repair_facts()
        start = installation_date(appliance)
        band = age_band(start, facts.date)
        repairs = grouped(facts
            .join(appliance, condition=facts.appliance == appliance.id),
                facts.company.as_('company'),
                facts.product.as_('product'),
                band.as_('band'),
                Count().as_('repairs'),
                where=(facts.date > days_before(CurrentDate(), WINDOW))
                & (start != Null),
                group_by=[facts.company, facts.product, band])
        exposed = cls._appliances()
        middle = days_before(CurrentDate(), WINDOW // 2)
        start = installation_date(exposed)
        band = age_band(start, middle)
        exposure = grouped(exposed,
            exposed.company.as_('company'),
            exposed.product.as_('product'),
            band.as_('band'),
            Count().as_('appliances'),
            where=(start != Null) & (start <= middle),
            group_by=[exposed.company, exposed.product, band])
        return (repairs
            .join(exposure, condition=(exposure.company == repairs.company)
                & (exposure.product == repairs.product)
                & (exposure.band == repairs.band))
            .select(
                repairs.company.as_('company'),
                repairs.product.as_('product'),
                repairs.band.as_('band'),
                (repairs.repairs * Literal(1.0) / exposure.appliances).as_(
                    'rate')))

    @classmethod
    def _installed_base(cls):
        "The appliances per model, province and age band today"
        pool = Pool()
        Address = pool.get('party.address')
        appliance = cls._appliances()
        address = Address.__table__()
        start = installation_date(appliance)
        band = age_band(start, CurrentDate())
        keys = [appliance.company, appliance.product, address.subdivision,
            band]
        return grouped(appliance
            .join(address,
                condition=appliance.installation_address == address.id),
                appliance.company.as_('company'),
                appliance.product.as_('product'),
                address.subdivision.as_('subdivision'),
                band.as_('band'),
                Count().as_('appliances'),
                where=(start != Null) & (start <= CurrentDate())
                & (address.subdivision != Null)
                & (appliance.status.in_(['in_use', 'under_repair'])),
                group_by=keys)

    @classmethod
    def _parts_per_repair(cls):
        "The quantity of each part per repair of the model in the last year"
        facts = repair_facts()
        since = days_before(CurrentDate(), WINDOW)
        repairs = facts.select(
            facts.company.as_('company'),
            facts.product.as_('product'),
            Count().as_('repairs'),
            where=facts.date > since,
            group_by=[facts.company, facts.product])
        parts = part_facts()
        used = parts.select(
            parts.company.as_('company'),
            parts.product.as_('product'),
            parts.part.as_('part'),
            Sum(parts.quantity).as_('quantity'),
            where=parts.date > since,
            group_by=[parts.company, parts.product, parts.part])
        return (used
            .join(repairs, condition=(repairs.company == used.company)
                & (repairs.product == used.product))
            .select(
                used.company.as_('company'),
                used.product.as_('product'),
                used.part.as_('part'),
                (used.quantity / repairs.repairs).as_('per_repair')))


class PartDemandContext(ModelView):
    "Parts demand context"
    __name__ = 'appliance.analytics.part_demand.context'

    company = fields.Many2One('company.company', "Company", required=True)
    weeks = fields.Integer(
        "Weeks", required=True, domain=[('weeks', '>', 0)],
        help="The weeks ahead of the forecast, and behind of the actual "
        "consumption.")
    subdivision = fields.Many2One('country.subdivision', "Province")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_weeks(cls):
        return Transaction().context.get('weeks', 4)


class PartDemand(DrillDownMixin, ModelSQL, ModelView):
    "Parts demand forecast"
    __name__ = 'appliance.analytics.part_demand'

    company = fields.Many2One('company.company', "Company")
    part = fields.Many2One(
        'product.product', "Part",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    subdivision = fields.Many2One('country.subdivision', "Province")
    forecast = fields.Float(
        "Forecast", digits=(16, 2),
        help="The quantity expected in the next weeks.")
    actual = fields.Float(
        "Actual", digits=(16, 2),
        help="The quantity used in as many weeks before this one.")
    difference = fields.Float(
        "Difference", digits=(16, 2),
        help="The forecast minus the actual consumption.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('forecast', 'DESC'), ('id', 'ASC')]

    @classmethod
    def _weeks(cls):
        return Transaction().context.get('weeks') or 4

    @classmethod
    def table_query(cls):
        pool = Pool()
        rate = pool.get('appliance.analytics.part_demand.rate').__table__()
        week = pool.get('appliance.analytics.part.week').__table__()
        context = Transaction().context
        company = context_company()
        weeks = cls._weeks()
        this_week = monday(company_today(company))
        forecast = rate.select(
            rate.part.as_('part'),
            rate.subdivision.as_('subdivision'),
            cls.forecast.sql_cast(
                Sum(rate.quantity) * weeks * 7 / DAYS_PER_YEAR).as_(
                'forecast'),
            cls.actual.sql_cast(Literal(0)).as_('actual'),
            where=rate.company == company,
            group_by=[rate.part, rate.subdivision])
        actual = week.select(
            week.part.as_('part'),
            week.subdivision.as_('subdivision'),
            cls.forecast.sql_cast(Literal(0)).as_('forecast'),
            cls.actual.sql_cast(Sum(week.quantity)).as_('actual'),
            where=(week.company == company)
            & (week.week >= this_week - dt.timedelta(weeks=weeks))
            & (week.week < this_week) & (week.subdivision != Null),
            group_by=[week.part, week.subdivision])
        both = forecast | actual
        where = Literal(True)
        if context.get('subdivision'):
            where &= both.subdivision == context['subdivision']
        keys = [both.part, both.subdivision]
        forecast, actual = Sum(both.forecast), Sum(both.actual)
        return both.select(
            (both.part * 100000 + both.subdivision).as_('id'),
            cls.company.sql_cast(Literal(company)).as_('company'),
            both.part.as_('part'),
            both.subdivision.as_('subdivision'),
            cls.forecast.sql_cast(forecast).as_('forecast'),
            cls.actual.sql_cast(actual).as_('actual'),
            cls.difference.sql_cast(forecast - actual).as_('difference'),
            where=where,
            group_by=keys)

    def get_rec_name(self, name):
        return '%s @ %s' % (self.part.rec_name, self.subdivision.rec_name)

    def work_order_domain(self):
        "The repairs of the actual consumption"
        today = company_today(self.company.id)
        end = monday(today) - dt.timedelta(days=1)
        start = monday(today) - dt.timedelta(weeks=self._weeks())
        return repairs_done_domain(self.company, start, end) + [
            ('parts.product', '=', self.part.id),
            ['OR',
                ('appliance.installation_address.subdivision', '=',
                    self.subdivision.id),
                [
                    ('appliance.installation_address', '=', None),
                    ('address.subdivision', '=', self.subdivision.id),
                    ],
                ],
            ]

    @classmethod
    def forecast_quantities(cls, weeks=4, company=None, parts=None,
            subdivisions=None):
        """Return the parts expected in the next weeks as a dictionary
        {(part id, subdivision id): quantity}

        This is the function the order points of the parts module call to
        set their minimum quantities (see doc/index.rst)."""
        company = company or context_company()
        with Transaction().set_context(company=company, weeks=weeks,
                subdivision=None):
            domain = []
            if parts is not None:
                domain.append(('part', 'in', [int(p) for p in parts]))
            if subdivisions is not None:
                domain.append(
                    ('subdivision', 'in', [int(s) for s in subdivisions]))
            result = defaultdict(float)
            for row in cls.search(domain):
                result[row.part.id, row.subdivision.id] += row.forecast
        return dict(result)

    @classmethod
    def forecast_by_region(cls, weeks=4, company=None, parts=None):
        """Return the parts expected in the next weeks per service region
        as {(part id, region id): quantity}: the forecast of the provinces
        of each region"""
        pool = Pool()
        Region = pool.get('appliance.service.region')
        per_province = cls.forecast_quantities(
            weeks=weeks, company=company, parts=parts)
        result = defaultdict(float)
        for region in Region.search([]):
            for subdivision in region.subdivisions:
                for (part, province), quantity in per_province.items():
                    if province == subdivision.id:
                        result[part, region.id] += quantity
        return dict(result)

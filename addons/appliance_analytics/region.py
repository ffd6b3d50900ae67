# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Regional differences: repairs per 1,000 installed appliances per province
or city and month."""
import datetime as dt

from sql import Literal, Null, Window
from sql.aggregate import Count, Sum
from sql.conditionals import Case, Coalesce, NullIf
from sql.functions import RowNumber

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.appliance_service_kpi.materialised import (
    MaterialisableMixin)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .common import (
    ContextMixin, context_company, context_dates, first_of_month, grouped,
    month_start, period_delta)
from .drill_down import DrillDownMixin, repairs_done_domain
from .repair import count_all, installation_date, repair_facts

KEYS = ['company', 'month', 'subdivision', 'city', 'category']
LEVELS = [
    ('subdivision', "Province"),
    ('city', "City"),
    ]


def installed_groups():
    """The appliances per company, province, city, category and month they
    joined the installed base"""
    pool = Pool()
    Appliance = pool.get('appliance.appliance')
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    Address = pool.get('party.address')
    appliance = Appliance.__table__()
    product = Product.__table__()
    template = Template.__table__()
    address = Address.__table__()
    since = month_start(installation_date(appliance))
    query = (appliance
        .join(product, condition=appliance.product == product.id)
        .join(template, condition=product.template == template.id)
        .join(address, 'LEFT',
            condition=appliance.installation_address == address.id))
    keys = [appliance.company, address.subdivision, address.city,
        template.appliance_category, since]
    return grouped(query,
        appliance.company.as_('company'),
        address.subdivision.as_('subdivision'),
        address.city.as_('city'),
        template.appliance_category.as_('category'),
        since.as_('since'),
        Count(appliance.id).as_('appliances'),
        where=installation_date(appliance) != Null,
        group_by=keys)


class RegionMonth(MaterialisableMixin, ModelSQL):
    "Repairs and installed appliances per month, province, city and category"
    __name__ = 'appliance.analytics.region.month'

    company = fields.Many2One('company.company', "Company")
    month = fields.Date("Month")
    subdivision = fields.Many2One('country.subdivision', "Province")
    city = fields.Char("City")
    category = fields.Many2One('appliance.category', "Category")
    repairs = fields.Integer("Repairs")
    installed = fields.Integer(
        "Installed", help="The appliances installed by the end of the month.")

    @classmethod
    def _table_query(cls):
        facts = repair_facts()
        month = month_start(facts.date)
        # The keys never null so that the join is on equalities
        repair_keys = [facts.company, month, Coalesce(facts.subdivision, 0),
            Coalesce(facts.city, ''), Coalesce(facts.category, 0)]
        repairs = grouped(facts, *(k.as_(n) for k, n in zip(repair_keys,
                    KEYS)),
            count_all().as_('repairs'),
            group_by=repair_keys)
        months = repairs.select(
            repairs.company, repairs.month,
            group_by=[repairs.company, repairs.month])
        groups = installed_groups()
        # The installed base of each month: the appliances installed in or
        # before it
        grid_keys = [months.company, months.month,
            Coalesce(groups.subdivision, 0), Coalesce(groups.city, ''),
            Coalesce(groups.category, 0)]
        grid = grouped(months
            .join(groups, condition=(groups.company == months.company)
                & (groups.since <= months.month)),
                *(k.as_(n) for k, n in zip(grid_keys, KEYS)),
                Sum(groups.appliances).as_('installed'),
                group_by=grid_keys)
        condition = Literal(True)
        for name in KEYS:
            condition &= getattr(grid, name) == getattr(repairs, name)
        query = grid.join(repairs, 'LEFT', condition=condition)
        order = [getattr(grid, n) for n in KEYS]
        return query.select(
            RowNumber(window=Window([], order_by=order)).as_('id'),
            grid.company.as_('company'),
            grid.month.as_('month'),
            NullIf(grid.subdivision, 0).as_('subdivision'),
            NullIf(grid.city, '').as_('city'),
            NullIf(grid.category, 0).as_('category'),
            Coalesce(repairs.repairs, 0).as_('repairs'),
            grid.installed.as_('installed'))


class RegionContext(ContextMixin):
    "Regional differences context"
    __name__ = 'appliance.analytics.region.context'

    level = fields.Selection(LEVELS, "Level", required=True)
    category = fields.Many2One('appliance.category', "Category")
    subdivision = fields.Many2One(
        'country.subdivision', "Province",
        states={
            'invisible': Eval('level') != 'city',
            })

    by_month = fields.Boolean(
        "By Month", help="A row per month, else one for the whole period.")

    @classmethod
    def default_level(cls):
        return Transaction().context.get('level', 'subdivision')

    @classmethod
    def default_by_month(cls):
        return Transaction().context.get('by_month', True)


class Region(DrillDownMixin, ModelSQL, ModelView):
    "Regional differences"
    __name__ = 'appliance.analytics.region'

    company = fields.Many2One('company.company', "Company")
    subdivision = fields.Many2One('country.subdivision', "Province")
    city = fields.Char("City")
    month = fields.Date("Month")
    label = fields.Function(fields.Char("Name"), 'get_rec_name')
    repairs = fields.Integer("Repairs")
    installed = fields.Integer(
        "Installed Base",
        help="The appliances installed by the end of the month, summed over "
        "the months of the row.")
    rate = fields.Float(
        "Repairs per 1,000", digits=(16, 2),
        help="The repairs per month per 1,000 installed appliances.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('subdivision', 'ASC'), ('city', 'ASC'), ('month', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def _level(cls):
        return Transaction().context.get('level') or 'subdivision'

    @classmethod
    def table_query(cls):
        pool = Pool()
        context = Transaction().context
        source = pool.get('appliance.analytics.region.month').__table__()
        from_date, to_date = context_dates()
        where = (source.company == context_company()) & (
            source.subdivision != Null)
        if from_date:
            where &= source.month >= first_of_month(from_date)
        if to_date:
            where &= source.month <= to_date
        if context.get('category'):
            where &= source.category == context['category']
        keys = [source.subdivision]
        city = cls.city.sql_cast(Null)
        if cls._level() == 'city':
            if context.get('subdivision'):
                where &= source.subdivision == context['subdivision']
            city = source.city
            keys.append(source.city)
        month = cls.month.sql_cast(Null)
        if context.get('by_month', True):
            month = source.month
            keys.append(source.month)
        repairs = Sum(source.repairs)
        installed = Sum(source.installed)
        rate = Case(
            (installed > 0, cls.rate.sql_cast(repairs) * 1000 / installed),
            else_=Null)
        return source.select(
            RowNumber(window=Window([], order_by=keys)).as_('id'),
            cls.company.sql_cast(Literal(context_company())).as_('company'),
            source.subdivision.as_('subdivision'),
            city.as_('city'),
            month.as_('month'),
            # SUM of integers is a NUMERIC on PostgreSQL
            cls.repairs.sql_cast(repairs).as_('repairs'),
            cls.installed.sql_cast(installed).as_('installed'),
            rate.as_('rate'),
            where=where,
            group_by=keys)

    def get_rec_name(self, name):
        place = self.city or self.subdivision.rec_name
        if self.month:
            place += ' ' + self.month.strftime('%Y-%m')
        return place

    def work_order_domain(self):
        if self.month:
            start = self.month
            end = self.month + period_delta('month') - dt.timedelta(days=1)
        else:
            start, end = context_dates()
            start = start and first_of_month(start)
        return region_orders_domain(
            self.company, start, end, self.subdivision, self.city)


def region_orders_domain(company, start, end, subdivision, city=None,
        category=None):
    """The done repairs of a province, or of a city, from the day start to
    end: the place is the installation address, else the visit address"""
    category = category or Transaction().context.get('category')
    place = [
        ('appliance.installation_address.subdivision', '=',
            subdivision.id if subdivision else None),
        ]
    visit = [
        ('appliance.installation_address', '=', None),
        ('address.subdivision', '=',
            subdivision.id if subdivision else None),
        ]
    if city:
        place.append(('appliance.installation_address.city', '=', city))
        visit.append(('address.city', '=', city))
    domain = repairs_done_domain(company, start, end) + [
        ['OR', place, visit],
        ]
    if category:
        domain.append(
            ('appliance.product.template.appliance_category', '=', category))
    return domain

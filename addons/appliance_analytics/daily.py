# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The daily summary tables of the wall screen, kept up to date
incrementally: the changes of work orders, ratings and appliances mark
their days, and only the days marked are computed again."""
import datetime as dt
from collections import defaultdict

from sql import Literal, Null, Union
from sql.aggregate import Count, Max, Sum
from sql.conditionals import Case, Coalesce

from trytond.model import Index, ModelSQL, fields
from trytond.pool import Pool
from trytond.tools import grouped_slice
from trytond.tools.timezone import get_tzinfo
from trytond.transaction import Transaction

from .common import grouped, local_date, month_start
from .drill_down import utc_bounds
from .repair import installation_date, repair_facts

KINDS = [
    ('order', "Work Order"),
    ('appliance', "Appliance"),
    ]
# The days computed again by one query
DATES_PER_QUERY = 500
# A rating from this score on counts as satisfied (the CSAT of the KPIs)
SATISFIED_FROM = 4


class Daily(ModelSQL):
    "Daily summary of the service"
    __name__ = 'appliance.analytics.daily'

    company = fields.Many2One('company.company', "Company", required=True)
    date = fields.Date("Date", required=True)
    subdivision = fields.Many2One('country.subdivision', "Province")
    category = fields.Many2One('appliance.category', "Category")
    fault_type = fields.Many2One('appliance.fault.type', "Fault Type")
    created = fields.Integer("Orders Created")
    repairs = fields.Integer("Repairs Done")
    rated = fields.Integer("Ratings")
    satisfied = fields.Integer("Satisfied Ratings")
    rating_sum = fields.Integer("Sum of Overall Ratings")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.company, Index.Equality()), (t.date, Index.Range())))

    @classmethod
    def mark_orders(cls, orders):
        "Mark the days of the orders to compute again"
        pool = Pool()
        Dirty = pool.get('appliance.analytics.daily.dirty')
        keys = set()
        for order in orders:
            zone = _zone(order.company)
            for value in [order.create_date, order.done_at]:
                if value:
                    keys.add((order.company.id, _local(value, zone)))
        Dirty.add(keys, 'order')

    @classmethod
    def mark_ratings(cls, ratings):
        pool = Pool()
        Dirty = pool.get('appliance.analytics.daily.dirty')
        keys = {(r.work_order.company.id,
                _local(r.date, _zone(r.work_order.company)))
            for r in ratings if r.date}
        Dirty.add(keys, 'order')

    @classmethod
    def mark_appliances(cls, appliances):
        pool = Pool()
        Dirty = pool.get('appliance.analytics.daily.dirty')
        keys = set()
        for appliance in appliances:
            date = (appliance.installation_date or appliance.sale_date
                or appliance.production_date)
            if date:
                keys.add((appliance.company.id, date))
        Dirty.add(keys, 'appliance')

    @classmethod
    def update(cls):
        "Compute again the days marked since the last update"
        pool = Pool()
        Dirty = pool.get('appliance.analytics.daily.dirty')
        Company = pool.get('company.company')
        InstalledMonth = pool.get('appliance.analytics.installed.month')
        marks = Dirty.pop()
        for (company_id, kind), dates in marks.items():
            company = Company(company_id)
            if kind == 'order':
                cls.compute(company, sorted(dates))
            else:
                InstalledMonth.compute(
                    company, sorted({d.replace(day=1) for d in dates}))

    @classmethod
    def rebuild(cls):
        "Compute every day again, after a bulk load"
        pool = Pool()
        Company = pool.get('company.company')
        InstalledMonth = pool.get('appliance.analytics.installed.month')
        Dirty = pool.get('appliance.analytics.daily.dirty')
        cursor = Transaction().connection.cursor()
        for Model in [cls, InstalledMonth, Dirty]:
            table = Model.__table__()
            cursor.execute(*table.delete())
        for company in Company.search([]):
            cls.compute(company, None)
            InstalledMonth.compute(company, None)

    @classmethod
    def compute(cls, company, dates):
        """Compute the rows of the company on dates (all when None)"""
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        where = table.company == company.id
        for sub_dates in (grouped_slice(dates, DATES_PER_QUERY)
                if dates else [None]):
            sub_dates = list(sub_dates) if sub_dates else None
            condition = where
            if sub_dates:
                condition &= table.date.in_(sub_dates)
            cursor.execute(*table.delete(where=condition))
            query = cls._summary(company, sub_dates)
            columns = [table.company, table.date, table.subdivision,
                table.category, table.fault_type, table.created,
                table.repairs, table.rated, table.satisfied,
                table.rating_sum]
            cursor.execute(*table.insert(columns, query))

    @classmethod
    def _summary(cls, company, dates):
        "The query of the rows of company on dates"
        parts = [cls._created(company, dates), cls._repairs(company, dates),
            cls._ratings(company, dates)]
        union = Union(*parts, all_=True)
        keys = [union.date, union.subdivision, union.category,
            union.fault_type]
        return union.select(
            Literal(company.id), *keys,
            Sum(union.created), Sum(union.repairs), Sum(union.rated),
            Sum(union.satisfied), Sum(union.rating_sum),
            group_by=keys)

    @classmethod
    def _orders(cls, rating=None):
        """The orders with the place, category and fault of their appliance,
        after the ratings when given"""
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        Appliance = pool.get('appliance.appliance')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Address = pool.get('party.address')
        order = WorkOrder.__table__()
        appliance = Appliance.__table__()
        product = Product.__table__()
        template = Template.__table__()
        address = Address.__table__()
        if rating:
            # SQLite joins no nested join
            from_ = rating.join(order, condition=rating.work_order == order.id)
        else:
            from_ = order
        from_ = (from_
            .join(appliance, 'LEFT',
                condition=order.appliance == appliance.id)
            .join(product, 'LEFT', condition=appliance.product == product.id)
            .join(template, 'LEFT',
                condition=product.template == template.id)
            .join(address, 'LEFT', condition=address.id == Coalesce(
                    appliance.installation_address, order.address)))
        return from_, order, template, address

    @classmethod
    def _in_days(cls, company, column, dates):
        "The condition of the UTC timestamp column on the local dates"
        if not dates:
            return Literal(True)
        start, _ = utc_bounds(company, dates[0], dates[0])
        _, end = utc_bounds(company, dates[-1], dates[-1])
        return ((column >= start) & (column < end)
            & local_date(column, company.timezone).in_(dates))

    @classmethod
    def _zero(cls):
        return Literal(0)

    @classmethod
    def _created(cls, company, dates):
        from_, order, template, address = cls._orders()
        date = local_date(order.create_date, company.timezone)
        keys = [date, address.subdivision, template.appliance_category,
            Coalesce(order.actual_fault_type, order.fault_type)]
        return grouped(from_,
            *(k.as_(n) for k, n in zip(keys, _KEYS)),
            Count().as_('created'),
            *(cls._zero().as_(n) for n in ['repairs', 'rated', 'satisfied',
                    'rating_sum']),
            where=(order.company == company.id)
            & cls._in_days(company, order.create_date, dates),
            group_by=keys)

    @classmethod
    def _repairs(cls, company, dates):
        facts = repair_facts()
        keys = [facts.date, facts.subdivision, facts.category,
            facts.fault_type]
        return facts.select(
            *(k.as_(n) for k, n in zip(keys, _KEYS)),
            cls._zero().as_('created'),
            Count().as_('repairs'),
            *(cls._zero().as_(n) for n in ['rated', 'satisfied',
                    'rating_sum']),
            where=(facts.company == company.id)
            & cls._in_days(company, facts.done_at, dates),
            group_by=keys)

    @classmethod
    def _ratings(cls, company, dates):
        pool = Pool()
        Rating = pool.get('appliance.work_order.rating')
        rating = Rating.__table__()
        from_, order, template, address = cls._orders(rating)
        date = local_date(rating.date, company.timezone)
        keys = [date, address.subdivision, template.appliance_category,
            Coalesce(order.actual_fault_type, order.fault_type)]
        satisfied = Sum(Case((rating.overall >= SATISFIED_FROM, 1), else_=0))
        return grouped(from_,
            *(k.as_(n) for k, n in zip(keys, _KEYS)),
            cls._zero().as_('created'),
            cls._zero().as_('repairs'),
            Count().as_('rated'),
            satisfied.as_('satisfied'),
            Sum(rating.overall).as_('rating_sum'),
            where=(order.company == company.id)
            & cls._in_days(company, rating.date, dates),
            group_by=keys)


_KEYS = ['date', 'subdivision', 'category', 'fault_type']


class InstalledMonth(ModelSQL):
    "Appliances installed per month and province"
    __name__ = 'appliance.analytics.installed.month'

    company = fields.Many2One('company.company', "Company", required=True)
    month = fields.Date("Month", required=True)
    subdivision = fields.Many2One('country.subdivision', "Province")
    appliances = fields.Integer("Appliances")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.company, Index.Equality()), (t.month, Index.Range())))

    @classmethod
    def compute(cls, company, months):
        pool = Pool()
        Appliance = pool.get('appliance.appliance')
        Address = pool.get('party.address')
        table = cls.__table__()
        appliance = Appliance.__table__()
        address = Address.__table__()
        cursor = Transaction().connection.cursor()
        where = table.company == company.id
        if months:
            where &= table.month.in_(months)
        cursor.execute(*table.delete(where=where))
        month = month_start(installation_date(appliance))
        condition = (appliance.company == company.id) & (
            installation_date(appliance) != Null)
        if months:
            condition &= month.in_(months)
        query = grouped(appliance
            .join(address, 'LEFT',
                condition=appliance.installation_address == address.id),
            Literal(company.id), month, address.subdivision, Count(),
            where=condition,
            group_by=[month, address.subdivision])
        cursor.execute(*table.insert(
                [table.company, table.month, table.subdivision,
                    table.appliances], query))


class DailyDirty(ModelSQL):
    "Days of the daily summary to compute again"
    __name__ = 'appliance.analytics.daily.dirty'

    company = fields.Many2One('company.company', "Company", required=True)
    date = fields.Date("Date", required=True)
    kind = fields.Selection(KINDS, "Kind", required=True)

    @classmethod
    def add(cls, keys, kind):
        "Mark the (company id, date) keys"
        if not keys:
            return
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.insert(
                [table.company, table.date, table.kind],
                [[c, d, kind] for c, d in sorted(keys)]))

    @classmethod
    def pop(cls):
        """Return and forget the marks as {(company id, kind): dates}

        Two updates at once cannot both forget the same marks: the
        transactions are serialisable and the second one is retried."""
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        cursor.execute(*table.select(Max(table.id)))
        last, = cursor.fetchone()
        if last is None:
            return {}
        cursor.execute(*table.select(
                table.company, table.kind, table.date,
                where=table.id <= last,
                group_by=[table.company, table.kind, table.date]))
        marks = defaultdict(set)
        for company, kind, date in cursor:
            if isinstance(date, str):
                date = dt.date.fromisoformat(date)
            marks[company, kind].add(date)
        cursor.execute(*table.delete(where=table.id <= last))
        return marks


def _zone(company):
    return get_tzinfo(company.timezone or 'UTC')


def _local(value, zone):
    "The local date of the naive UTC datetime value"
    utc = get_tzinfo('UTC')
    return value.replace(tzinfo=utc).astimezone(zone).date()

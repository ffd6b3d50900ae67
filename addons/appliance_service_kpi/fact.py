# This file is part of the appliance_service_kpi module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""One row of facts per work order, and their aggregation into indicators.

The query reads no context so that it can be materialised on PostgreSQL
(``[table_query_materialized]`` in the configuration); the period and
company filters are applied on top of it by aggregate()."""
import datetime as dt
from collections import namedtuple

from sql import Cast, Column, Literal, Null
from sql.aggregate import Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import Extract, Round

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.model.modelsql import convert_from
from trytond.modules.appliance_service.work_order import (
    STATES, WORK_ORDER_KINDS)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.tools import timezone as tz
from trytond.transaction import Transaction

from .exceptions import KPIError
from .kpi import KPIS
from .materialised import MaterialisableMixin

SLA_STATUSES = [
    (None, ""),
    ('met', "Met"),
    ('breached', "Breached"),
    ('in_progress', "In Progress"),
    ]
SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 24 * SECONDS_PER_HOUR
REWORK_WINDOWS = (30, 90)
# A rating from 4 on counts as satisfied
SATISFIED_FROM = 4

Period = namedtuple('Period', ['start', 'end'])
# The columns of every model that the query of the facts has not
AUDIT_FIELDS = {'create_uid', 'create_date', 'write_uid', 'write_date'}


class FactColumns:
    "The columns of a query of the facts, by name, for the indicators"
    __slots__ = ('_query',)

    def __init__(self, query):
        self._query = query

    def __getattr__(self, name):
        return Column(self._query, name)


def hours_between(start, end):
    "The hours from start to end as an SQL expression, portable"
    return (Extract('EPOCH', end) - Extract('EPOCH', start)) / Literal(
        float(SECONDS_PER_HOUR))


def within_days(start, end, days):
    "Whether end comes after start by days at most, as an SQL expression"
    return ((Extract('EPOCH', end) - Extract('EPOCH', start))
        <= days * SECONDS_PER_DAY)


def flag(condition):
    "A boolean column from condition, false when it is unknown"
    return Case((condition, Literal(True)), else_=Literal(False))


class WorkOrderFact(MaterialisableMixin, ModelSQL, ModelView):
    "Work order facts"
    __name__ = 'appliance.kpi.work_order'

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", readonly=True)
    company = fields.Many2One('company.company', "Company", readonly=True)
    engineer = fields.Many2One(
        'company.employee', "Engineer", readonly=True)
    region = fields.Many2One(
        'appliance.service.region', "Region", readonly=True)
    kind = fields.Selection(WORK_ORDER_KINDS, "Kind", readonly=True)
    state = fields.Selection(STATES, "State", readonly=True)
    appliance = fields.Many2One(
        'appliance.appliance', "Appliance", readonly=True)
    category = fields.Many2One(
        'appliance.category', "Category", readonly=True)
    brand = fields.Many2One('appliance.brand', "Brand", readonly=True)
    model = fields.Many2One(
        'product.product', "Model", readonly=True,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    province = fields.Many2One(
        'country.subdivision', "Province", readonly=True)
    city = fields.Char("City", readonly=True)
    fault_type = fields.Many2One(
        'appliance.fault.type', "Fault Type", readonly=True,
        help="The actual fault, else the reported one.")
    received_at = fields.DateTime(
        "Received At", readonly=True,
        help="When the SLA clocks started: the receipt of the request or "
        "the creation of the order.")
    assigned_at = fields.DateTime("Assigned At", readonly=True)
    started_at = fields.DateTime("Started At", readonly=True)
    done_at = fields.DateTime("Done At", readonly=True)
    date = fields.DateTime(
        "Date", readonly=True,
        help="The completion, else the receipt: the date the order "
        "counts in the periods.")
    done = fields.Boolean("Done", readonly=True)
    repair_done = fields.Boolean("Repair Done", readonly=True)
    waits = fields.Integer(
        "Waits", readonly=True,
        help="How many times the order waited for parts or the customer.")
    revisited = fields.Boolean(
        "Revisited", readonly=True,
        help="The order was done after waiting: it took another visit.")
    is_rework = fields.Boolean(
        "Rework", readonly=True,
        help="The order redoes an earlier repair of the appliance.")
    reworked_30 = fields.Boolean(
        "Reworked within 30 Days", readonly=True,
        help="The appliance needed another repair within 30 days.")
    reworked_90 = fields.Boolean(
        "Reworked within 90 Days", readonly=True,
        help="The appliance needed another repair within 90 days.")
    first_time_fixed = fields.Boolean(
        "First-Time Fixed", readonly=True,
        help="A repair done in one visit and not redone within 30 days.")
    rated = fields.Boolean("Rated", readonly=True)
    satisfied = fields.Boolean(
        "Satisfied", readonly=True,
        help="The customer rated the visit 4 or 5 overall.")
    rating_overall = fields.Integer("Overall Rating", readonly=True)
    rating_punctuality = fields.Integer("Punctuality Rating", readonly=True)
    rating_attitude = fields.Integer("Attitude Rating", readonly=True)
    rating_quality = fields.Integer("Quality Rating", readonly=True)
    sla_status = fields.Selection(SLA_STATUSES, "SLA Status", readonly=True)
    response_hours = fields.Float(
        "Response Time (h)", digits=(16, 2), readonly=True,
        help="From the receipt to the assignment of an engineer.")
    resolution_hours = fields.Float(
        "Time to Repair (h)", digits=(16, 2), readonly=True,
        help="From the receipt to the completion.")
    repair_hours = fields.Float(
        "Repair Time (h)", digits=(16, 2), readonly=True,
        help="From the start of the work to its completion.")
    travel_hours = fields.Float(
        "Travel Time (h)", digits=(16, 2), readonly=True,
        help="From setting off to the start of the work.")
    labour_hours = fields.Float(
        "Labour Hours", digits=(16, 2), readonly=True)
    parts_value = fields.Numeric(
        "Value of Parts Used", digits=(16, 2), readonly=True,
        help="The parts used at the cost price of the company.")
    labour_cost = fields.Numeric(
        "Labour Cost", digits=(16, 2), readonly=True,
        help="The labour hours at the labour cost of the company.")
    cost = fields.Numeric(
        "Cost", digits=(16, 2), readonly=True,
        help="Labour cost and value of the parts used.")
    complaints = fields.Integer(
        "Complaints", readonly=True,
        help="The complaints of the customer about the order.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls.__rpc__.update({
                'aggregate': RPC(readonly=True),
                })

    @classmethod
    def _table_query(cls):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        Request = pool.get('appliance.service.request')
        Appliance = pool.get('appliance.appliance')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Address = pool.get('party.address')
        Rating = pool.get('appliance.work_order.rating')
        ConfigurationKPI = pool.get('appliance.configuration.kpi')

        order = WorkOrder.__table__()
        request = Request.__table__()
        appliance = Appliance.__table__()
        product = Product.__table__()
        template = Template.__table__()
        address = Address.__table__()
        rating = Rating.__table__()
        configuration = ConfigurationKPI.__table__()
        waits = cls._waits_query()
        departures = cls._departures_query()
        next_repairs = cls._next_repairs_query()
        parts = cls._parts_value_query()
        complaints = cls._complaints_query()

        from_ = (order
            .join(request, 'LEFT', condition=order.request == request.id)
            .join(appliance, 'LEFT',
                condition=order.appliance == appliance.id)
            .join(product, 'LEFT', condition=appliance.product == product.id)
            .join(template, 'LEFT',
                condition=product.template == template.id)
            .join(address, 'LEFT', condition=order.address == address.id)
            .join(rating, 'LEFT', condition=rating.work_order == order.id)
            .join(configuration, 'LEFT',
                condition=configuration.company == order.company)
            .join(waits, 'LEFT', condition=waits.work_order == order.id)
            .join(departures, 'LEFT',
                condition=departures.work_order == order.id)
            .join(next_repairs, 'LEFT',
                condition=next_repairs.work_order == order.id)
            .join(parts, 'LEFT', condition=parts.work_order == order.id)
            .join(complaints, 'LEFT',
                condition=complaints.work_order == order.id))

        database = Transaction().database
        float_type = database.sql_type('FLOAT').base
        numeric_type = database.sql_type('NUMERIC').base
        text_type = database.sql_type('VARCHAR').base
        # Without "now" the status holds only what is recorded on the order
        sla_status = WorkOrder._sla_status_column(
            order, Cast(Null, database.sql_type('TIMESTAMP').base))

        received_at = Coalesce(
            order.sla_start, request.received_at, order.create_date)
        done = order.state == 'done'
        repair_done = done & (order.kind == 'repair')
        wait_count = Coalesce(waits.waits, 0)
        reworked = {
            days: repair_done & (next_repairs.done_at != Null)
            & within_days(order.done_at, next_repairs.done_at, days)
            for days in REWORK_WINDOWS}
        labour_hours = Case((done, order.labour_hours), else_=Null)
        parts_value = Case(
            (done, Coalesce(parts.parts_value, 0)), else_=Null)
        labour_cost = labour_hours * Coalesce(configuration.kpi_labour_cost, 0)

        def as_float(expression):
            # to the 2 digits of the fields: the client takes a value with
            # more digits for invalid and asks to save the read-only fact
            return Case(
                (expression != Null, Round(
                        expression.cast(numeric_type), 2).cast(float_type)),
                else_=Null)

        def as_numeric(expression):
            return Case(
                (expression != Null, expression.cast(numeric_type)),
                else_=Null)

        return from_.select(
            order.id.as_('id'),
            order.id.as_('work_order'),
            order.company.as_('company'),
            order.engineer.as_('engineer'),
            order.region.as_('region'),
            order.kind.as_('kind'),
            order.state.as_('state'),
            order.appliance.as_('appliance'),
            template.appliance_category.as_('category'),
            template.appliance_brand.as_('brand'),
            appliance.product.as_('model'),
            address.subdivision.as_('province'),
            address.city.as_('city'),
            Coalesce(order.actual_fault_type, order.fault_type).as_(
                'fault_type'),
            received_at.as_('received_at'),
            order.assigned_at.as_('assigned_at'),
            order.started_at.as_('started_at'),
            order.done_at.as_('done_at'),
            Coalesce(order.done_at, received_at).as_('date'),
            flag(done).as_('done'),
            flag(repair_done).as_('repair_done'),
            wait_count.as_('waits'),
            flag(done & (wait_count > 0)).as_('revisited'),
            flag(order.is_rework == Literal(True)).as_('is_rework'),
            flag(reworked[30]).as_('reworked_30'),
            flag(reworked[90]).as_('reworked_90'),
            flag(repair_done & (wait_count == 0) & ~reworked[30]).as_(
                'first_time_fixed'),
            flag(rating.id != Null).as_('rated'),
            flag(rating.overall >= SATISFIED_FROM).as_('satisfied'),
            rating.overall.as_('rating_overall'),
            rating.punctuality.as_('rating_punctuality'),
            rating.attitude.as_('rating_attitude'),
            rating.quality.as_('rating_quality'),
            Case(
                (sla_status.in_(['on_track', 'at_risk']), 'in_progress'),
                else_=sla_status).cast(text_type).as_('sla_status'),
            as_float(hours_between(received_at, order.assigned_at)).as_(
                'response_hours'),
            as_float(Case(
                    (done, hours_between(received_at, order.done_at)),
                    else_=Null)).as_('resolution_hours'),
            as_float(Case(
                    (done, hours_between(order.started_at, order.done_at)),
                    else_=Null)).as_('repair_hours'),
            as_float(hours_between(
                    departures.departed_at, order.started_at)).as_(
                'travel_hours'),
            as_float(labour_hours).as_('labour_hours'),
            as_numeric(parts_value).as_('parts_value'),
            as_numeric(labour_cost).as_('labour_cost'),
            as_numeric(Coalesce(labour_cost, 0) + parts_value).as_('cost'),
            Coalesce(complaints.complaints, 0).as_('complaints'),
            )

    @classmethod
    def _waits_query(cls):
        "The number of times each order waited, from its timeline"
        pool = Pool()
        Event = pool.get('appliance.work_order.event')
        event = Event.__table__()
        return event.select(
            event.work_order.as_('work_order'),
            Count().as_('waits'),
            where=event.state == 'waiting',
            group_by=[event.work_order])

    @classmethod
    def _departures_query(cls):
        "When the engineer first set off to each order"
        pool = Pool()
        Event = pool.get('appliance.work_order.event')
        event = Event.__table__()
        return event.select(
            event.work_order.as_('work_order'),
            Min(event.date).as_('departed_at'),
            where=event.state == 'on_the_way',
            group_by=[event.work_order])

    @classmethod
    def _next_repairs_query(cls):
        "The next completed repair of the appliance of each repair done"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        order = WorkOrder.__table__()
        later = WorkOrder.__table__()
        return (order
            .join(later, condition=(later.appliance == order.appliance)
                & (later.kind == 'repair')
                & (later.state == 'done')
                & (later.id != order.id)
                & (later.done_at > order.done_at))
            .select(
                order.id.as_('work_order'),
                Min(later.done_at).as_('done_at'),
                where=(order.kind == 'repair') & (order.state == 'done'),
                group_by=[order.id]))

    @classmethod
    def _parts_value_query(cls):
        """The value of the parts used on each order: the quantity in the
        unit of the product at the cost price of the company of the order.

        A module that records the real cost of the parts issued overrides
        it with a query of the same columns: work_order, parts_value."""
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        Part = pool.get('appliance.work_order.part')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        CostPrice = pool.get('product.cost_price')
        order = WorkOrder.__table__()
        part = Part.__table__()
        product = Product.__table__()
        template = Template.__table__()
        unit = Uom.__table__()
        default_unit = Uom.__table__()
        cost_price = CostPrice.__table__()
        prices = cost_price.select(
            cost_price.product.as_('product'),
            cost_price.company.as_('company'),
            Max(cost_price.cost_price).as_('cost_price'),
            group_by=[cost_price.product, cost_price.company])
        quantity = part.quantity * unit.factor / default_unit.factor
        return (part
            .join(order, condition=part.work_order == order.id)
            .join(product, condition=part.product == product.id)
            .join(template, condition=product.template == template.id)
            .join(unit, condition=part.unit == unit.id)
            .join(default_unit,
                condition=template.default_uom == default_unit.id)
            .join(prices, 'LEFT', condition=(prices.product == product.id)
                & (prices.company == order.company))
            .select(
                part.work_order.as_('work_order'),
                Sum(quantity * Coalesce(prices.cost_price, 0)).as_(
                    'parts_value'),
                group_by=[part.work_order]))

    @classmethod
    def _complaints_query(cls):
        "The number of complaints about each order, but the cancelled ones"
        pool = Pool()
        Request = pool.get('appliance.service.request')
        request = Request.__table__()
        return request.select(
            request.complaint_work_order.as_('work_order'),
            Count().as_('complaints'),
            where=(request.kind == 'complaint')
            & (request.state != 'cancelled')
            & (request.complaint_work_order != Null),
            group_by=[request.complaint_work_order])

    @classmethod
    def fact_names(cls):
        "The names of the columns of the facts"
        return [n for n, f in cls._fields.items()
            if f.sql_type() and not isinstance(f, fields.Function)
            and n not in AUDIT_FIELDS]

    @classmethod
    def facts_query(cls, from_, fact, where, **expressions):
        """Return the query of the facts of fact (in from_) where holds,
        with a column for each expression.

        The indicators are computed on top of it, grouped by its columns:
        PostgreSQL cannot match an expression with parameters (a period, a
        month in a time zone) in the SELECT to the same in the GROUP BY, so
        the keys are computed here first."""
        return from_.select(
            *(Column(fact, n).as_(n) for n in cls.fact_names()),
            *(e.as_(n) for n, e in expressions.items()),
            where=where)

    @classmethod
    def periods_utc(cls, periods, company):
        """Return periods, pairs of dates inclusive, as pairs of datetimes
        in UTC from the start of the first day to the end of the last, in
        the time zone of company"""
        zone = tz.get_tzinfo(company.timezone) if (
            company and company.timezone) else tz.UTC
        result = []
        for start, end in periods:
            bounds = []
            for day in [start, end + dt.timedelta(days=1)]:
                local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
                bounds.append(
                    local.astimezone(tz.UTC).replace(tzinfo=None))
            result.append(Period(*bounds))
        return result

    @classmethod
    def aggregate(cls, kpis, group_by=(), domain=None, periods=None,
            company=None):
        """Return the value of the indicators kpis for the work orders of
        domain grouped by the fields group_by and by periods.

        periods are pairs of dates, both included, in the time zone of
        company (an id); a work order counts in the period of its date (the
        completion, else the receipt).  Each row is a dict of the group_by
        fields, 'period' (the index in periods, when given) and the value of
        each indicator, with its numerator and denominator as
        '<kpi>:numerator' and '<kpi>:denominator'."""
        pool = Pool()
        Company = pool.get('company.company')
        unknown = [k for k in kpis if k not in KPIS]
        if unknown:
            raise KPIError(gettext(
                    'appliance_service_kpi.msg_unknown_kpi',
                    kpi=', '.join(unknown)))
        unknown = [n for n in group_by if n not in cls.fact_names()]
        if unknown:
            raise KPIError(gettext(
                    'appliance_service_kpi.msg_unknown_dimension',
                    dimension=', '.join(unknown)))
        if company is not None:
            company = Company(company)
        Rule = pool.get('ir.rule')
        fact = cls.__table__()
        tables = {None: (fact, None)}
        domain = [domain or []]
        # The record rules of the user, as search() applies them
        rule_domain = Rule.domain_get(cls.__name__, mode='read')
        if rule_domain:
            domain.append(rule_domain)
        tables, condition = cls.search_domain(domain, tables=tables)
        from_ = convert_from(None, tables)
        extra = {}
        if company is not None:
            condition &= fact.company == company.id
        if periods:
            bounds = cls.periods_utc(periods, company)
            period = Case(*[
                    ((fact.date >= p.start) & (fact.date < p.end), i)
                    for i, p in enumerate(bounds)], else_=Null)
            condition &= period != Null
            extra['period'] = period
        facts = cls.facts_query(from_, fact, condition, **extra)
        keys = [Column(facts, n) for n in group_by]
        if periods:
            keys.append(Column(facts, 'period'))
        columns = [k.as_(k.name) for k in keys]
        names = []
        for name in kpis:
            numerator, denominator = KPIS[name].columns(FactColumns(facts))
            columns.append(numerator.as_(name + ':numerator'))
            names.append(name + ':numerator')
            if denominator is not None:
                columns.append(denominator.as_(name + ':denominator'))
                names.append(name + ':denominator')
        query = facts.select(*columns, group_by=keys or None)
        cursor = Transaction().connection.cursor()
        cursor.execute(*query)
        header = list(group_by) + (['period'] if periods else []) + names
        rows = []
        for values in cursor:
            row = dict(zip(header, values))
            for name in kpis:
                kpi = KPIS[name]
                row[name] = kpi.value(
                    row[name + ':numerator'],
                    row.get(name + ':denominator'))
            rows.append(row)
        return rows

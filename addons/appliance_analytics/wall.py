# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The figures of the wall screen: the open orders, the SLAs at risk, the
CSAT trend, the fault heatmap, the parts below their minimum, the top faults
of the week and the open batch-defect alerts.  Everything but the live
counts of open orders comes from the daily summary tables."""
import datetime as dt
from collections import defaultdict
from urllib.parse import quote

from dateutil.relativedelta import relativedelta
from sql import Null
from sql.aggregate import Count, Sum

from trytond.i18n import gettext
from trytond.model import Model
from trytond.modules.appliance_service.work_order import OPEN_STATES
from trytond.pool import Pool, PoolMeta
from trytond.pyson import PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import StateAction, Wizard

from .common import company_today, grouped, monday
from .region import region_orders_domain

# The days of the CSAT trend and the months of the heatmap
CSAT_DAYS = 30
HEATMAP_MONTHS = 12
TOP_FAULTS = 5
ALERTS = 10
# Seconds between two refreshes of the page
REFRESH = 60


class WallScreen(Model):
    "Wall screen"
    __name__ = 'appliance.analytics.wall'

    @classmethod
    def data(cls, company):
        "Return the figures of the wall screen of company"
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        # Compute the days changed since the last time first
        Daily.update()
        today = company_today(company.id)
        return {
            'company': company.rec_name,
            'date': today.isoformat(),
            'refresh': REFRESH,
            'open_orders': cls.open_orders(company),
            'sla': cls.sla(company),
            'csat': cls.csat(company, today),
            'heatmap': cls.heatmap(company, today),
            'parts': cls.parts_below_minimum(company),
            'top_faults': cls.top_faults(company, today),
            'alerts': cls.alerts(company),
            }

    @classmethod
    def open_orders(cls, company):
        "The open orders per state, counted live on the index of the states"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        order = WorkOrder.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*order.select(order.state, Count(),
                where=order.state.in_(OPEN_STATES)
                & (order.company == company.id),
                group_by=[order.state]))
        counts = dict(cursor)
        labels = dict(WorkOrder.fields_get(['state'])['state']['selection'])
        return [{'state': s, 'label': labels[s], 'count': counts.get(s, 0)}
            for s in OPEN_STATES]

    @classmethod
    def sla(cls, company):
        "The open orders at risk and past their deadline"
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        order = WorkOrder.__table__()
        status = WorkOrder._sla_status_column(order, WorkOrder._sla_now())
        cursor = Transaction().connection.cursor()
        cursor.execute(*grouped(order, status, Count(),
                where=order.state.in_(OPEN_STATES)
                & (order.company == company.id),
                group_by=[status]))
        counts = defaultdict(int, ((s, n) for s, n in cursor))
        return {
            'at_risk': counts['at_risk'],
            'breached': counts['breached'],
            'on_track': counts['on_track'],
            }

    @classmethod
    def csat(cls, company, today):
        "The daily CSAT (% of ratings from 4) of the last days"
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        daily = Daily.__table__()
        start = today - dt.timedelta(days=CSAT_DAYS - 1)
        cursor = Transaction().connection.cursor()
        cursor.execute(*daily.select(
                daily.date, Sum(daily.satisfied), Sum(daily.rated),
                where=(daily.company == company.id) & (daily.date >= start)
                & (daily.date <= today),
                group_by=[daily.date]))
        values = {_date(d): (s, r) for d, s, r in cursor}
        result = []
        for day in range(CSAT_DAYS):
            date = start + dt.timedelta(days=day)
            satisfied, rated = values.get(date, (0, 0))
            result.append({
                    'date': date.isoformat(),
                    'csat': (round(satisfied * 100 / rated, 1)
                        if rated else None),
                    'ratings': rated,
                    })
        return result

    @classmethod
    def heatmap(cls, company, today):
        """The repairs per 1,000 installed appliances per province and month
        of the last months, with the link to the orders of each cell"""
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        InstalledMonth = pool.get('appliance.analytics.installed.month')
        Subdivision = pool.get('country.subdivision')
        daily = Daily.__table__()
        installed = InstalledMonth.__table__()
        first = today.replace(day=1) - relativedelta(
            months=HEATMAP_MONTHS - 1)
        months = [first + relativedelta(months=i)
            for i in range(HEATMAP_MONTHS)]
        cursor = Transaction().connection.cursor()
        cursor.execute(*daily.select(
                daily.subdivision, daily.date, Sum(daily.repairs),
                where=(daily.company == company.id) & (daily.date >= first)
                & (daily.subdivision != Null) & (daily.repairs > 0),
                group_by=[daily.subdivision, daily.date]))
        repairs = defaultdict(int)
        for subdivision, date, count in cursor:
            repairs[subdivision, _date(date).replace(day=1)] += count
        cursor.execute(*installed.select(
                installed.subdivision, installed.month,
                Sum(installed.appliances),
                where=(installed.company == company.id)
                & (installed.subdivision != Null),
                group_by=[installed.subdivision, installed.month]))
        added = defaultdict(list)
        for subdivision, month, count in cursor:
            added[subdivision].append((_date(month), count))
        provinces = Subdivision.browse(sorted(added))
        cells = []
        for y, province in enumerate(provinces):
            for x, month in enumerate(months):
                base = sum(n for m, n in added[province.id] if m <= month)
                count = repairs.get((province.id, month), 0)
                end = min(month + relativedelta(months=1, days=-1), today)
                cells.append({
                        'x': x, 'y': y,
                        'repairs': count,
                        'installed': base,
                        'rate': (round(count * 1000 / base, 2)
                            if base else None),
                        'url': cls.orders_url(region_orders_domain(
                                company, month, end, province)),
                        })
        return {
            'months': [m.strftime('%Y-%m') for m in months],
            'provinces': [p.name for p in provinces],
            'cells': cells,
            }

    @classmethod
    def orders_url(cls, domain):
        "The fragment of the web client that opens the orders of domain"
        database = Transaction().database.name
        return '/#%s/model/appliance.work_order;domain=%s' % (
            quote(database), quote(PYSONEncoder().encode(domain)))

    @classmethod
    def parts_below_minimum(cls, company):
        "The parts below the minimum of their order point"
        return []

    @classmethod
    def top_faults(cls, company, today):
        "The faults repaired most this week"
        pool = Pool()
        Daily = pool.get('appliance.analytics.daily')
        FaultType = pool.get('appliance.fault.type')
        daily = Daily.__table__()
        cursor = Transaction().connection.cursor()
        repairs = Sum(daily.repairs)
        cursor.execute(*daily.select(daily.fault_type, repairs,
                where=(daily.company == company.id)
                & (daily.date >= monday(today)) & (daily.date <= today)
                & (daily.fault_type != Null),
                group_by=[daily.fault_type],
                having=repairs > 0,
                order_by=[repairs.desc, daily.fault_type.asc],
                limit=TOP_FAULTS))
        rows = cursor.fetchall()
        faults = {f.id: f for f in FaultType.browse([r[0] for r in rows])}
        return [{'fault': faults[f].name, 'repairs': n} for f, n in rows]

    @classmethod
    def alerts(cls, company):
        "The open batch-defect alerts"
        pool = Pool()
        Alert = pool.get('appliance.analytics.defect_alert')
        alerts = Alert.search([
                ('company', '=', company.id),
                ('state', '=', 'open'),
                ], limit=ALERTS)
        return [{
                'week': a.week.isoformat(),
                'model': a.product.rec_name,
                'province': a.subdivision.name,
                'part': a.part.rec_name if a.part else None,
                'observed': a.observed,
                'expected': a.expected,
                'p_value': a.p_value,
                } for a in alerts]

    @classmethod
    def labels(cls):
        "The texts of the page in the language of the context"
        names = ['title', 'open_orders', 'sla', 'at_risk', 'breached',
            'on_track', 'csat', 'heatmap', 'parts', 'part', 'warehouse',
            'quantity', 'minimum', 'top_faults', 'alerts', 'model',
            'province', 'observed', 'expected', 'updated', 'no_data',
            'repairs', 'installed', 'rate']
        return {n: gettext('appliance_analytics.msg_wall_' + n)
            for n in names}


class WallScreenParts(metaclass=PoolMeta):
    __name__ = 'appliance.analytics.wall'

    @classmethod
    def parts_below_minimum(cls, company):
        "The spare parts whose stock is below the minimum of an order point"
        pool = Pool()
        OrderPoint = pool.get('stock.order_point')
        Product = pool.get('product.product')
        points = OrderPoint.search([
                ('company', '=', company.id),
                ('min_quantity', '!=', None),
                ('product.template.spare_part', '=', True),
                ])
        per_location = defaultdict(list)
        for point in points:
            per_location[point.location].append(point)
        result = []
        for location, location_points in per_location.items():
            with Transaction().set_context(
                    locations=[location.id], with_childs=True,
                    company=company.id):
                products = Product.browse(
                    [p.product.id for p in location_points])
                quantities = {p.id: p.quantity for p in products}
            for point in location_points:
                quantity = quantities.get(point.product.id, 0)
                if quantity < point.min_quantity:
                    result.append({
                            'part': point.product.rec_name,
                            'warehouse': location.rec_name,
                            'quantity': quantity,
                            'minimum': point.min_quantity,
                            })
        result.sort(key=lambda r: r['quantity'] - r['minimum'])
        return result[:10]


class OpenWall(Wizard):
    "Open the wall screen"
    __name__ = 'appliance.analytics.wall.open'
    start_state = 'open_'
    open_ = StateAction('appliance_analytics.url_wall')

    def do_open_(self, action):
        action['url'] = page_url('wall')
        return action, {}


class OpenHeatmap(Wizard):
    "Open the fault heatmap"
    __name__ = 'appliance.analytics.heatmap.open'
    start_state = 'open_'
    open_ = StateAction('appliance_analytics.url_heatmap')

    def do_open_(self, action):
        action['url'] = page_url('heatmap')
        return action, {}


def page_url(name):
    "The path of a page of the module on the database"
    return '/%s/appliance/%s/' % (quote(Transaction().database.name), name)


def _date(value):
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The engineer's own pages in the staff API: the stock of their van, with
appliance_service_parts, and their scorecard over time beside the team
average, with appliance_service_hr.

The routes are registered with the others when the module is imported;
what they answer comes from appliance.portal.engineer, whose classes
registered under [register <module>] in tryton.cfg do the work when the
module is activated (without it: no van, and no scorecard, 404).  They run
as the signed-in engineer with the access rights and record rules: the van
of the user's employee and the scorecard rows of the user's own."""
import datetime as dt
from typing import List, Literal, Optional

from pydantic import Field

from trytond.model import Model
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .api import MODULE, ApiError, route
from .schema import Query, Reply

PERIODICITIES = ('monthly', 'quarterly')


class VanReservation(Reply):
    work_order: int
    number: Optional[str]
    quantity: float
    planned_date: Optional[dt.date]


class VanStockItem(Reply):
    product: int
    code: Optional[str]
    name: str
    quantity: float = Field(description="On hand in the van")
    reserved: float = Field(description="Reserved for work orders")
    available: float
    unit: str
    serials: List[str]
    reservations: List[VanReservation] = Field(
        description="The work orders the parts are reserved for")


class VanStock(Reply):
    van: Optional[str] = Field(description="The van's location, none when "
        "the engineer has no van")
    items: List[VanStockItem]


class ScorecardKPI(Reply):
    name: str
    label: str
    unit: Literal['percent', 'count', 'hours', 'amount', 'score']
    value: Optional[float] = Field(description="The engineer's value, none "
        "when it is not defined (e.g. no rating for the CSAT)")
    team_average: Optional[float] = Field(description="The mean of the "
        "values of the engineers of the company who worked in the period")


class ScorecardPeriod(Reply):
    period: str = Field(description="2026-11 or 2026-Q4")
    start: dt.date
    end: dt.date
    kpis: List[ScorecardKPI]


class Scorecard(Reply):
    engineer: str
    periodicity: Literal[PERIODICITIES]
    periods: List[ScorecardPeriod] = Field(description="The oldest first, "
        "up to the current period")


class ScorecardQuery(Query):
    period: Literal[PERIODICITIES] = Field('monthly',
        description="The length of the periods")
    count: int = Field(6, ge=1, le=24,
        description="How many periods, up to the current one")


class EngineerPages(Model):
    "Portal engineer pages"
    __name__ = 'appliance.portal.engineer'

    @classmethod
    def employee(cls, user):
        "The employee of user or raise 404"
        if not user.employee:
            raise ApiError('not_found', f'{MODULE}.msg_no_employee')
        return user.employee

    @classmethod
    def van_stock(cls, employee):
        "Return the VanStock of employee: without parts module, no van"
        return {'van': None, 'items': []}

    @classmethod
    def scorecard(cls, employee, periodicity, count):
        """Return the Scorecard of employee over count periods: without HR
        module there is none"""
        raise ApiError('not_found', f'{MODULE}.msg_no_scorecard')


class EngineerPagesParts(metaclass=PoolMeta):
    __name__ = 'appliance.portal.engineer'

    @classmethod
    def van_stock(cls, employee):
        pool = Pool()
        Move = pool.get('stock.move')
        WorkOrder = pool.get('appliance.work_order')
        van = employee.van
        if not van:
            return {'van': None, 'items': []}
        # The quantities are computed over the stock periods and moves,
        # which the engineer may not read; the van is the user's own
        with without_check_access():
            items = employee.get_van_stock()
        reservations = {}
        moves = Move.search([
                ('from_location', '=', van.id),
                ('state', '=', 'assigned'),
                ('origin', 'like', 'appliance.work_order,%'),
                ], order=[('planned_date', 'ASC NULLS LAST'), ('id', 'ASC')])
        # The numbers of the orders the van's parts are reserved for, even
        # one given to another engineer since
        with without_check_access():
            numbers = {o.id: o.number for o in WorkOrder.browse(
                    [m.origin.id for m in moves])}
        for move in moves:
            order = move.origin
            reservations.setdefault(move.product.id, []).append({
                    'work_order': order.id,
                    'number': numbers[order.id],
                    'quantity': move.product.default_uom.round(
                        move.internal_quantity),
                    'planned_date': move.planned_date,
                    })
        for item in items:
            item['reservations'] = reservations.get(item['product'], [])
        return {'van': van.rec_name, 'items': items}


class EngineerPagesHR(metaclass=PoolMeta):
    __name__ = 'appliance.portal.engineer'

    @classmethod
    def scorecard(cls, employee, periodicity, count):
        pool = Pool()
        Date = pool.get('ir.date')
        Trend = pool.get('appliance.engineer.scorecard.period')
        from trytond.modules.appliance_service_hr.appraisal import period_of
        from trytond.modules.appliance_service_hr.scorecard import (
            period_label, periods_between)
        today = Date.today()
        start, end = period_of(today, periodicity)
        for _ in range(count - 1):
            start, _ = period_of(start - dt.timedelta(days=1), periodicity)
        names = Trend.kpi_names()
        labels = Trend.fields_get(names)
        with Transaction().set_context(
                company=employee.company.id, periodicity=periodicity,
                from_date=start, to_date=end):
            periods = periods_between(start, end, periodicity)
            # The user's own rows, as the record rules let them read
            cards = {c.period_index: c for c in Trend.search([
                        ('engineer', '=', employee.id),
                        ])}
            # The team averages of the periods the engineer did not work
            teams = {}
            missing = [i for i in range(len(periods)) if i not in cards]
            if missing:
                with without_check_access():
                    for card in Trend.search([
                                ('period_index', 'in', missing),
                                ]):
                        teams.setdefault(card.period_index, {
                                n: getattr(card, 'team_' + n)
                                for n in names})
            result = []
            for index, (period_start, period_end) in enumerate(periods):
                card = cards.get(index)
                team = teams.get(index, {})
                kpis = []
                for name in names:
                    kpis.append({
                            'name': name,
                            'label': labels[name]['string'],
                            'unit': Trend.kpi_unit(name),
                            'value': getattr(card, name) if card else None,
                            'team_average': (getattr(card, 'team_' + name)
                                if card else team.get(name)),
                            })
                result.append({
                        'period': period_label(period_start, periodicity),
                        'start': period_start,
                        'end': period_end,
                        'kpis': kpis,
                        })
        return {
            'engineer': employee.party.name,
            'periodicity': periodicity,
            'periods': result,
            }


@route('staff/van-stock', 'GET', auth='staff', response=VanStock,
    tags=['Staff'], summary="The parts in my van and the work orders they "
    "are reserved for", errors=[401, 403, 404])
def staff_van_stock(call):
    "The van of the signed-in engineer, each part by code"
    Pages = call.pool.get('appliance.portal.engineer')
    return Pages.van_stock(Pages.employee(call.user))


@route('staff/scorecard', 'GET', auth='staff', response=Scorecard,
    query=ScorecardQuery, tags=['Staff'], summary="My scorecard per period "
    "beside the team average", errors=[401, 403, 404, 422])
def staff_scorecard(call):
    """The indicators of the signed-in engineer per month or quarter, the
    oldest first, with the team average of each: the same figures as the
    scorecards of the back office"""
    Pages = call.pool.get('appliance.portal.engineer')
    query = call.query
    return Pages.scorecard(
        Pages.employee(call.user), query.period, query.count)

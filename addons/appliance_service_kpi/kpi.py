# This file is part of the appliance_service_kpi module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""The formulas of the key performance indicators.

Each indicator is a numerator and a denominator: python-sql aggregates over
the facts of the work orders (the table of fact.WorkOrderFact, or its
materialised view).  Its value is numerator / denominator x scale, or the
numerator alone when there is no denominator.  doc/index.rst explains each
one; the appraisals, the scorecards, the analytics reports and the
dashboards all use these and no other formula."""
from dataclasses import dataclass
from typing import Callable, Optional

from sql import Null
from sql.aggregate import Sum
from sql.conditionals import Case


def count_if(condition):
    "The number of rows where condition holds"
    return Sum(Case((condition, 1), else_=0))


def sum_if(condition, value):
    "The sum of value over the rows where condition holds and value is set"
    return Sum(Case((condition & (value != Null), value), else_=0))


def count_set(condition, value):
    "The number of rows where condition holds and value is set"
    return count_if(condition & (value != Null))


@dataclass(frozen=True)
class KPI:
    "A key performance indicator over the facts of the work orders"
    name: str
    numerator: Callable
    denominator: Optional[Callable] = None
    # The value is numerator / denominator x scale
    scale: float = 1.
    # 'percent', 'count', 'hours', 'amount' or 'score'
    unit: str = 'count'
    # Whether a higher value is better, for the scores of appraisals
    higher_is_better: bool = True

    def columns(self, fact):
        "Return the numerator and the denominator (or None) over fact"
        return (self.numerator(fact),
            self.denominator(fact) if self.denominator else None)

    def value(self, numerator, denominator=None):
        "Return the value from the aggregated numerator and denominator"
        if numerator is None:
            numerator = 0
        if self.denominator is None:
            return float(numerator)
        if not denominator:
            return None
        return float(numerator) / float(denominator) * self.scale


def _done(f):
    return count_if(f.done)


def _repairs_done(f):
    return count_if(f.repair_done)


def _rated(f):
    return count_if(f.rated)


def _sla_decided(f):
    return count_if(f.sla_status.in_(['met', 'breached']))


def _sla_counted(f):
    return count_if(f.sla_status != Null)


def _rating_average(name):
    def numerator(f):
        return sum_if(f.rated, getattr(f, name))
    return numerator


def _sla_share(status):
    def numerator(f):
        return count_if(f.sla_status == status)
    return numerator


def _average_of(name, condition='done'):
    def numerator(f):
        return sum_if(getattr(f, condition), getattr(f, name))

    def denominator(f):
        return count_set(getattr(f, condition), getattr(f, name))
    return numerator, denominator


def _total_of(name, condition='done'):
    def numerator(f):
        return sum_if(getattr(f, condition), getattr(f, name))
    return numerator


KPIS = {k.name: k for k in [
        KPI('jobs_done', _done),
        KPI('csat', lambda f: count_if(f.satisfied), _rated,
            scale=100., unit='percent'),
        KPI('rating_overall', _rating_average('rating_overall'), _rated,
            unit='score'),
        KPI('rating_punctuality', _rating_average('rating_punctuality'),
            _rated, unit='score'),
        KPI('rating_attitude', _rating_average('rating_attitude'), _rated,
            unit='score'),
        KPI('rating_quality', _rating_average('rating_quality'), _rated,
            unit='score'),
        KPI('first_time_fix_rate', lambda f: count_if(f.first_time_fixed),
            _repairs_done, scale=100., unit='percent'),
        KPI('repeat_visit_rate', lambda f: count_if(f.revisited), _done,
            scale=100., unit='percent', higher_is_better=False),
        KPI('rework_rate_30', lambda f: count_if(f.reworked_30),
            _repairs_done, scale=100., unit='percent',
            higher_is_better=False),
        KPI('rework_rate_90', lambda f: count_if(f.reworked_90),
            _repairs_done, scale=100., unit='percent',
            higher_is_better=False),
        KPI('sla_compliance', _sla_share('met'), _sla_decided,
            scale=100., unit='percent'),
        KPI('sla_met_share', _sla_share('met'), _sla_counted,
            scale=100., unit='percent'),
        KPI('sla_breached_share', _sla_share('breached'), _sla_counted,
            scale=100., unit='percent', higher_is_better=False),
        KPI('sla_in_progress_share', _sla_share('in_progress'),
            _sla_counted, scale=100., unit='percent'),
        KPI('complaints', lambda f: Sum(f.complaints),
            higher_is_better=False),
        KPI('complaint_rate', lambda f: Sum(f.complaints), _done,
            scale=100., unit='percent', higher_is_better=False),
        KPI('response_time',
            lambda f: sum_if(f.response_hours >= 0, f.response_hours),
            lambda f: count_set(f.response_hours >= 0, f.response_hours),
            unit='hours', higher_is_better=False),
        KPI('time_to_repair', *_average_of('resolution_hours'),
            unit='hours', higher_is_better=False),
        KPI('repair_time', *_average_of('repair_hours'),
            unit='hours', higher_is_better=False),
        KPI('travel_hours', _total_of('travel_hours'), unit='hours',
            higher_is_better=False),
        KPI('labour_hours', _total_of('labour_hours'), unit='hours'),
        KPI('parts_value', _total_of('parts_value'), unit='amount',
            higher_is_better=False),
        KPI('cost', _total_of('cost'), unit='amount',
            higher_is_better=False),
        KPI('average_cost', *_average_of('cost'), unit='amount',
            higher_is_better=False),
        ]}

# The names of the indicators for the selection fields that refer to them
KPI_SELECTION = [
    ('jobs_done', "Jobs Done"),
    ('csat', "Customer Satisfaction (CSAT %)"),
    ('rating_overall', "Average Overall Rating"),
    ('rating_punctuality', "Average Punctuality Rating"),
    ('rating_attitude', "Average Attitude Rating"),
    ('rating_quality', "Average Quality Rating"),
    ('first_time_fix_rate', "First-Time Fix Rate (%)"),
    ('repeat_visit_rate', "Repeat-Visit Rate (%)"),
    ('rework_rate_30', "Rework Rate within 30 Days (%)"),
    ('rework_rate_90', "Rework Rate within 90 Days (%)"),
    ('sla_compliance', "SLA Compliance (%)"),
    ('sla_met_share', "SLA Met (%)"),
    ('sla_breached_share', "SLA Breached (%)"),
    ('sla_in_progress_share', "SLA in Progress (%)"),
    ('complaints', "Complaints"),
    ('complaint_rate', "Complaints per 100 Jobs"),
    ('response_time', "Average Response Time (h)"),
    ('time_to_repair', "Mean Time to Repair (h)"),
    ('repair_time', "Average Repair Time (h)"),
    ('travel_hours', "Travel Time (h)"),
    ('labour_hours', "Labour Hours"),
    ('parts_value', "Value of Parts Used"),
    ('cost', "Cost (Labour + Parts)"),
    ('average_cost', "Average Cost per Job"),
    ]
assert [n for n, _ in KPI_SELECTION] == list(KPIS)


def kpi_score(kpi, value, target):
    """Return the score from 0 to 100 of value against target.

    When higher is better, reaching target scores 100 and each share of it
    as much; when lower is better, target is the most tolerated: 0 scores
    100 and target or more scores 0.  Without value the score is None."""
    if value is None or not target:
        return None
    if KPIS[kpi].higher_is_better:
        score = value / target * 100.
    else:
        score = (1. - value / target) * 100.
    return max(0., min(100., score))

# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The batch-defect alert: a model, or a model and a part, whose repairs of
the last week in a province rise above their own baseline, adjusted for the
season of its category, by a Poisson test alert the Service Managers."""
import datetime as dt
from collections import defaultdict

from scipy import stats
from sql import Literal, Null
from sql.aggregate import Count, Sum

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.appliance_service.notification import (
    notify_users, users_in_group)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .common import company_today, monday
from .repair import installation_date, part_facts, repair_facts

# The chance of an alert on a week without any change, per series: the
# one-sided Poisson test rejects at this level
ALPHA = 0.001
# The weeks of the baseline before the week tested
BASELINE_WEEKS = 12
# No alert on fewer repairs than this in the week
MIN_REPAIRS = 3
# The expected repairs of a series without any in its baseline
MIN_EXPECTED = 0.1
# The repairs a week added to both sides of the seasonal factor of a
# category: shrinks the factors of small counts towards 1
SEASON_PRIOR = 5
STATES = [
    ('open', "Open"),
    ('acknowledged', "Acknowledged"),
    ('closed', "Closed"),
    ]


def poisson_test(observed, expected):
    """Return the p-value of observing at least observed repairs when
    expected are, and the upper control limit at ALPHA"""
    expected = max(expected, MIN_EXPECTED)
    p_value = float(stats.poisson.sf(observed - 1, expected))
    limit = int(stats.poisson.ppf(1 - ALPHA, expected))
    return p_value, limit


def fires(observed, expected):
    "Whether observed repairs against expected ones raise an alert"
    p_value, _ = poisson_test(observed, expected)
    return observed >= MIN_REPAIRS and p_value < ALPHA


def seasonal_factor(observed, baseline, growth=1):
    """The seasonal factor of a category from the repairs of its other
    models: observed this week against baseline in the BASELINE_WEEKS
    before, scaled by their installed-base growth; SEASON_PRIOR repairs are
    added to both sides and the factor is 1 without a baseline"""
    if baseline <= 0:
        return 1.
    expected = baseline / BASELINE_WEEKS * growth
    return (observed + SEASON_PRIOR) / (expected + SEASON_PRIOR)


class DefectAlert(Workflow, ModelSQL, ModelView):
    "Batch-defect alert"
    __name__ = 'appliance.analytics.defect_alert'
    _rec_name = 'evidence'

    _states = {'readonly': True}

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    week = fields.Date(
        "Week", required=True, states=_states,
        help="The Monday of the week tested.")
    product = fields.Many2One(
        'product.product', "Model", required=True, states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    subdivision = fields.Many2One(
        'country.subdivision', "Province", required=True, states=_states)
    part = fields.Many2One(
        'product.product', "Part", states=_states,
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="The part replaced, when the alert is about it.")
    observed = fields.Integer(
        "Repairs", required=True, states=_states,
        help="The repairs of the week.")
    expected = fields.Float(
        "Expected", digits=(16, 2), required=True, states=_states,
        help="The repairs expected from the baseline and the installed "
        "base.")
    upper_limit = fields.Integer(
        "Upper Control Limit", required=True, states=_states)
    baseline = fields.Integer(
        "Baseline Repairs", required=True, states=_states,
        help="The repairs of the weeks before.")
    installed = fields.Integer(
        "Installed Base", required=True, states=_states)
    weekly_rate = fields.Float(
        "Repairs per 1,000 per Week", digits=(16, 3), states=_states)
    p_value = fields.Float(
        "p-Value", required=True, states=_states,
        help="The chance of so many repairs when nothing changed.")
    evidence = fields.Text("Evidence", readonly=True)
    state = fields.Selection(
        STATES, "State", required=True, readonly=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('series_week_unique', Unique(t, t.company, t.week, t.product,
                    t.subdivision, t.part),
                'appliance_analytics.msg_defect_alert_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.state, Index.Equality(
                        cardinality='low')),
                where=t.state == 'open'))
        cls._order = [('week', 'DESC'), ('p_value', 'ASC'), ('id', 'DESC')]
        cls._transitions |= {
            ('open', 'acknowledged'),
            ('open', 'closed'),
            ('acknowledged', 'closed'),
            }
        cls._buttons.update({
                'acknowledge': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'close': {
                    'invisible': Eval('state') == 'closed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    def get_rec_name(self, name):
        names = [self.product.rec_name, self.subdivision.rec_name]
        if self.part:
            names.append(self.part.rec_name)
        return '%s %s' % (self.week, ' / '.join(names))

    @classmethod
    @ModelView.button
    @Workflow.transition('acknowledged')
    def acknowledge(cls, alerts):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, alerts):
        pass

    @classmethod
    def detect(cls, companies=None, week=None):
        """Test the last complete week of each company and alert the
        Service Managers about the series above their control limit"""
        pool = Pool()
        Company = pool.get('company.company')
        if companies is None:
            companies = Company.search([])
        alerts = []
        for company in companies:
            start = week or monday(company_today(company.id)) - dt.timedelta(
                weeks=1)
            alerts.extend(cls.detect_week(company, start))
        return alerts

    @classmethod
    def detect_week(cls, company, week):
        "Create and notify the alerts of company for the week of Monday week"
        candidates = cls._candidates(company, week)
        existing = {(a.product.id, a.subdivision.id,
                a.part.id if a.part else None)
            for a in cls.search([
                    ('company', '=', company.id),
                    ('week', '=', week),
                    ])}
        alerts, factors = [], []
        for values in candidates:
            values = values.copy()
            factor = values.pop('seasonal_factor', 1)
            if (values['product'], values['subdivision'], values['part']
                    ) in existing:
                continue
            alerts.append(cls(**values))
            factors.append(factor)
        for alert, factor in zip(alerts, factors):
            alert.company = company
            alert.week = week
            alert.evidence = alert.explain(seasonal_factor=factor)
        cls.save(alerts)
        if alerts:
            notify_users(
                users_in_group('appliance.group_manager'),
                'appliance_analytics.msg_defect_alert_notification',
                alerts, count=len(alerts),
                week=week.isoformat())
        return alerts

    @classmethod
    def _candidates(cls, company, week):
        "The values of the alerts of the series above their limit"
        since = week - dt.timedelta(weeks=BASELINE_WEEKS)
        end = week + dt.timedelta(days=6)
        installed = cls._installed(company, end)
        middle = cls._installed(
            company, since + dt.timedelta(weeks=BASELINE_WEEKS // 2))
        counts, categories = cls._weekly_counts(company, since, end)
        seasons = cls._seasonal_factors(
            week, counts, categories, installed, middle)
        result = []
        for key, weeks in counts.items():
            product, subdivision = key[:2]
            observed = weeks.get(week, 0)
            if observed < MIN_REPAIRS:
                continue
            baseline = sum(n for w, n in weeks.items() if w < week)
            base_now = installed.get((product, subdivision), 0)
            base_then = middle.get((product, subdivision), 0) or base_now
            factor = seasons.get(product, 1)
            expected = baseline / BASELINE_WEEKS * (
                base_now / base_then if base_then else 1) * factor
            if not fires(observed, expected):
                continue
            p_value, limit = poisson_test(observed, expected)
            result.append({
                    'product': product,
                    'subdivision': subdivision,
                    'part': key[2] if len(key) > 2 else None,
                    'observed': observed,
                    'expected': round(expected, 2),
                    'upper_limit': limit,
                    'baseline': baseline,
                    'installed': base_now,
                    'weekly_rate': (round(observed * 1000 / base_now, 3)
                        if base_now else None),
                    'p_value': p_value,
                    'seasonal_factor': factor,
                    })
        return result

    @classmethod
    def _seasonal_factors(cls, week, counts, categories, installed, middle):
        """The seasonal factor of each model: the repairs of the other
        models of its category, all provinces, in the week against their
        weekly mean in the baseline weeks scaled by their installed-base
        growth (see seasonal_factor)"""
        def total(values):
            result = defaultdict(int)
            for (product, _), n in values.items():
                result[product] += n
            return result
        observed, baseline = defaultdict(int), defaultdict(int)
        for key, weeks in counts.items():
            if len(key) > 2:
                continue
            for w, n in weeks.items():
                if w < week:
                    baseline[key[0]] += n
                else:
                    observed[key[0]] += n
        installed_now, installed_then = total(installed), total(middle)
        by_category = defaultdict(set)
        for product, category in categories.items():
            if category is not None:
                by_category[category].add(product)
        by_category = {c: (
                sum(observed[p] for p in ps),
                sum(baseline[p] for p in ps),
                sum(installed_now[p] for p in ps),
                sum(installed_then[p] or installed_now[p] for p in ps))
            for c, ps in by_category.items()}
        factors = {}
        for product, category in categories.items():
            if category is None:
                continue
            c_observed, c_baseline, c_now, c_then = by_category[category]
            others_then = c_then - (
                installed_then[product] or installed_now[product])
            others_now = c_now - installed_now[product]
            factors[product] = seasonal_factor(
                c_observed - observed[product],
                c_baseline - baseline[product],
                others_now / others_then if others_then > 0 else 1)
        return factors

    @classmethod
    def _weekly_counts(cls, company, since, end):
        """The repairs per (model, province) and per (model, province,
        part), per week from since to end, and the category of each model"""
        cursor = Transaction().connection.cursor()
        counts = defaultdict(lambda: defaultdict(int))
        categories = {}
        facts = repair_facts()
        cursor.execute(*facts.select(
                facts.product, facts.category, facts.subdivision, facts.date,
                Count(),
                where=(facts.company == company.id)
                & (facts.date >= since) & (facts.date <= end)
                & (facts.subdivision != Null),
                group_by=[facts.product, facts.category, facts.subdivision,
                    facts.date]))
        for product, category, subdivision, date, count in cursor:
            counts[product, subdivision][monday(_as_date(date))] += count
            categories[product] = category
        parts = part_facts()
        cursor.execute(*parts.select(
                parts.product, parts.subdivision, parts.part, parts.date,
                Count(parts.order, distinct=True),
                where=(parts.company == company.id)
                & (parts.date >= since) & (parts.date <= end)
                & (parts.subdivision != Null),
                group_by=[parts.product, parts.subdivision, parts.part,
                    parts.date]))
        for product, subdivision, part, date, count in cursor:
            counts[product, subdivision, part][
                monday(_as_date(date))] += count
        return counts, categories

    @classmethod
    def _installed(cls, company, date):
        "The appliances per (model, province) installed by date"
        pool = Pool()
        Appliance = pool.get('appliance.appliance')
        Address = pool.get('party.address')
        appliance = Appliance.__table__()
        address = Address.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*appliance
            .join(address,
                condition=appliance.installation_address == address.id)
            .select(appliance.product, address.subdivision,
                Sum(Literal(1)),
                where=(appliance.company == company.id)
                & (installation_date(appliance) <= date),
                group_by=[appliance.product, address.subdivision]))
        return {(p, s): n for p, s, n in cursor}

    def explain(self, seasonal_factor=1):
        """The evidence of the alert in words with the seasonal factor of its
        category"""
        variables = {
            'week': self.week.isoformat(),
            'model': self.product.rec_name,
            'province': self.subdivision.rec_name,
            'observed': self.observed,
            'expected': '%.2f' % self.expected,
            'weeks': BASELINE_WEEKS,
            'baseline': self.baseline,
            'installed': self.installed,
            'limit': self.upper_limit,
            'p_value': '%.2g' % self.p_value,
            'alpha': ALPHA,
            'factor': '%.2f' % seasonal_factor,
            }
        if self.part:
            return gettext(
                'appliance_analytics.msg_defect_alert_evidence_part',
                part=self.part.rec_name, **variables)
        return gettext(
            'appliance_analytics.msg_defect_alert_evidence', **variables)


def _as_date(value):
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value.date()
    return value

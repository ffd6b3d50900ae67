# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Failure curves: the Kaplan-Meier estimate of the probability of a first
repair against the age in months, per appliance model, over the installed
base; the models whose curve is worst against their category and their
expected repairs next quarter."""
from collections import defaultdict

from scipy import stats
from sql import Literal, Null, Window
from sql.aggregate import Max, Min, Sum
from sql.conditionals import Case, Coalesce, Greatest
from sql.functions import CurrentDate, Exp, Ln

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.appliance_service_kpi.materialised import (
    MaterialisableMixin)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .common import context_company, grouped, months_between
from .drill_down import DrillDownMixin
from .repair import installation_date, repair_facts

# The ages of the ranking: the first year and the first two years
HORIZONS = (12, 24)
# The months ahead of the projection
QUARTER = 3


class FailureAge(MaterialisableMixin, ModelSQL):
    """Appliances per model and age in months at their first repair, or at
    today when never repaired (censored)"""
    __name__ = 'appliance.analytics.failure.age'

    company = fields.Many2One('company.company', "Company")
    product = fields.Many2One(
        'product.product', "Model",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    category = fields.Many2One('appliance.category', "Category")
    age = fields.Integer("Age (Months)")
    appliances = fields.Integer("Appliances")
    events = fields.Integer("First Repairs")

    @classmethod
    def _table_query(cls):
        pool = Pool()
        Appliance = pool.get('appliance.appliance')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        appliance = Appliance.__table__()
        product = Product.__table__()
        template = Template.__table__()
        facts = repair_facts()
        first = facts.select(
            facts.appliance.as_('appliance'),
            Min(facts.date).as_('date'),
            group_by=[facts.appliance])
        start = installation_date(appliance)
        end = Coalesce(first.date, CurrentDate())
        age = Greatest(months_between(start, end), 0)
        event = Case((first.date != Null, 1), else_=0)
        query = (appliance
            .join(product, condition=appliance.product == product.id)
            .join(template, condition=product.template == template.id)
            .join(first, 'LEFT', condition=first.appliance == appliance.id))
        keys = [appliance.company, appliance.product,
            template.appliance_category, age]
        return grouped(query,
            Min(appliance.id).as_('id'),
            appliance.company.as_('company'),
            appliance.product.as_('product'),
            template.appliance_category.as_('category'),
            age.as_('age'),
            Sum(Literal(1)).as_('appliances'),
            Sum(event).as_('events'),
            where=(start != Null) & (start <= CurrentDate()),
            group_by=keys)


def kaplan_meier(source, keys):
    """The Kaplan-Meier estimate per keys and age over the appliances and
    first repairs of source per age

    Columns: the keys, age, at_risk, events, censored, survival."""
    grouped = source.select(
        *(getattr(source, k).as_(k) for k in keys),
        source.age.as_('age'),
        Sum(source.appliances).as_('appliances'),
        Sum(source.events).as_('events'),
        where=source.company == context_company(),
        group_by=[getattr(source, k) for k in keys] + [source.age])
    partition = [getattr(grouped, k) for k in keys]
    # At risk at an age: the appliances followed at least that long
    at_risk = Sum(grouped.appliances, window=Window(
            partition, order_by=[grouped.age.desc], frame='ROWS',
            start=None, end=0))
    risks = grouped.select(
        *partition, grouped.age, grouped.events,
        (grouped.appliances - grouped.events).as_('censored'),
        at_risk.as_('at_risk'))
    hazard = Case((risks.at_risk > 0,
            risks.events * Literal(1.0) / risks.at_risk), else_=0)
    partition = [getattr(risks, k) for k in keys]
    cumulative = Window(partition, order_by=[risks.age], frame='ROWS',
        start=None, end=0)
    # The product of (1 - hazard) as the exponential of a sum of logarithms;
    # all appliances failing at an age ends the curve at zero
    log_survival = Sum(Ln(Case((hazard < 1, Literal(1) - hazard), else_=1)),
        window=cumulative)
    ended = Max(Case((hazard >= 1, 1), else_=0), window=cumulative)
    curve = risks.select(
        *partition, risks.age, risks.at_risk, risks.events, risks.censored,
        log_survival.as_('log_survival'), ended.as_('ended'))
    survival = Case((curve.ended > 0, 0.0), else_=Exp(curve.log_survival))
    return curve.select(
        *(getattr(curve, k).as_(k) for k in keys),
        curve.age.as_('age'),
        curve.at_risk.as_('at_risk'),
        curve.events.as_('events'),
        curve.censored.as_('censored'),
        survival.as_('survival'))


class FailureContext(ModelView):
    "Failure curve context"
    __name__ = 'appliance.analytics.failure.context'

    company = fields.Many2One('company.company', "Company", required=True)
    category = fields.Many2One('appliance.category', "Category")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')


class FailureCurve(DrillDownMixin, ModelSQL, ModelView):
    "Failure curve"
    __name__ = 'appliance.analytics.failure.curve'

    company = fields.Many2One('company.company', "Company")
    product = fields.Many2One(
        'product.product', "Model",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    category = fields.Many2One('appliance.category', "Category")
    age = fields.Integer("Age (Months)")
    at_risk = fields.Integer(
        "At Risk", help="The appliances followed at least this long.")
    events = fields.Integer(
        "First Repairs", help="The first repairs at this age.")
    censored = fields.Integer(
        "Censored", help="The appliances never repaired that are this old.")
    survival = fields.Float(
        "Survival", digits=(16, 4),
        help="The probability of no repair until the end of this age.")
    failure = fields.Float(
        "Failure Probability", digits=(16, 4),
        help="The probability of a first repair by the end of this age.")
    category_failure = fields.Float(
        "Category Failure Probability", digits=(16, 4),
        help="The same probability over every model of the category.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('product', 'ASC'), ('age', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        source = pool.get('appliance.analytics.failure.age').__table__()
        models = kaplan_meier(source, ['product', 'category'])
        categories = kaplan_meier(source, ['category'])
        where = Literal(True)
        category = Transaction().context.get('category')
        if category:
            where &= models.category == category
        query = models.join(categories, 'LEFT',
            condition=(categories.category == models.category)
            & (categories.age == models.age))
        return query.select(
            (models.product * 1000 + models.age).as_('id'),
            cls.company.sql_cast(Literal(context_company())).as_('company'),
            models.product.as_('product'),
            models.category.as_('category'),
            models.age.as_('age'),
            # SUM of integers is a NUMERIC on PostgreSQL
            cls.at_risk.sql_cast(models.at_risk).as_('at_risk'),
            cls.events.sql_cast(models.events).as_('events'),
            cls.censored.sql_cast(models.censored).as_('censored'),
            models.survival.as_('survival'),
            (Literal(1) - models.survival).as_('failure'),
            (Literal(1) - categories.survival).as_('category_failure'),
            where=where)

    def get_rec_name(self, name):
        return '%s %s' % (self.product.rec_name, self.age)

    def work_order_domain(self):
        return model_repairs_domain(self.company, self.product)


def model_repairs_domain(company, product):
    "The repairs done of the appliances of the model"
    return [
        ('company', '=', company.id),
        ('kind', '=', 'repair'),
        ('state', '=', 'done'),
        ('appliance.product', '=', product.id),
        ]


class FailureRanking(DrillDownMixin, ModelSQL, ModelView):
    "Failure ranking"
    __name__ = 'appliance.analytics.failure.ranking'

    company = fields.Many2One('company.company', "Company")
    product = fields.Many2One(
        'product.product', "Model",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    category = fields.Many2One('appliance.category', "Category")
    appliances = fields.Integer("Appliances")
    repaired = fields.Integer(
        "Repaired", help="The appliances repaired at least once.")
    failure_12 = fields.Float(
        "First-Year Failure", digits=(16, 4),
        help="The probability of a first repair in the first 12 months.")
    category_failure_12 = fields.Float(
        "Category First-Year Failure", digits=(16, 4))
    failure_24 = fields.Float(
        "Two-Year Failure", digits=(16, 4),
        help="The probability of a first repair in the first 24 months.")
    category_failure_24 = fields.Float(
        "Category Two-Year Failure", digits=(16, 4))
    excess_12 = fields.Float(
        "Excess on Category", digits=(16, 4),
        help="The first-year failure minus that of the category: the "
        "models are ranked on it, worst first.")
    logrank_p = fields.Function(fields.Float(
            "Log-Rank p-Value", digits=(16, 4),
            help="The chance of a difference this large between the curve "
            "of the model and those of the other models of the category "
            "when they fail alike."),
        'get_statistics')
    expected_first_repairs = fields.Function(fields.Float(
            "Expected First Repairs", digits=(16, 1),
            help="The first repairs expected next quarter among the "
            "appliances never repaired, from the curve of the model."),
        'get_statistics')
    expected_repairs = fields.Function(fields.Float(
            "Expected Repairs", digits=(16, 1),
            help="The expected first repairs times the repairs per first "
            "repair of the model so far."),
        'get_statistics')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('excess_12', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        source = pool.get('appliance.analytics.failure.age').__table__()
        models = kaplan_meier(source, ['product', 'category'])
        categories = kaplan_meier(source, ['category'])

        def failure(curve, horizon):
            # The survival is not increasing: its minimum on the ages of
            # the horizon is its value at its end
            return Literal(1) - Min(Case(
                    (curve.age < horizon, curve.survival), else_=1.0))
        per_category = categories.select(
            categories.category.as_('category'),
            *(failure(categories, h).as_('failure_%s' % h)
                for h in HORIZONS),
            group_by=[categories.category])
        per_model = models.select(
            models.product.as_('product'),
            models.category.as_('category'),
            Sum(models.events + models.censored).as_('appliances'),
            Sum(models.events).as_('repaired'),
            *(failure(models, h).as_('failure_%s' % h) for h in HORIZONS),
            group_by=[models.product, models.category])
        where = Literal(True)
        category = Transaction().context.get('category')
        if category:
            where &= per_model.category == category
        query = per_model.join(per_category, 'LEFT',
            condition=per_category.category == per_model.category)
        return query.select(
            per_model.product.as_('id'),
            cls.company.sql_cast(Literal(context_company())).as_('company'),
            per_model.product.as_('product'),
            per_model.category.as_('category'),
            cls.appliances.sql_cast(per_model.appliances).as_('appliances'),
            cls.repaired.sql_cast(per_model.repaired).as_('repaired'),
            per_model.failure_12.as_('failure_12'),
            per_category.failure_12.as_('category_failure_12'),
            per_model.failure_24.as_('failure_24'),
            per_category.failure_24.as_('category_failure_24'),
            (per_model.failure_12 - per_category.failure_12).as_(
                'excess_12'),
            where=where)

    @classmethod
    def get_statistics(cls, rankings, names):
        pool = Pool()
        Curve = pool.get('appliance.analytics.failure.curve')
        FaultMonth = pool.get('appliance.analytics.fault.month')
        result = {n: {r.id: None for r in rankings} for n in names}
        products = [r.product.id for r in rankings]
        categories = {r.category.id for r in rankings if r.category}
        with Transaction().set_context(category=None):
            curves = Curve.search([
                    ('category', 'in', list(categories)),
                    ], order=[('product', 'ASC'), ('age', 'ASC')])
        per_model = defaultdict(list)
        for point in curves:
            per_model[point.product.id].append(point)
        fault_month = FaultMonth.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*fault_month.select(
                fault_month.product, Sum(fault_month.repairs),
                where=(fault_month.company == context_company())
                & fault_month.product.in_(products),
                group_by=[fault_month.product]))
        # SUM of integers is a NUMERIC on PostgreSQL
        repairs = defaultdict(int, ((p, int(n)) for p, n in cursor))
        for ranking in rankings:
            points = per_model.get(ranking.product.id, [])
            others = [p for p in curves
                if p.category == ranking.category
                and p.product != ranking.product]
            if 'logrank_p' in names:
                result['logrank_p'][ranking.id] = logrank_p(points, others)
            first = expected_first_repairs(points)
            if 'expected_first_repairs' in names:
                result['expected_first_repairs'][ranking.id] = first
            if 'expected_repairs' in names:
                factor = (repairs[ranking.product.id] / ranking.repaired
                    if ranking.repaired else 1)
                result['expected_repairs'][ranking.id] = first * factor
        return result

    def get_rec_name(self, name):
        return self.product.rec_name

    def work_order_domain(self):
        return model_repairs_domain(self.company, self.product)


def survival_at(points, age):
    "The survival of the curve points (sorted by age) at the end of age"
    value = 1.0
    for point in points:
        if point.age > age:
            break
        value = point.survival
    return value


def expected_first_repairs(points):
    """The first repairs expected in the next quarter among the appliances
    never repaired: each of age a fails before a + 3 months with the chance
    1 - S(a + 3) / S(a)"""
    expected = 0.
    for point in points:
        if not point.censored:
            continue
        now = survival_at(points, point.age)
        if now <= 0:
            continue
        later = survival_at(points, point.age + QUARTER)
        expected += point.censored * (1 - later / now)
    return expected


def logrank_p(points, others):
    """The p-value of the log-rank test of the curve points of a model
    against the points of the other models of its category"""
    def counts(rows):
        ends, events = defaultdict(int), defaultdict(int)
        for point in rows:
            ends[point.age] += point.events + point.censored
            events[point.age] += point.events
        return ends, events
    ends1, events1 = counts(points)
    ends2, events2 = counts(others)
    # At risk at an age: the appliances followed at least that long
    n1, n2 = sum(ends1.values()), sum(ends2.values())
    observed = expected = variance = 0.
    for age in sorted(set(ends1) | set(ends2)):
        d1, d2 = events1[age], events2[age]
        n, d = n1 + n2, d1 + d2
        if n >= 2 and d:
            observed += d1
            expected += d * n1 / n
            variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
        n1 -= ends1[age]
        n2 -= ends2[age]
    if not variance:
        return None
    return float(stats.chi2.sf((observed - expected) ** 2 / variance, 1))

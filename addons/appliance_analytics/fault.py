# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The fault distribution: repairs per fault type, category, brand, model,
part replaced or cause over whole months."""
from sql import Literal, Null, Window
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.appliance_service_kpi.materialised import (
    MaterialisableMixin)
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .common import (
    ContextMixin, context_company, context_dates, first_of_month, grouped,
    month_start)
from .drill_down import DrillDownMixin, fault_type_domain, repairs_done_domain
from .repair import count_all, part_facts, repair_facts
from .work_order import CAUSES

DIMENSIONS = [
    ('fault_type', "Fault Type"),
    ('category', "Category"),
    ('brand', "Brand"),
    ('product', "Model"),
    ('part', "Part Replaced"),
    ('cause', "Cause"),
    ]


class FaultMonth(MaterialisableMixin, ModelSQL):
    "Repairs per month, model, fault type and cause"
    __name__ = 'appliance.analytics.fault.month'

    company = fields.Many2One('company.company', "Company")
    month = fields.Date("Month")
    product = fields.Many2One(
        'product.product', "Model",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    category = fields.Many2One('appliance.category', "Category")
    brand = fields.Many2One('appliance.brand', "Brand")
    fault_type = fields.Many2One('appliance.fault.type', "Fault Type")
    cause = fields.Selection(CAUSES, "Cause")
    repairs = fields.Integer("Repairs")

    @classmethod
    def _table_query(cls):
        facts = repair_facts()
        month = month_start(facts.date)
        keys = [facts.company, month, facts.product, facts.category,
            facts.brand, facts.fault_type, facts.cause]
        return grouped(facts,
            Min(facts.id).as_('id'),
            facts.company.as_('company'),
            month.as_('month'),
            facts.product.as_('product'),
            facts.category.as_('category'),
            facts.brand.as_('brand'),
            facts.fault_type.as_('fault_type'),
            facts.cause.as_('cause'),
            count_all().as_('repairs'),
            group_by=keys)


class PartMonth(MaterialisableMixin, ModelSQL):
    "Parts used per month and model"
    __name__ = 'appliance.analytics.part.month'

    company = fields.Many2One('company.company', "Company")
    month = fields.Date("Month")
    product = fields.Many2One(
        'product.product', "Model",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    category = fields.Many2One('appliance.category', "Category")
    brand = fields.Many2One('appliance.brand', "Brand")
    part = fields.Many2One(
        'product.product', "Part",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    quantity = fields.Float("Quantity")
    repairs = fields.Integer("Repairs")

    @classmethod
    def _table_query(cls):
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        product = Product.__table__()
        template = Template.__table__()
        parts = part_facts()
        month = month_start(parts.date)
        query = (parts
            .join(product, condition=parts.product == product.id)
            .join(template, condition=product.template == template.id))
        return grouped(query,
            Min(parts.id).as_('id'),
            parts.company.as_('company'),
            month.as_('month'),
            parts.product.as_('product'),
            parts.category.as_('category'),
            template.appliance_brand.as_('brand'),
            parts.part.as_('part'),
            Sum(parts.quantity).as_('quantity'),
            Count(parts.order, distinct=True).as_('repairs'),
            group_by=[parts.company, month, parts.product, parts.category,
                template.appliance_brand, parts.part])


class FaultContext(ContextMixin):
    "Fault distribution context"
    __name__ = 'appliance.analytics.fault.context'

    group_by = fields.Selection(DIMENSIONS, "Group By", required=True)
    category = fields.Many2One('appliance.category', "Category")

    @classmethod
    def default_group_by(cls):
        return Transaction().context.get('group_by', 'fault_type')


class FaultDistribution(DrillDownMixin, ModelSQL, ModelView):
    "Fault distribution"
    __name__ = 'appliance.analytics.fault'

    company = fields.Many2One('company.company', "Company")
    dimension = fields.Selection(DIMENSIONS, "Dimension")
    fault_type = fields.Many2One('appliance.fault.type', "Fault Type")
    category = fields.Many2One('appliance.category', "Category")
    brand = fields.Many2One('appliance.brand', "Brand")
    product = fields.Many2One(
        'product.product', "Model",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    part = fields.Many2One(
        'product.product', "Part Replaced",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    cause = fields.Selection(CAUSES, "Cause")
    label = fields.Function(fields.Char("Name"), 'get_label')
    repairs = fields.Integer(
        "Repairs", help="The done repairs in the months of the period.")
    share = fields.Float(
        "Share", digits=(16, 4),
        help="The part of the repairs of the period.")
    quantity = fields.Float(
        "Quantity", digits=(16, 2),
        states={
            'invisible': Eval('dimension') != 'part',
            },
        help="The quantity of the part replaced.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('repairs', 'DESC'), ('id', 'ASC')]

    @classmethod
    def _dimension(cls):
        return Transaction().context.get('group_by') or 'fault_type'

    @classmethod
    def table_query(cls):
        pool = Pool()
        dimension = cls._dimension()
        if dimension == 'part':
            source = pool.get('appliance.analytics.part.month').__table__()
        else:
            source = pool.get('appliance.analytics.fault.month').__table__()
        from_date, to_date = context_dates()
        where = source.company == context_company()
        if from_date:
            where &= source.month >= first_of_month(from_date)
        if to_date:
            where &= source.month <= to_date
        category = Transaction().context.get('category')
        if category:
            where &= source.category == category
        key = getattr(source, dimension)
        where &= key != Null
        if dimension == 'cause':
            values = [v for v, _ in CAUSES if v]
            row_id = Case(*((key == v, i + 1) for i, v in enumerate(values)))
        else:
            row_id = key
        repairs = Sum(source.repairs)
        total = Sum(repairs, window=Window([]))
        columns = [
            Min(row_id).as_('id'),
            source.company.as_('company'),
            cls.dimension.sql_cast(Literal(dimension)).as_('dimension'),
            # SUM of integers is a NUMERIC on PostgreSQL
            cls.repairs.sql_cast(repairs).as_('repairs'),
            (cls.share.sql_cast(repairs) / total).as_('share'),
            ]
        for name, _ in DIMENSIONS:
            field = getattr(cls, name)
            column = key if name == dimension else field.sql_cast(Null)
            columns.append(column.as_(name))
        if dimension == 'part':
            columns.append(Sum(source.quantity).as_('quantity'))
        else:
            columns.append(cls.quantity.sql_cast(Null).as_('quantity'))
        return source.select(*columns,
            where=where,
            group_by=[source.company, key])

    @classmethod
    def get_label(cls, rows, name):
        names = {}
        selection = dict(cls.fields_get(['cause'])['cause']['selection'])
        for row in rows:
            dimension = row.dimension
            if dimension == 'cause':
                names[row.id] = selection.get(row.cause, row.cause)
            else:
                value = getattr(row, dimension)
                names[row.id] = value.rec_name if value else ''
        return names

    def get_rec_name(self, name):
        return self.label

    def work_order_domain(self):
        from_date, to_date = context_dates()
        domain = repairs_done_domain(
            self.company, from_date and first_of_month(from_date), to_date)
        value = getattr(self, self.dimension)
        value = value.id if hasattr(value, 'id') else value
        if self.dimension == 'fault_type':
            domain.append(fault_type_domain(value))
        elif self.dimension == 'category':
            domain.append(
                ('appliance.product.template.appliance_category', '=', value))
        elif self.dimension == 'brand':
            domain.append(
                ('appliance.product.template.appliance_brand', '=', value))
        elif self.dimension == 'product':
            domain.append(('appliance.product', '=', value))
        elif self.dimension == 'part':
            domain.append(('parts.product', '=', value))
        elif self.dimension == 'cause':
            domain.append(('cause', '=', value))
        category = Transaction().context.get('category')
        if category:
            domain.append(
                ('appliance.product.template.appliance_category', '=',
                    category))
        return domain

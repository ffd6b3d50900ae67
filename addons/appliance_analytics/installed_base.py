# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from sql import Literal, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction


class InstalledBase(ModelSQL, ModelView):
    "Installed base per category and province"
    __name__ = 'appliance.analytics.installed_base'

    category = fields.Many2One('appliance.category', "Category")
    subdivision = fields.Many2One('country.subdivision', "Province")
    appliances = fields.Integer("Appliances")
    in_warranty = fields.Integer("In Warranty")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('appliances', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Appliance = pool.get('appliance.appliance')
        Coverage = pool.get('appliance.warranty.coverage')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Address = pool.get('party.address')
        Date = pool.get('ir.date')
        context = Transaction().context
        appliance = Appliance.__table__()
        coverage = Coverage.__table__()
        product = Product.__table__()
        template = Template.__table__()
        address = Address.__table__()
        today = context.get('date') or Date.today()

        covered = coverage.select(
            coverage.appliance,
            where=(coverage.kind == 'unit')
            & (coverage.start_date <= today)
            & (coverage.end_date >= today),
            group_by=[coverage.appliance])
        query = (appliance
            .join(product, condition=appliance.product == product.id)
            .join(template, condition=product.template == template.id)
            .join(address, 'LEFT',
                condition=appliance.installation_address == address.id)
            .join(covered, 'LEFT',
                condition=covered.appliance == appliance.id))
        where = Literal(True)
        if context.get('company'):
            where &= appliance.company == context['company']
        # A stable id built from both keys so the client can open rows
        row_id = (template.appliance_category * 1000000
            + Case((address.subdivision == Null, 0),
                else_=address.subdivision))
        return query.select(
            Min(row_id).as_('id'),
            template.appliance_category.as_('category'),
            address.subdivision.as_('subdivision'),
            Count(appliance.id).as_('appliances'),
            Sum(Case((covered.appliance != Null, 1), else_=0)).as_(
                'in_warranty'),
            where=where,
            group_by=[template.appliance_category, address.subdivision])


class InstalledBaseContext(ModelView):
    __name__ = 'appliance.analytics.installed_base.context'

    date = fields.Date("Date")

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

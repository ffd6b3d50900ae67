# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The installed base per category and province: the appliances, counted
in a query that reads no context (materialised on PostgreSQL), and those in
warranty on the date of the context, counted live over the coverages of
that date."""
from sql import Literal
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Coalesce, NullIf

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.appliance_service_kpi.materialised import (
    MaterialisableMixin)
from trytond.pool import Pool
from trytond.transaction import Transaction

from .common import grouped


def installed_base_query(appliance):
    "The appliance joined to its category and installation address"
    pool = Pool()
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    Address = pool.get('party.address')
    product = Product.__table__()
    template = Template.__table__()
    address = Address.__table__()
    query = (appliance
        .join(product, condition=appliance.product == product.id)
        .join(template, condition=product.template == template.id)
        .join(address, 'LEFT',
            condition=appliance.installation_address == address.id))
    return query, template, address


class InstalledBaseGroup(MaterialisableMixin, ModelSQL):
    "Appliances per company, category and province"
    __name__ = 'appliance.analytics.installed_base.group'

    company = fields.Many2One('company.company', "Company")
    category = fields.Many2One('appliance.category', "Category")
    subdivision = fields.Many2One('country.subdivision', "Province")
    appliances = fields.Integer("Appliances")

    @classmethod
    def _table_query(cls):
        pool = Pool()
        Appliance = pool.get('appliance.appliance')
        appliance = Appliance.__table__()
        query, template, address = installed_base_query(appliance)
        keys = [appliance.company, template.appliance_category,
            address.subdivision]
        return grouped(query,
            Min(appliance.id).as_('id'),
            appliance.company.as_('company'),
            template.appliance_category.as_('category'),
            address.subdivision.as_('subdivision'),
            Count(appliance.id).as_('appliances'),
            group_by=keys)


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
        Group = pool.get('appliance.analytics.installed_base.group')
        Date = pool.get('ir.date')
        context = Transaction().context
        appliance = Appliance.__table__()
        coverage = Coverage.__table__()
        group = Group.__table__()
        today = context.get('date') or Date.today()
        company = context.get('company')

        # The appliances in warranty on the date, live: only the coverages
        # of that date are read
        covered = coverage.select(
            coverage.appliance,
            where=(coverage.kind == 'unit')
            & (coverage.start_date <= today)
            & (coverage.end_date >= today),
            group_by=[coverage.appliance])
        query, template, address = installed_base_query(appliance)
        where = Literal(True)
        if company:
            where &= appliance.company == company
        # The keys never null so that the join is on equalities
        warranty_keys = [Coalesce(template.appliance_category, 0),
            Coalesce(address.subdivision, 0)]
        in_warranty = grouped(
            query.join(covered, condition=covered.appliance == appliance.id),
            warranty_keys[0].as_('category'),
            warranty_keys[1].as_('subdivision'),
            Count(appliance.id).as_('in_warranty'),
            where=where,
            group_by=warranty_keys)

        where = Literal(True)
        if company:
            where &= group.company == company
        keys = [Coalesce(group.category, 0), Coalesce(group.subdivision, 0)]
        appliances = grouped(group,
            keys[0].as_('category'),
            keys[1].as_('subdivision'),
            Sum(group.appliances).as_('appliances'),
            where=where,
            group_by=keys)
        query = appliances.join(in_warranty, 'LEFT',
            condition=(in_warranty.category == appliances.category)
            & (in_warranty.subdivision == appliances.subdivision))
        # A stable id built from both keys so the client can open rows
        return query.select(
            (appliances.category * 1000000 + appliances.subdivision).as_(
                'id'),
            cls.category.sql_cast(
                NullIf(appliances.category, 0)).as_('category'),
            cls.subdivision.sql_cast(
                NullIf(appliances.subdivision, 0)).as_('subdivision'),
            # SUM of integers is a NUMERIC on PostgreSQL
            cls.appliances.sql_cast(appliances.appliances).as_('appliances'),
            cls.in_warranty.sql_cast(
                Coalesce(in_warranty.in_warranty, 0)).as_('in_warranty'))


class InstalledBaseContext(ModelView):
    __name__ = 'appliance.analytics.installed_base.context'

    date = fields.Date("Date")

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

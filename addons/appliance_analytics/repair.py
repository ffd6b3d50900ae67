# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The repairs the fault reports count: one row per done repair order with
the appliance model, category, brand, fault, cause and place.

None of these queries reads the context, so that the reports built on them
can be materialised on PostgreSQL; the period and company filters are
applied on top by the reports."""
from sql import Null
from sql.aggregate import Count
from sql.conditionals import Coalesce

from trytond.pool import Pool

from .common import local_date


def repair_facts():
    """The done repairs

    Columns: id (the work order), company, appliance, date (the local day
    of completion), done_at, product (the appliance model), category, brand,
    fault_type (the actual fault, else the reported one), cause,
    subdivision and city (of the installation address, else of the visit).
    """
    pool = Pool()
    WorkOrder = pool.get('appliance.work_order')
    Appliance = pool.get('appliance.appliance')
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    Address = pool.get('party.address')
    Company = pool.get('company.company')
    order = WorkOrder.__table__()
    appliance = Appliance.__table__()
    product = Product.__table__()
    template = Template.__table__()
    address = Address.__table__()
    company = Company.__table__()

    query = (order
        .join(company, condition=order.company == company.id)
        .join(appliance, condition=order.appliance == appliance.id)
        .join(product, condition=appliance.product == product.id)
        .join(template, condition=product.template == template.id)
        .join(address, 'LEFT',
            condition=address.id == Coalesce(
                appliance.installation_address, order.address)))
    return query.select(
        order.id.as_('id'),
        order.company.as_('company'),
        order.appliance.as_('appliance'),
        local_date(order.done_at, company.timezone).as_('date'),
        order.done_at.as_('done_at'),
        appliance.product.as_('product'),
        template.appliance_category.as_('category'),
        template.appliance_brand.as_('brand'),
        Coalesce(order.actual_fault_type, order.fault_type).as_('fault_type'),
        order.cause.as_('cause'),
        address.subdivision.as_('subdivision'),
        address.city.as_('city'),
        where=(order.kind == 'repair')
        & (order.state == 'done')
        & (order.done_at != Null))


def part_facts():
    """The parts used by the done repairs: one row per part line

    Columns: id (the part line), order, company, date, product (the
    appliance model), category, subdivision, part and quantity."""
    pool = Pool()
    Part = pool.get('appliance.work_order.part')
    facts = repair_facts()
    line = Part.__table__()
    query = facts.join(line, condition=line.work_order == facts.id)
    return query.select(
        line.id.as_('id'),
        facts.id.as_('order'),
        facts.company.as_('company'),
        facts.date.as_('date'),
        facts.product.as_('product'),
        facts.category.as_('category'),
        facts.subdivision.as_('subdivision'),
        line.product.as_('part'),
        line.quantity.as_('quantity'))


def installation_date(appliance):
    """The day an appliance joined the installed base: its installation,
    else its sale, else its registration"""
    return Coalesce(
        appliance.installation_date, appliance.sale_date,
        appliance.production_date)


def count_all():
    return Count()

# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
"Helpers of the spare parts scenarios"
import datetime as dt
from decimal import Decimal

from proteus import Model
from proteus.config import get_config


def create_part_category(name, code, parent=None, config=None):
    Category = Model.get('product.category', config=config)
    category = Category(name=name, code=code, parent=parent)
    category.part_category = True
    category.save()
    return category


def create_part(name, category, cost_price, serialised=False,
        account_category=None, models=(), config=None):
    "Create a purchasable spare part and return its variant"
    Template = Model.get('product.template', config=config)
    Uom = Model.get('product.uom', config=config)
    unit, = Uom.find([('name', '=', "Unit")])
    template = Template(name=name, default_uom=unit, type='goods')
    template.spare_part = True
    template.part_category = category
    template.serialised = serialised
    template.purchasable = True
    template.purchase_uom = unit
    template.list_price = cost_price * 2
    template.account_category = account_category
    for model in models:
        template.compatible_models.append(Template(model.id))
    template.save()
    product, = template.products
    product.cost_price = cost_price
    product.save()
    return product


def add_supplier(product, supplier, price, lead_days=None, currency=None,
        config=None):
    ProductSupplier = Model.get('purchase.product_supplier', config=config)
    product_supplier = ProductSupplier(
        template=product.template, product=product, party=supplier)
    if lead_days is not None:
        product_supplier.lead_time = dt.timedelta(days=lead_days)
    if currency:
        product_supplier.currency = currency
    price_line = product_supplier.prices.new()
    price_line.quantity = 0
    price_line.unit_price = price
    product_supplier.save()
    return product_supplier


def create_regional_warehouse(name, code, config=None):
    "Duplicate the default warehouse under another name"
    Location = Model.get('stock.location', config=config)
    warehouse, = Location.find([('code', '=', 'WH')])
    regional, = warehouse.duplicate(default={'name': name, 'code': code})
    return regional


def create_engineer(name, warehouse, company, config=None):
    Party = Model.get('party.party', config=config)
    Employee = Model.get('company.employee', config=config)
    party = Party(name=name)
    party.save()
    employee = Employee(party=party, company=company)
    employee.service_engineer = True
    employee.parts_warehouse = warehouse
    employee.save()
    return employee


def _move(product, from_location, to_location, quantity, date, lot=None,
        unit_price=None, config=None):
    Move = Model.get('stock.move', config=config)
    move = Move(product=product, from_location=from_location,
        to_location=to_location, quantity=quantity,
        unit=product.default_uom)
    move.effective_date = date or dt.date.today()
    move.planned_date = move.effective_date
    if lot:
        move.lot = lot
    if move.unit_price_required:
        move.unit_price = unit_price or product.cost_price or Decimal(1)
        move.currency = move.company.currency
    move.save()
    # The consumption on work orders comes with the repair bridge: here the
    # moves are done directly, as root (no assignation) without the warning
    # about moves without origin
    config = config or get_config()
    skip_warning, config.skip_warning = config.skip_warning, True
    user, config.user = config.user, 0
    try:
        move.click('do')
    finally:
        config.skip_warning = skip_warning
        config.user = user
    return move


def add_stock(product, location, quantity, date=None, lot=None,
        config=None):
    "Receive quantity of product in location from a supplier"
    Location = Model.get('stock.location', config=config)
    supplier, = Location.find([('type', '=', 'supplier')], limit=1)
    return _move(product, supplier, location, quantity, date, lot=lot,
        config=config)


def consume(product, location, quantity, date=None, config=None):
    "Deliver quantity of product from location to a customer"
    Location = Model.get('stock.location', config=config)
    customer, = Location.find([('type', '=', 'customer')], limit=1)
    return _move(product, location, customer, quantity, date,
        config=config)


def create_user(name, login, group_names, company, config=None):
    "Create a user of the company in the named groups"
    User = Model.get('res.user', config=config)
    Group = Model.get('res.group', config=config)
    Company = Model.get('company.company', config=config)
    user = User(name=name, login=login)
    for group in Group.find([('name', 'in', group_names)]):
        user.groups.append(group)
    user.companies.append(Company(company.id))
    user.company = Company(company.id)
    user.save()
    return user

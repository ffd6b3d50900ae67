# This file is part of the appliance_service_parts module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"Helpers of the scenarios of the parts on work orders"
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from proteus import Model
from proteus.config import get_config

from trytond.modules.appliance_parts.tests.tools import (
    create_engineer, create_part, create_part_category,
    create_regional_warehouse)


def create_appliance_model(name, code, category, brand, config=None):
    "Create an appliance model (a template flagged appliance)"
    Template = Model.get('product.template', config=config)
    Uom = Model.get('product.uom', config=config)
    unit, = Uom.find([('name', '=', "Unit")])
    template = Template(name=name, default_uom=unit, type='goods')
    template.appliance = True
    template.appliance_brand = brand
    template.appliance_category = category
    template.model_code = code
    template.save()
    return template


def setup_service(company, account_category=None, config=None):
    """Create what a repair of an air conditioner needs: a fault type, a
    region with a slot today, two models, a customer with an appliance of
    the first, a regional warehouse and an engineer with his van, two parts
    that fit the first model (a capacitor and a serialised compressor) and
    one that fits only the second; returns them in a namespace"""
    Policy = Model.get('appliance.warranty.policy', config=config)
    Category = Model.get('appliance.category', config=config)
    Brand = Model.get('appliance.brand', config=config)
    Region = Model.get('appliance.service.region', config=config)
    Slot = Model.get('appliance.slot', config=config)
    Party = Model.get('party.party', config=config)
    Appliance = Model.get('appliance.appliance', config=config)
    FaultType = Model.get('appliance.fault.type', config=config)
    today = dt.date.today()

    policy = Policy(name="Air Conditioner Standard")
    policy.lines.new(kind='unit', duration=12, start='sale')
    policy.save()
    category = Category(name="Air Conditioners", code='AC')
    category.warranty_policy = policy
    category.save()
    brand = Brand(name="Aurora", code='AUR')
    brand.save()
    model = create_appliance_model(
        "Aurora Split 3.5kW", 'KFR-35GW', category, brand, config=config)
    other_model = create_appliance_model(
        "Aurora Split 7.2kW", 'KFR-72LW', category, brand, config=config)

    fault = FaultType(code='AC-E1', name="Not cooling", category=category)
    fault.save()

    region = Region(name="Shenzhen", code='SZ')
    region.save()
    # Today: the work may not start before the day of the visit
    slot = Slot(region=region, date=today,
        start_time=dt.time(0, 0), end_time=dt.time(23, 59), capacity=20)
    slot.save()

    customer = Party(name="王芳")
    address, = customer.addresses
    address.city = "深圳"
    address.street = "科技路1号"
    customer.save()
    appliance = Appliance(customer=customer, product=model.products[0])
    appliance.serial_number = 'AU20240001'
    appliance.sale_date = today - dt.timedelta(days=60)
    appliance.save()

    warehouse = create_regional_warehouse("华南仓", 'GZ', config=config)
    engineer = create_engineer("赵建国", warehouse, company, config=config)

    parts_category = create_part_category("空调配件", 'AC', config=config)
    capacitor = create_part("启动电容 35uF", parts_category, Decimal('12'),
        models=[model], account_category=account_category, config=config)
    compressor = create_part("压缩机 1.5匹", parts_category, Decimal('420'),
        serialised=True, models=[model], account_category=account_category,
        config=config)
    big_compressor = create_part("压缩机 3匹", parts_category,
        Decimal('680'), serialised=True, models=[other_model],
        account_category=account_category, config=config)
    return SimpleNamespace(
        category=category, fault=fault, model=model, other_model=other_model,
        region=region, slot=slot, customer=customer, appliance=appliance,
        warehouse=warehouse, engineer=engineer, van=engineer.van,
        parts_category=parts_category, capacitor=capacitor,
        compressor=compressor, big_compressor=big_compressor)


def dispatched_order(world, config=None):
    "Create a repair order of the appliance, booked and dispatched"
    WorkOrder = Model.get('appliance.work_order', config=config)
    order = WorkOrder(kind='repair', appliance=world.appliance)
    order.region = world.region
    order.fault_type = world.fault
    order.actual_fault_type = world.fault
    order.slot = world.slot
    order.save()
    order.click('schedule')
    order.engineer = world.engineer
    order.click('dispatch')
    return order


def stock_of(product, location, config=None):
    "The quantity of product in location today"
    Product = Model.get('product.product', config=config)
    with (config or get_config()).set_context(
            locations=[location.id], stock_date_end=dt.date.today()):
        return Product(product.id).quantity


def create_account_category(config=None):
    "A product category with the expense account of the chart"
    from trytond.modules.account.tests.tools import get_accounts
    Category = Model.get('product.category', config=config)
    accounts = get_accounts(config=config)
    category = Category(name="备件")
    category.accounting = True
    category.account_expense = accounts['expense']
    category.save()
    return category


def deliver(product, location, lot, date, config=None):
    "Fit the part of lot from location in a customer's appliance on date"
    from trytond.modules.appliance_parts.tests.tools import _move
    Location = Model.get('stock.location', config=config)
    customer, = Location.find([('type', '=', 'customer')], limit=1)
    return _move(product, location, customer, 1, date, lot=lot,
        config=config)

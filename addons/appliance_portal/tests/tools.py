# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Data for the tests of the portal: a company in Hangzhou with a service
region, slots, an air conditioner model with its warranty, staff users and
a service engineer."""
import datetime as dt

from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.transaction import Transaction

PASSWORD = 'appliance-demo'
# The portal is tested with every feature activated
FEATURES = [
    'appliance_service_dispatch', 'appliance_service_invoice',
    'appliance_service_rating', 'appliance_service_repair']
MODEL_CODE = 'KFR-35GW'
SERIAL_PATTERN = r'GR\d{6}'


def setup_portal_data(days=30, fault_types=True):
    """Create the data and return the ids the tests need; the fault types
    need appliance_service_repair"""
    pool = Pool()
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    Region = pool.get('appliance.service.region')
    Slot = pool.get('appliance.slot')
    Brand = pool.get('appliance.brand')
    Category = pool.get('appliance.category')
    Policy = pool.get('appliance.warranty.policy')
    Template = pool.get('product.template')
    Product = pool.get('product.product')
    Uom = pool.get('product.uom')
    Party = pool.get('party.party')
    Employee = pool.get('company.employee')
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    Group = pool.get('res.group')
    Date = pool.get('ir.date')

    Lang = pool.get('ir.lang')
    # The portal speaks both languages
    Lang.write(Lang.search([
                ('code', 'in', ['en', 'zh_CN']),
                ('active', '=', False),
                ]), {'active': True, 'translatable': True})
    company = create_company()
    ids = {'company': company.id}
    with set_company(company):
        china, = Country.create([{'name': "China", 'code': 'CN'}])
        zhejiang, jiangsu = Subdivision.create([
                {'name': "浙江省", 'code': 'CN-ZJ', 'type': 'province',
                    'country': china.id},
                {'name': "江苏省", 'code': 'CN-JS', 'type': 'province',
                    'country': china.id},
                ])
        region, = Region.create([{
                    'name': "杭州", 'code': 'HZ',
                    'subdivisions': [('add', [zhejiang.id])],
                    }])
        today = Date.today()
        slots = Slot.generate([region], today, today + dt.timedelta(days=days),
            [(dt.time(9), dt.time(12)), (dt.time(14), dt.time(17))], 3)
        tiny, = Slot.create([{
                    'region': region.id,
                    'date': today + dt.timedelta(days=1),
                    'start_time': dt.time(18),
                    'end_time': dt.time(20),
                    'capacity': 1,
                    }])
        ids.update(region=region.id, slots=[s.id for s in slots],
            tiny_slot=tiny.id)

        policy, = Policy.create([{
                    'name': "Air conditioner",
                    'lines': [('create', [
                                {'kind': 'unit', 'duration': 12,
                                    'start': 'sale'},
                                {'kind': 'component',
                                    'component': "Compressor",
                                    'duration': 72, 'start': 'sale'},
                                ])],
                    }])
        category, = Category.create([{
                    'name': "Air Conditioner", 'code': 'AC',
                    'warranty_policy': policy.id}])
        brand, = Brand.create([{
                    'name': "Gree", 'code': 'GREE',
                    'serial_pattern': SERIAL_PATTERN,
                    'serial_example': 'GR123456'}])
        unit = Uom(ModelData.get_id('product', 'uom_unit'))
        template, = Template.create([{
                    'name': "Split air conditioner 1.5 HP",
                    'type': 'goods',
                    'default_uom': unit.id,
                    'appliance': True,
                    'appliance_brand': brand.id,
                    'appliance_category': category.id,
                    'model_code': MODEL_CODE,
                    }])
        if not template.products:
            Product.create([{'template': template.id}])
        part_template, = Template.create([{
                    'name': "Capacitor 35µF",
                    'type': 'goods',
                    'default_uom': unit.id,
                    'products': [('create', [{'suffix_code': 'CAP35'}])],
                    }])
        ids.update(category=category.id, brand=brand.id,
            template=template.id, part=part_template.products[0].id)

        if fault_types:
            FaultType = pool.get('appliance.fault.type')
            fault, = FaultType.create([{
                        'code': 'AC-E1', 'name': "Compressor does not start",
                        'category': category.id}])
            ids['fault_type'] = fault.code

        def group(xml_id):
            return Group(ModelData.get_id('appliance', xml_id))

        def employee(name, engineer=False):
            party, = Party.create([{'name': name}])
            values = {'party': party.id, 'company': company.id}
            if engineer:
                values.update(service_engineer=True,
                    service_regions=[('add', [region.id])],
                    skills=[('create', [{
                                    'category': category.id, 'level': '4'}])],
                    working_days=['0', '1', '2', '3', '4', '5', '6'],
                    daily_capacity=1000)
            employee, = Employee.create([values])
            return employee

        def user(login, name, groups, employee=None):
            values = {
                'login': login,
                'name': name,
                'password': PASSWORD,
                'groups': [('add', [g.id for g in groups])],
                'companies': [('add', [company.id])],
                'company': company.id,
                }
            if employee:
                values['employees'] = [('add', [employee.id])]
                values['employee'] = employee.id
            user, = User.create([values])
            return user

        agent_employee = employee("陈客服")
        agent = user('agent', "陈客服", [group('group_customer_service')],
            agent_employee)
        wang = employee("王建国", engineer=True)
        wang_user = user('engineer', "王建国", [group('group_engineer')], wang)
        li = employee("李强", engineer=True)
        li_user = user('engineer2', "李强", [group('group_engineer')], li)
        ids.update(agent=agent.id, engineer=wang.id,
            engineer_user=wang_user.id,
            engineer2=li.id, engineer2_user=li_user.id)
    return ids


def resolve_request(request_id, reply):
    "Answer a consultation or complaint as customer service does"
    pool = Pool()
    Request = pool.get('appliance.service.request')
    request = Request(request_id)
    request.reply = reply
    request.resolution = reply
    request.save()
    Request.resolve([request])


def transaction_context(company_id):
    return Transaction().set_context(company=company_id)

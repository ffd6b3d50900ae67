# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Data and set-up of the tests of the portal: a company in Hangzhou with a
service region, slots, an air conditioner model with its warranty, a spare
part, staff users and service engineers; the test case mixin that creates
them once, keeps the emails and SMS in the test and shortens the login
delays."""
import datetime as dt
from unittest.mock import patch

import trytond.config as config
from trytond.modules.appliance_security.sms import LoggingSMSAdapter
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.transaction import Transaction

PASSWORD = 'appliance-demo'
# The portal is tested with every feature activated
FEATURES = [
    'appliance_service_dispatch', 'appliance_service_invoice',
    'appliance_service_rating', 'appliance_service_repair',
    'appliance_service_route']
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
    # The company of the customers who sign up on the portal
    set_portal_company(company.id)
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
        tiny, today_slot = Slot.create([{
                    'region': region.id,
                    'date': today + dt.timedelta(days=1),
                    'start_time': dt.time(18),
                    'end_time': dt.time(20),
                    'capacity': 1,
                    }, {
                    # Work starts on the day of the appointment
                    'region': region.id,
                    'date': today,
                    'start_time': dt.time(0),
                    'end_time': dt.time(23, 59),
                    'capacity': 100,
                    }])
        ids.update(region=region.id, slots=[s.id for s in slots],
            tiny_slot=tiny.id, today_slot=today_slot.id)

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
        if 'spare_part' in Template._fields:
            # appliance_parts: only spare parts are parts
            Category_ = pool.get('product.category')
            part_category, = Category_.create([{
                        'name': "Capacitors", 'part_category': True,
                        'code': 'CAP'}])
            Template.write([part_template], {
                    'spare_part': True, 'part_category': part_category.id,
                    'compatible_models': [('add', [template.id])]})
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
            # Known passwords: no change asked at the first login
            User.write([user], {'password_change_required': False})
            return user

        agent_employee = employee("陈客服")
        agent = user('agent', "陈客服", [group('group_customer_service')],
            agent_employee)
        wang = employee("王建国", engineer=True)
        wang_user = user('engineer', "王建国", [group('group_engineer')], wang)
        manager = user('manager', "周经理", [group('group_manager')])
        li = employee("李强", engineer=True)
        li_user = user('engineer2', "李强", [group('group_engineer')], li)
        ids.update(agent=agent.id, engineer=wang.id, manager=manager.id,
            engineer_user=wang_user.id,
            engineer2=li.id, engineer2_user=li_user.id)
    return ids


def set_portal_company(company_id):
    "Make company_id (None: no company) the company of the portal's sign-ups"
    Company = Pool().get('company.company')
    Company.write(Company.search([]), {'portal': False})
    if company_id:
        Company.write([Company(company_id)], {'portal': True})


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


def set_config(test, section, option, value):
    "Set an option of trytond's configuration for the time of test"
    old = config.get(section, option)
    config.set(section, option, value)
    if old is None:
        test.addCleanup(config.remove_option, section, option)
    else:
        test.addCleanup(config.set, section, option, old)


class PortalTestMixin:
    """The set-up of every test case of the portal: the module with the
    features, the data created once, no email nor SMS leaving the test (they
    are kept in self.emails and self.sms) and short login delays"""
    module = 'appliance_portal'
    extras = FEATURES
    language = 'zh_CN'
    ids = None
    fault_types = True

    @classmethod
    def setUpDatabase(cls):
        cls.ids = setup_portal_data(fault_types=cls.fault_types)

    def setUp(self):
        super().setUp()
        self.emails = []
        for target in [
                'trytond.modules.web_user.user.send_message_transactional',
                'trytond.modules.appliance_portal.web_user'
                '.send_message_transactional']:
            sendmail = patch(target, side_effect=self.emails.append)
            sendmail.start()
            self.addCleanup(sendmail.stop)
        # The notifications of the service desk
        smtp = patch('trytond.sendmail.get_smtp_server')
        smtp.start().return_value.send_message.return_value = {}
        self.addCleanup(smtp.stop)
        LoggingSMSAdapter.sent.clear()
        self.sms = LoggingSMSAdapter.sent
        # Failed logins sleep 2**n - 1 seconds: keep it short
        set_config(self, 'session', 'max_attempt', '3')
        set_config(self, 'session', 'max_attempt_ip_network', '100000')

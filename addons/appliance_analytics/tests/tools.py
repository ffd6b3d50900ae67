# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""A small known dataset whose figures are computed by hand in the tests."""
import datetime as dt
import itertools

from trytond.pool import Pool

_serials = itertools.count(1)


def create_geography():
    "China with Guangdong and Zhejiang, found again when there"
    pool = Pool()
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    countries = Country.search([('code', '=', 'CN')])
    if countries:
        china, = countries
        guangdong, = Subdivision.search([('code', '=', 'CN-GD')])
        zhejiang, = Subdivision.search([('code', '=', 'CN-ZJ')])
        return china, guangdong, zhejiang
    china, = Country.create([{'name': "China", 'code': 'CN'}])
    guangdong, zhejiang = Subdivision.create([{
                'name': "Guangdong", 'code': 'CN-GD', 'type': 'province',
                'country': china.id,
                }, {
                'name': "Zhejiang", 'code': 'CN-ZJ', 'type': 'province',
                'country': china.id,
                }])
    return china, guangdong, zhejiang


def create_models(suffix=''):
    """Two categories, two brands, three appliance models, faults and parts;
    suffix makes their codes unique beside another set"""
    pool = Pool()
    Category = pool.get('appliance.category')
    Brand = pool.get('appliance.brand')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    FaultType = pool.get('appliance.fault.type')
    ModelData = pool.get('ir.model.data')
    # By its id: the name is translated in the language of the database
    unit = Uom(ModelData.get_id('product', 'uom_unit'))
    ac, wh = Category.create([
            {'name': "Air Conditioners", 'code': 'AC' + suffix},
            {'name': "Water Heaters", 'code': 'WH' + suffix},
            ])
    b1, b2 = Brand.create([
            {'name': "Aurora", 'code': 'AUR' + suffix},
            {'name': "Boreal", 'code': 'BOR' + suffix},
            ])

    def model(name, category, brand):
        template, = Template.create([{
                    'name': name,
                    'default_uom': unit.id,
                    'type': 'goods',
                    'appliance': True,
                    'appliance_category': category.id,
                    'appliance_brand': brand.id,
                    'model_code': name,
                    'products': [('create', [{}])],
                    }])
        return template.products[0]

    def part(name):
        template, = Template.create([{
                    'name': name,
                    'default_uom': unit.id,
                    'type': 'goods',
                    'products': [('create', [{}])],
                    }])
        return template.products[0]
    models = {
        'AC1': model('AC1', ac, b1),
        'AC2': model('AC2', ac, b2),
        'WH1': model('WH1', wh, b1),
        }
    faults = dict(zip(['COOL', 'LEAK', 'IGN'], FaultType.create([
                    {'code': 'COOL' + suffix, 'name': "No cooling",
                        'category': ac.id},
                    {'code': 'LEAK' + suffix, 'name': "Leak",
                        'category': ac.id},
                    {'code': 'IGN' + suffix, 'name': "No ignition",
                        'category': wh.id},
                    ])))
    parts = {'P1': part("Compressor"), 'P2': part("Igniter")}
    return {
        'categories': {'AC': ac, 'WH': wh},
        'brands': {'B1': b1, 'B2': b2},
        'models': models,
        'faults': faults,
        'parts': parts,
        'unit': unit,
        }


def create_region(subdivisions):
    pool = Pool()
    Region = pool.get('appliance.service.region')
    region, = Region.create([{
                'name': "South", 'code': 'S',
                'subdivisions': [('add', [s.id for s in subdivisions])],
                }])
    return region


def create_appliance(company, model, subdivision, city, installed,
        country=None):
    pool = Pool()
    Party = pool.get('party.party')
    Appliance = pool.get('appliance.appliance')
    number = next(_serials)
    customer, = Party.create([{
                'name': "Customer %s" % number,
                'addresses': [('create', [{
                                'country': subdivision.country.id,
                                'subdivision': subdivision.id,
                                'city': city,
                                'street': "%s Road" % number,
                                }])],
                }])
    appliance, = Appliance.create([{
                'company': company.id,
                'customer': customer.id,
                'product': model.id,
                'serial_number': 'SN%06d' % number,
                'sale_date': installed,
                'installation_date': installed,
                'installation_address': customer.addresses[0].id,
                }])
    return appliance


def create_order(appliance, region, done_at, fault=None, cause=None,
        parts=(), kind='repair', state='done', unit=None, labour=1.0):
    """A work order of the appliance, done at done_at with the fault, the
    cause and the (part, quantity) used"""
    pool = Pool()
    WorkOrder = pool.get('appliance.work_order')
    order, = WorkOrder.create([{
                'company': appliance.company.id,
                'kind': kind,
                'customer': appliance.customer.id,
                'appliance': appliance.id,
                'address': appliance.installation_address.id,
                'region': region.id,
                'state': 'in_progress',
                'actual_fault_type': fault.id if fault else None,
                'cause': cause,
                'labour_hours': labour,
                'parts': [('create', [{
                                'product': p.id,
                                'quantity': q,
                                'unit': unit.id,
                                } for p, q in parts])],
                }])
    WorkOrder.write([order], {
            'state': state,
            'done_at': done_at if state == 'done' else None,
            })
    return order


def at(year, month, day, hour=10):
    return dt.datetime(year, month, day, hour)


def create_fault_dataset(company):
    """Eight appliances in Guangdong and Zhejiang and their repairs in
    2024 and 2025 (see test_module for the figures)"""
    _, guangdong, zhejiang = create_geography()
    data = create_models()
    region = create_region([guangdong, zhejiang])
    m, f, p = data['models'], data['faults'], data['parts']
    d = dt.date
    appliances = {
        'a1': create_appliance(
            company, m['AC1'], guangdong, "Guangzhou", d(2024, 1, 10)),
        'a2': create_appliance(
            company, m['AC1'], guangdong, "Guangzhou", d(2024, 1, 20)),
        'a3': create_appliance(
            company, m['AC1'], guangdong, "Shenzhen", d(2024, 2, 5)),
        'a4': create_appliance(
            company, m['AC2'], guangdong, "Guangzhou", d(2024, 3, 1)),
        'a5': create_appliance(
            company, m['WH1'], guangdong, "Guangzhou", d(2024, 1, 15)),
        'a6': create_appliance(
            company, m['AC1'], zhejiang, "Hangzhou", d(2024, 1, 5)),
        'a7': create_appliance(
            company, m['WH1'], zhejiang, "Hangzhou", d(2024, 2, 10)),
        'a8': create_appliance(
            company, m['WH1'], zhejiang, "Hangzhou", d(2025, 3, 20)),
        }
    a, unit = appliances, data['unit']
    orders = {}
    for key, appliance, done_at, fault, cause, parts in [
            ('r1', 'a1', at(2024, 2, 10), 'COOL', 'manufacturing',
                [('P1', 1)]),
            ('r2', 'a2', at(2024, 7, 5), 'COOL', 'component', [('P1', 1)]),
            ('r3', 'a6', at(2024, 7, 20), 'LEAK', 'installation', []),
            ('r4', 'a5', at(2024, 12, 3), 'IGN', 'wear', [('P2', 2)]),
            ('r5', 'a7', at(2025, 1, 15), 'IGN', 'wear', [('P2', 1)]),
            ('r6', 'a3', at(2025, 2, 10), 'COOL', 'manufacturing',
                [('P1', 1)]),
            ('r7', 'a4', at(2025, 7, 8), 'LEAK', 'installation', []),
            ('r8', 'a1', at(2025, 7, 9), 'COOL', 'component', [('P1', 1)]),
            ('r9', 'a8', at(2025, 7, 28), 'IGN', 'usage', []),
            ('r10', 'a6', at(2025, 7, 15), 'COOL', 'manufacturing', []),
            ]:
        orders[key] = create_order(a[appliance], region, done_at,
            fault=f[fault], cause=cause,
            parts=[(p[n], q) for n, q in parts], unit=unit)
    # Neither a maintenance nor a cancelled repair is a repair done
    orders['x1'] = create_order(a['a2'], region, at(2025, 7, 10),
        kind='maintenance', unit=unit)
    orders['x2'] = create_order(a['a3'], region, at(2025, 7, 11),
        fault=f['COOL'], state='cancelled', unit=unit)
    data.update({
            'subdivisions': {'GD': guangdong, 'ZJ': zhejiang},
            'region': region,
            'appliances': appliances,
            'orders': orders,
            })
    return data


def months_ago(months, today):
    "The first day of the month, months before the month of today"
    from dateutil.relativedelta import relativedelta
    return today.replace(day=1) - relativedelta(months=months)


def create_failure_dataset(company, today):
    """Appliances installed on the first day of a month and repaired whole
    months later (see test_module for the Kaplan-Meier figures)"""
    from dateutil.relativedelta import relativedelta
    _, guangdong, _ = create_geography()
    data = create_models()
    region = create_region([guangdong])
    m, f = data['models'], data['faults']

    def appliance(model, installed_months_ago):
        return create_appliance(company, m[model], guangdong, "Guangzhou",
            months_ago(installed_months_ago, today))

    def repair(appliance, age, fault='COOL'):
        done = appliance.installation_date + relativedelta(months=age)
        create_order(appliance, region,
            dt.datetime.combine(done, dt.time(10)), fault=f[fault],
            cause='component', unit=data['unit'])
    a, b, c, d = (appliance('AC1', n) for n in [10, 10, 6, 3])
    appliance('AC2', 10)
    f_ = appliance('AC2', 4)
    repair(a, 2)
    repair(b, 5)
    repair(b, 8)
    repair(f_, 3)
    # A water heater of another category changes nothing
    repair(appliance('WH1', 12), 1, 'IGN')
    return data

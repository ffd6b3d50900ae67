#!/usr/bin/env python3
# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.
"""Spare part search benchmark.

Creates a database with appliance_parts, fills it with --parts spare parts
(50,000 by default): part categories through the ORM, then the parts by
bulk inserts (the ORM takes half an hour for 50,000 parts and the searches
read the same rows) with codes, specifications (product attributes and their
text), three compatible appliance models each and two serial numbers (stock
lots) for each serialised part.  Then it times the
catalog searches a Parts Clerk does, the way the client does them
(ModelStorage.search, first 100 results in the default order), and a
trivial query (a part by its id) in the same run:

- code: exact and prefix;
- name: a word inside the name;
- compatible model;
- specification: a value inside the attributes text;
- serial number.

It prints each median time and its ratio to the trivial query.  Nothing is
hard-coded: every figure is measured in the run.

    .venv/bin/python bench/parts_search_bench.py [--parts 50000] [--seed 7]

The backend is the one of the environment: TRYTOND_DATABASE__URI (SQLite in
memory by default, or postgresql://...) and DB_NAME (a database name for
PostgreSQL, dropped and created again; pg_trgm is installed in it when the
server has it, for the similarity indexes of the ILIKE searches).
"""
import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time

os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')

from trytond.pool import Pool  # noqa: E402
from trytond.tests.test_tryton import (  # noqa: E402
    DB_NAME, activate_module, db_exist, drop_db)
from trytond.transaction import Transaction  # noqa: E402

CATEGORIES = [
    ('AC', "空调配件", ["压缩机", "主控板", "风扇电机", "四通阀", "电子膨胀阀"]),
    ('RF', "冰箱配件", ["压缩机", "温控器", "化霜加热器", "门封条", "主控板"]),
    ('WM', "洗衣机配件", ["排水泵", "进水阀", "电机", "门锁", "电脑板"]),
    ('WH', "热水器配件", ["点火器", "比例阀", "风机", "温度传感器", "水流开关"]),
    ('TV', "电视配件", ["电源板", "主板", "背光灯条", "逻辑板", "遥控器"]),
    ('RH', "油烟机配件", ["电机", "按键开关", "照明灯", "油杯", "止回阀"]),
    ('DW', "洗碗机配件", ["循环泵", "加热管", "喷淋臂", "电脑板", "门锁"]),
    ]
SERIALISED = {"压缩机", "主控板", "主板", "电脑板"}
POWERS = ['0.75HP', '1HP', '1.5HP', '2HP', '3HP', '5HP']
REFRIGERANTS = ['R32', 'R410A', 'R600a', 'R134a', 'R290']
VOLTAGES = ['220V', '110V', '24V', '12V', '5V']
BATCH = 1000


def timed(function, repeat):
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def create_database(backend):
    if backend != 'sqlite' and db_exist(DB_NAME):
        drop_db()
    activate_module(['appliance_parts'])
    if backend == 'postgresql':
        install_trigram_indexes()


def install_trigram_indexes():
    "Create pg_trgm when the server has it and the similarity indexes"
    with Transaction().start(DB_NAME, 0) as transaction:
        cursor = transaction.connection.cursor()
        try:
            cursor.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        except Exception:
            transaction.rollback()
            return
        transaction.commit()
        transaction.database._extensions.pop(DB_NAME, None)
    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        for name in ['product.template', 'product.product', 'stock.lot',
                'ir.translation']:
            pool.get(name)._update_sql_indexes()
        transaction.commit()


def fill(n_parts, seed):
    "Create the parts and return what the searches look for"
    rng = random.Random(seed)
    pool = Pool()
    Category = pool.get('product.category')
    Template = pool.get('product.template')
    Product = pool.get('product.product')
    Relation = pool.get('appliance.part-appliance.model')
    Uom = pool.get('product.uom')
    AttributeSet = pool.get('product.attribute.set')
    Lot = pool.get('stock.lot')
    Brand = pool.get('appliance.brand')
    ApplianceCategory = pool.get('appliance.category')

    unit, = Uom.search([('name', '=', "Unit")])
    attribute_set, = AttributeSet.create([{
                'name': "Spare part",
                'attributes': [('create', [
                            {'name': 'power', 'string': "Power",
                                'type_': 'char'},
                            {'name': 'refrigerant', 'string': "Refrigerant",
                                'type_': 'char'},
                            {'name': 'voltage', 'string': "Voltage",
                                'type_': 'char'},
                            {'name': 'model', 'string': "Part Model",
                                'type_': 'char'},
                            ])],
                }])
    brand, = Brand.create([{'name': "Haier", 'code': 'HAIER'}])
    appliance_category, = ApplianceCategory.create([{
                'name': "Air conditioner", 'code': 'AC'}])
    models = Template.create([{
                'name': f'KFR-{35 + i}GW/Bench{i:03d}',
                'type': 'goods',
                'default_uom': unit.id,
                'appliance': True,
                'appliance_brand': brand.id,
                'appliance_category': appliance_category.id,
                'model_code': f'KFR-{35 + i}GW/Bench{i:03d}',
                'products': [('create', [{}])],
                } for i in range(300)])

    leaf_categories = []
    for code, name, children in CATEGORIES:
        parent, = Category.create([{
                    'name': name, 'code': code, 'part_category': True}])
        for i, child in enumerate(children, 1):
            leaf, = Category.create([{
                        'name': child, 'code': f'{code}-{i:02d}',
                        'part_category': True, 'parent': parent.id}])
            leaf_categories.append((leaf, child))

    # The parts go in by bulk inserts: the ORM would take half an hour for
    # 50,000 parts and the searches read the same rows
    template = Template.__table__()
    product = Product.__table__()
    relation = Relation.__table__()
    lot = Lot.__table__()
    cursor = Transaction().connection.cursor()
    now = dt.datetime.now()
    template_columns = [
        template.create_uid, template.create_date, template.name,
        template.code, template.type, template.default_uom,
        template.consumable, template.active, template.spare_part,
        template.part_category, template.serialised,
        template.manufacturer_code, template.attribute_set,
        template.purchasable]
    product_columns = [
        product.create_uid, product.create_date, product.template,
        product.code, product.active, product.attributes,
        product.specification]
    serial_number = 0
    created = 0
    numbers = {}
    while created < n_parts:
        size = min(BATCH, n_parts - created)
        rows, kinds = [], []
        for i in range(size):
            category, kind = rng.choice(leaf_categories)
            number = created + i
            numbers[category.id] = numbers.get(category.id, 0) + 1
            code = f'{category.code}-{numbers[category.id]:05d}'
            rows.append([0, now, f'{kind} {rng.choice(POWERS)} 型号{number:05d}',
                    code, 'goods', unit.id, False, True, True, category.id,
                    kind in SERIALISED, f'MC{number:06d}',
                    attribute_set.id, True])
            kinds.append((code, number, kind in SERIALISED))
        cursor.execute(*template.insert(template_columns, rows))
        cursor.execute(*template.select(template.code, template.id,
                where=template.code.in_([k[0] for k in kinds])))
        ids = dict(cursor)
        template_ids = [ids[k[0]] for k in kinds]
        product_rows, relation_rows = [], []
        for template_id, (code, number, _) in zip(template_ids, kinds):
            attributes = {
                'power': rng.choice(POWERS),
                'refrigerant': rng.choice(REFRIGERANTS),
                'voltage': rng.choice(VOLTAGES),
                'model': f'PM-{number:06d}',
                }
            specification = ' | '.join(
                f'{label}: {attributes[name]}' for name, label in [
                    ('power', "Power"), ('refrigerant', "Refrigerant"),
                    ('voltage', "Voltage"), ('model', "Part Model")])
            product_rows.append([0, now, template_id, code, True,
                    Product.attributes.sql_format(attributes),
                    specification])
            for model in rng.sample(models, 3):
                relation_rows.append([0, now, template_id, model.id])
        cursor.execute(*product.insert(product_columns, product_rows))
        cursor.execute(*product.select(product.template, product.id,
                where=product.template.in_(template_ids)))
        ids = dict(cursor)
        product_ids = [ids[t] for t in template_ids]
        cursor.execute(*relation.insert(
                [relation.create_uid, relation.create_date, relation.part,
                    relation.model], relation_rows))
        lot_rows = []
        for product_id, (_, _, serialised) in zip(product_ids, kinds):
            if serialised:
                for _ in range(2):
                    serial_number += 1
                    lot_rows.append([0, now, f'SN{serial_number:08d}',
                            product_id])
        if lot_rows:
            cursor.execute(*lot.insert(
                    [lot.create_uid, lot.create_date, lot.number,
                        lot.product], lot_rows))
        created += size
    Transaction().commit()

    sample_id = rng.choice(template_ids)
    sample = Template(sample_id)
    return {
        'id': sample.id,
        'code': sample.code,
        'code_prefix': sample.code[:-2] + '%',
        'name': f'%型号{rng.randrange(n_parts):05d}%',
        'model': rng.choice(models).id,
        'specification': f'%PM-{rng.randrange(n_parts):06d}%',
        'serial': f'SN{rng.randrange(1, serial_number + 1):08d}',
        }


def searches(targets):
    parts = [('spare_part', '=', True)]
    return [
        ("trivial: a part by id", [('id', '=', targets['id'])]),
        ("code, exact", parts + [('code', '=', targets['code'])]),
        ("code, prefix", parts + [('code', 'ilike', targets['code_prefix'])]),
        ("name, a word inside", parts + [('name', 'ilike', targets['name'])]),
        ("compatible model", parts + [
                ('compatible_models', '=', targets['model'])]),
        ("specification, a value inside", parts + [
                ('specification', 'ilike', targets['specification'])]),
        ("serial number", parts + [('serial', '=', targets['serial'])]),
        ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--parts', type=int, default=50000)
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--repeat', type=int, default=15)
    args = parser.parse_args(argv)

    backend = os.environ['TRYTOND_DATABASE__URI'].split(':', 1)[0]
    print(f'backend {backend}, {args.parts} parts, seed {args.seed}',
        file=sys.stderr)
    start = time.perf_counter()
    create_database(backend)
    with Transaction().start(DB_NAME, 0) as transaction:
        targets = fill(args.parts, args.seed)
        transaction.commit()
    fill_time = time.perf_counter() - start

    with Transaction().start(DB_NAME, 0, readonly=True):
        pool = Pool()
        Template = pool.get('product.template')
        Template.search([], limit=1)  # warm the caches
        results = []
        for label, domain in searches(targets):
            found = len(Template.search(domain, limit=100))
            seconds = timed(
                lambda: Template.search(domain, limit=100), args.repeat)
            results.append((label, found, seconds))

    trivial = results[0][2]
    print(f'Spare part search, {args.parts} parts ({backend}), '
        f'median of {args.repeat} runs; set up in {fill_time:.0f} s')
    print(f'{"search":32} {"found":>5} {"ms":>8} {"x trivial":>10}')
    for label, found, seconds in results:
        print(f'{label:32} {found:5d} {seconds * 1000:8.2f} '
            f'{seconds / trivial:10.1f}')
    if DB_NAME != ':memory:':
        drop_db()


if __name__ == '__main__':
    main()

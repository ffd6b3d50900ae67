#!/usr/bin/env python3
"""Generate believable demo data for the appliance service.

A seeded random generator, not fixtures: the same seed gives the same data
and the volume scales with --customers and --appliances, so a benchmark can
load as much as it needs.  Everything goes through the proteus Model API,
so the generator works on a trytond database opened directly
(config.set_trytond) or on a running server (config.set_xmlrpc).

    python scripts/demo_data.py --database demo --customers 200 \\
        --appliances 400

or from Python::

    from proteus import config
    import demo_data
    cfg = demo_data.connect('demo')  # or config.set_xmlrpc(url)
    demo_data.generate(cfg, customers=200, appliances=400, seed=8)

The reference data (brands, categories, warranty policies, appliance models,
extended warranty products, engineers) is created once and found again by
its code on later runs; every run adds new customers and appliances.
"""
import argparse
import datetime as dt
import os
import random
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

import phonenumbers
from dateutil.relativedelta import relativedelta
from proteus import Model
from proteus import config as proteus_config

BATCH = 100

# code: (name, serial template, models)
# A serial template is a list of tokens: a literal string or one of
#   ('L', n) upper-case letters, ('D', n) digits, ('A', n) letters or
#   digits, ('Y',) production year on 2 digits, ('M',) production month.
BRANDS = {
    'HAIER': ('海尔 Haier', ['B', ('L', 1), '0', ('A', 5), ('Y',), ('M',),
            ('D', 8)]),
    'MIDEA': ('美的 Midea', ['M', ('D', 3), ('L', 1), ('Y',), ('M',),
            ('D', 8)]),
    'GREE': ('格力 Gree', [('D', 4), ('Y',), ('M',), ('D', 7)]),
    'HISENSE': ('海信 Hisense', ['HS', ('Y',), ('M',), ('A', 4), ('D', 6)]),
    'SIEMENS': ('西门子 Siemens', ['FD', ('Y',), ('M',), '-', ('D', 6)]),
    'FOTILE': ('方太 Fotile', ['FT', ('Y',), ('M',), ('L', 1), ('D', 7)]),
    'LSWAN': ('小天鹅 Little Swan', ['LS', ('D', 2), ('Y',), ('M',),
            ('D', 8)]),
    'VATTI': ('华帝 Vatti', ['VT', ('Y',), ('M',), ('D', 9)]),
    'TCL': ('TCL', ['T', ('A', 3), ('Y',), ('M',), ('D', 8)]),
    }

# code: (English name, Chinese name)
CATEGORIES = {
    'AC': ("Air Conditioner", "空调"),
    'REF': ("Refrigerator", "冰箱"),
    'WM': ("Washing Machine", "洗衣机"),
    'WH': ("Water Heater", "热水器"),
    'TV': ("Television", "电视"),
    'HOOD': ("Range Hood", "油烟机"),
    'DW': ("Dishwasher", "洗碗机"),
    }

# Warranty policies in the style of the Chinese "三包" rules and of the
# makers' own promises: whole unit, key components and labour, in months,
# from the sale or from the installation date.
# code: (category, English name, Chinese name, description,
#        [(kind, component (en, zh), months, start)])
POLICIES = {
    'AC-6Y': ('AC', "Air conditioner: 6-year whole unit",
        "空调整机六年包修",
        "整机包修6年，压缩机包修10年，自安装之日起计算。",
        [('unit', None, 72, 'installation'),
            ('component', ("Compressor", "压缩机"), 120, 'installation'),
            ('labour', None, 72, 'installation')]),
    'REF-3Y': ('REF', "Refrigerator: 3-year whole unit",
        "冰箱整机三年包修",
        "整机包修3年，压缩机包修12年，自购买之日起计算。",
        [('unit', None, 36, 'sale'),
            ('component', ("Compressor", "压缩机"), 144, 'sale'),
            ('labour', None, 36, 'sale')]),
    'WM-3Y': ('WM', "Washing machine: 3-year whole unit",
        "洗衣机整机三年包修",
        "整机包修3年，电机包修10年，自购买之日起计算。",
        [('unit', None, 36, 'sale'),
            ('component', ("Motor", "电机"), 120, 'sale'),
            ('labour', None, 36, 'sale')]),
    'WH-STD': ('WH', "Water heater: 3-year whole unit",
        "热水器整机三年包修",
        "整机包修3年，内胆包修8年，自安装之日起计算。",
        [('unit', None, 36, 'installation'),
            ('component', ("Inner Tank", "内胆"), 96, 'installation'),
            ('labour', None, 36, 'installation')]),
    'TV-STD': ('TV', "Television: national three guarantees",
        "电视国家三包",
        "整机包修1年，液晶屏包修3年，自购买之日起计算。",
        [('unit', None, 12, 'sale'),
            ('component', ("Display Panel", "液晶屏"), 36, 'sale'),
            ('labour', None, 12, 'sale')]),
    'HOOD-STD': ('HOOD', "Range hood: national three guarantees",
        "油烟机国家三包",
        "整机包修1年，电机包修5年，自安装之日起计算。",
        [('unit', None, 12, 'installation'),
            ('component', ("Motor", "电机"), 60, 'installation'),
            ('labour', None, 12, 'installation')]),
    'DW-2Y': ('DW', "Dishwasher: 2-year whole unit",
        "洗碗机整机两年包修",
        "整机包修2年，主泵电机包修3年，自安装之日起计算。",
        [('unit', None, 24, 'installation'),
            ('component', ("Circulation Pump", "主泵电机"), 36,
                'installation'),
            ('labour', None, 24, 'installation')]),
    }
# Policy of a model that overrides the one of its category
POLICY_OVERRIDES = {
    'GREE-AC-10Y': ('AC', "Gree air conditioner: 10-year whole unit",
        "格力空调整机十年包修",
        "格力变频空调整机包修10年，自安装之日起计算。",
        [('unit', None, 120, 'installation'),
            ('component', ("Compressor", "压缩机"), 120, 'installation'),
            ('labour', None, 120, 'installation')]),
    }

# (brand, category, model code, Chinese name, English name, list price,
#  policy override)
MODELS = [
    ('GREE', 'AC', 'KFR-35GW/NhGc1B', "格力云佳 1.5匹 新一级能效 变频挂机",
        "Gree Yunjia 1.5 HP inverter wall unit", 2999, 'GREE-AC-10Y'),
    ('GREE', 'AC', 'KFR-72LW/NhAa1BAj', "格力云锦 3匹 变频立柜式空调",
        "Gree Yunjin 3 HP inverter floor unit", 7999, 'GREE-AC-10Y'),
    ('MIDEA', 'AC', 'KFR-35GW/N8XHC1', "美的酷省电 1.5匹 新一级能效 挂机",
        "Midea Kushengdian 1.5 HP wall unit", 2599, None),
    ('MIDEA', 'AC', 'KFR-26GW/BP3DN8Y-PH200(B1)',
        "美的冷静星 大1匹 变频挂机", "Midea Lengjingxing 1 HP wall unit",
        2299, None),
    ('HAIER', 'AC', 'KFR-35GW/06EDS81', "海尔静悦 1.5匹 变频挂机",
        "Haier Jingyue 1.5 HP wall unit", 2799, None),
    ('HISENSE', 'AC', 'KFR-35GW/E290-X1', "海信速冷热 1.5匹 变频挂机",
        "Hisense 1.5 HP inverter wall unit", 2399, None),
    ('HAIER', 'REF', 'BCD-470WGHTDE9', "海尔 470升 十字对开门冰箱",
        "Haier 470 L French-door refrigerator", 4299, None),
    ('HAIER', 'REF', 'BCD-510WGHSSEDS9', "海尔 510升 对开门风冷冰箱",
        "Haier 510 L side-by-side refrigerator", 3999, None),
    ('MIDEA', 'REF', 'BCD-521WKPZM(E)', "美的 521升 对开门智能冰箱",
        "Midea 521 L smart side-by-side refrigerator", 3499, None),
    ('SIEMENS', 'REF', 'KA92NV02TI', "西门子 610升 对开门冰箱",
        "Siemens 610 L side-by-side refrigerator", 7999, None),
    ('HISENSE', 'REF', 'BCD-503WMK1DPJ', "海信 503升 十字四门冰箱",
        "Hisense 503 L four-door refrigerator", 3699, None),
    ('LSWAN', 'WM', 'TG100V88WMUIADY5', "小天鹅 10公斤 滚筒洗衣机",
        "Little Swan 10 kg front loader", 3599, None),
    ('HAIER', 'WM', 'EG100MATE28S', "海尔 10公斤 直驱滚筒洗衣机",
        "Haier 10 kg direct-drive front loader", 2999, None),
    ('MIDEA', 'WM', 'MG100V11F', "美的 10公斤 变频滚筒洗衣机",
        "Midea 10 kg inverter front loader", 1699, None),
    ('SIEMENS', 'WM', 'WG54A1A00W', "西门子 10公斤 滚筒洗衣机",
        "Siemens 10 kg front loader", 4599, None),
    ('HAIER', 'WH', 'EC6002-MA3(U1)', "海尔 60升 电热水器",
        "Haier 60 L electric water heater", 1299, None),
    ('MIDEA', 'WH', 'F6021-JA5(HE)', "美的 60升 一级能效电热水器",
        "Midea 60 L electric water heater", 1099, None),
    ('VATTI', 'WH', 'JSQ30-i12016-16', "华帝 16升 燃气热水器",
        "Vatti 16 L gas water heater", 1899, None),
    ('MIDEA', 'WH', 'JSQ30-16HWA', "美的 16升 零冷水燃气热水器",
        "Midea 16 L gas water heater", 2199, None),
    ('HISENSE', 'TV', '65E7K', "海信 65英寸 ULED 电视",
        "Hisense 65-inch ULED television", 5999, None),
    ('HISENSE', 'TV', '75E3H', "海信 75英寸 4K 电视",
        "Hisense 75-inch 4K television", 4499, None),
    ('TCL', 'TV', '65Q10K', "TCL 65英寸 Mini LED 电视",
        "TCL 65-inch Mini LED television", 6999, None),
    ('TCL', 'TV', '55V8E', "TCL 55英寸 4K 电视",
        "TCL 55-inch 4K television", 2399, None),
    ('FOTILE', 'HOOD', 'CXW-358-EMD2T', "方太 侧吸式油烟机",
        "Fotile side-draft range hood", 5299, None),
    ('FOTILE', 'HOOD', 'CXW-258-JQ26TS', "方太 顶侧双吸油烟机",
        "Fotile dual-draft range hood", 4699, None),
    ('MIDEA', 'HOOD', 'CXW-280-J25', "美的 顶吸式油烟机",
        "Midea top-draft range hood", 1999, None),
    ('VATTI', 'HOOD', 'CXW-260-i11083', "华帝 侧吸式油烟机",
        "Vatti side-draft range hood", 2599, None),
    ('SIEMENS', 'DW', 'SJ235W01JC', "西门子 12套 独立式洗碗机",
        "Siemens 12-place freestanding dishwasher", 4999, None),
    ('FOTILE', 'DW', '02-V6', "方太 水槽洗碗机",
        "Fotile sink dishwasher", 6999, None),
    ('MIDEA', 'DW', 'WQP12-W3802H-CN', "美的 13套 嵌入式洗碗机",
        "Midea 13-place built-in dishwasher", 3299, None),
    ]

# code: (English name, Chinese name, months, price)
EXTENSIONS = {
    'EXT-1Y': ("Extended warranty 1 year", "延长保修1年", 12, 199),
    'EXT-2Y': ("Extended warranty 2 years", "延长保修2年", 24, 349),
    'EXT-3Y': ("Extended warranty 3 years", "延长保修3年", 36, 499),
    }

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖"
    "田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦")
SURNAME_PINYIN = dict(zip(SURNAMES, (
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo "
    "he gao lin luo zheng liang xie song tang xu han feng deng cao peng "
    "zeng xiao tian dong yuan pan yu jiang cai yu du ye cheng su wei lv "
    "ding ren shen yao lu jiang cui zhong tan lu wang fan jin shi liao jia "
    "xia wei").split()))
GIVEN_NAMES = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 斌 鹏 辉 "
    "秀英 秀兰 桂英 建华 志强 海燕 丽娟 晓明 建国 俊杰 子涵 梓萱 雨轩 欣怡 "
    "浩然 宇轩 思远 佳琪 文博 婷婷 晓燕 国强 春梅 玉兰 建军 红梅 志刚 雪梅 "
    "秀珍 凤英 丽华 永强 德明 淑芬 晓东 文静 嘉怡 博文 晨曦 一鸣 子轩 诗涵 "
    "梦琪 雅静 宏伟 振华 海涛 鹏飞 立新 桂兰 金凤 美玲 国庆 卫东 建平 晓丽 "
    "慧敏 欣然 浩宇 泽宇 若曦 雨桐").split()
# 13x, 15x, 17x, 18x and 19x mobile prefixes of the three carriers
MOBILE_PREFIXES = [
    '130', '131', '132', '133', '134', '135', '136', '137', '138', '139',
    '150', '151', '152', '153', '155', '156', '157', '158', '159',
    '166', '173', '177', '180', '181', '182', '183', '185', '186', '187',
    '188', '189', '198', '199']

# province code: [(city, postal prefix, latitude, longitude, districts)]
GEOGRAPHY = {
    'CN-GD': [
        ('广州市', '510', 23.129, 113.264, ['天河区', '越秀区', '海珠区',
                '番禺区', '白云区']),
        ('深圳市', '518', 22.543, 114.058, ['南山区', '福田区', '宝安区',
                '龙岗区']),
        ('佛山市', '528', 23.022, 113.122, ['顺德区', '南海区', '禅城区']),
        ],
    'CN-ZJ': [
        ('杭州市', '310', 30.274, 120.155, ['西湖区', '上城区', '拱墅区',
                '滨江区', '余杭区']),
        ('宁波市', '315', 29.868, 121.544, ['海曙区', '鄞州区', '江北区']),
        ],
    'CN-JS': [
        ('南京市', '210', 32.060, 118.797, ['鼓楼区', '玄武区', '秦淮区',
                '建邺区']),
        ('苏州市', '215', 31.299, 120.585, ['姑苏区', '吴中区', '相城区',
                '虎丘区']),
        ],
    'CN-SD': [
        ('济南市', '250', 36.651, 117.120, ['历下区', '市中区', '槐荫区']),
        ('青岛市', '266', 36.067, 120.383, ['市南区', '市北区', '崂山区',
                '黄岛区']),
        ],
    'CN-SC': [
        ('成都市', '610', 30.573, 104.066, ['锦江区', '青羊区', '武侯区',
                '成华区', '金牛区']),
        ],
    'CN-BJ': [
        ('北京市', '100', 39.904, 116.407, ['朝阳区', '海淀区', '东城区',
                '西城区', '丰台区']),
        ],
    'CN-SH': [
        ('上海市', '200', 31.230, 121.474, ['浦东新区', '徐汇区', '静安区',
                '黄浦区', '闵行区']),
        ],
    }
# Share of the customers in each province
PROVINCE_WEIGHTS = {
    'CN-GD': 26, 'CN-ZJ': 16, 'CN-JS': 15, 'CN-SD': 12, 'CN-SC': 9,
    'CN-BJ': 11, 'CN-SH': 11}
STREETS = (
    "人民路 中山路 解放路 建设路 和平路 新华路 文化路 长江路 黄河路 滨江大道 "
    "科技路 学院路 东风路 胜利路 光明路 青年路 迎宾大道 花园路 湖滨路 "
    "世纪大道 金融街 工业大道 朝阳路 振兴路").split()
ESTATES = (
    "阳光花园 翠苑小区 锦绣家园 碧桂园 万科城 保利花园 金地名苑 龙湖春江 "
    "绿城桂花园 华润置地 幸福里 东湖小区 丽景湾 御景华庭").split()
NOTES = [
    "客户要求上门前电话联系。", "安装位置在阳台，需要高空作业。",
    "二楼无电梯。", "家中有老人，请工作日白天上门。",
    "已在京东购买延保。", "客户反映噪音偏大，已记录。",
    ]

PURCHASE_CHANNELS = [
    ('retail', 35), ('online', 40), ('distributor', 10), ('project', 5),
    ('direct', 5), ('other', 5)]
SOURCES = [('agent', 50), ('portal', 20), ('import', 20), ('api', 10)]


def weighted(rng, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights=weights)[0]


# Serial numbers --------------------------------------------------------------

def serial_regex(template):
    parts = []
    for token in template:
        if isinstance(token, str):
            parts.append(re.escape(token))
        elif token[0] == 'L':
            parts.append('[A-Z]{%d}' % token[1])
        elif token[0] == 'D':
            parts.append('[0-9]{%d}' % token[1])
        elif token[0] == 'A':
            parts.append('[0-9A-Z]{%d}' % token[1])
        elif token[0] == 'Y':
            parts.append('[0-9]{2}')
        elif token[0] == 'M':
            parts.append('(0[1-9]|1[0-2])')
    return ''.join(parts)


def make_serial(rng, template, production_date):
    letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ'
    alnum = letters + '0123456789'
    parts = []
    for token in template:
        if isinstance(token, str):
            parts.append(token)
        elif token[0] == 'L':
            parts.append(''.join(rng.choices(letters, k=token[1])))
        elif token[0] == 'D':
            parts.append(''.join(rng.choices('0123456789', k=token[1])))
        elif token[0] == 'A':
            parts.append(''.join(rng.choices(alnum, k=token[1])))
        elif token[0] == 'Y':
            parts.append(production_date.strftime('%y'))
        elif token[0] == 'M':
            parts.append(production_date.strftime('%m'))
    return ''.join(parts)


# Reference data --------------------------------------------------------------

def _translate(config, record, language, **values):
    "Write the values of translatable fields in language"
    Record = Model.get(record.__class__.__name__)
    with config.set_context(language=language):
        translated = Record(record.id)
        for name, value in values.items():
            setattr(translated, name, value)
        translated.save()


def setup_brands(rng):
    Brand = Model.get('appliance.brand')
    existing = {b.code: b for b in Brand.find([])}
    to_save = []
    for code, (name, template) in BRANDS.items():
        if code in existing:
            continue
        example = make_serial(rng, template, dt.date(2024, 3, 1))
        to_save.append(Brand(code=code, name=name,
                serial_pattern=serial_regex(template),
                serial_example=example))
    if to_save:
        Brand.save(to_save)
    return {b.code: b for b in Brand.find([])}


def _policy(config, code, values):
    Policy = Model.get('appliance.warranty.policy')
    policies = Policy.find([('code', '=', code)])
    if policies:
        return policies[0]
    _, name, name_zh, description, lines = values
    policy = Policy(code=code, name=name)
    for sequence, (kind, component, months, start) in enumerate(lines, 1):
        line = policy.lines.new(kind=kind, duration=months, start=start)
        line.sequence = sequence
        if component:
            line.component = component[0]
    policy.save()
    _translate(config, policy, 'zh_CN', name=name_zh,
        description=description)
    PolicyLine = Model.get('appliance.warranty.policy.line')
    with config.set_context(language='zh_CN'):
        lines_zh = []
        for line, (_, component, _, _) in zip(
                PolicyLine.find([('policy', '=', policy.id)],
                    order=[('sequence', 'ASC'), ('id', 'ASC')]), lines):
            if component:
                line.component = component[1]
                lines_zh.append(line)
        if lines_zh:
            PolicyLine.save(lines_zh)
    return policy


def setup_categories(config):
    Category = Model.get('appliance.category')
    existing = {c.code: c for c in Category.find([])}
    policies = {code: _policy(config, code, values)
        for code, values in {**POLICIES, **POLICY_OVERRIDES}.items()}
    category_policy = {values[0]: code for code, values in POLICIES.items()}
    for code, (name, name_zh) in CATEGORIES.items():
        if code in existing:
            continue
        category = Category(code=code, name=name,
            warranty_policy=policies[category_policy[code]])
        category.save()
        _translate(config, category, 'zh_CN', name=name_zh)
    return {c.code: c for c in Category.find([])}, policies


def _unit():
    Uom = Model.get('product.uom')
    ModelData = Model.get('ir.model.data')
    return Uom(ModelData.get_id('product', 'uom_unit', {}))


def setup_models(config, brands, categories, policies):
    Template = Model.get('product.template')
    unit = _unit()
    existing = {t.model_code: t for t in Template.find(
            [('appliance', '=', True)])}
    for (brand, category, code, name_zh, name_en, price,
            override) in MODELS:
        if code in existing:
            continue
        template = Template(
            name=name_en, type='goods', appliance=True,
            appliance_brand=brands[brand],
            appliance_category=categories[category],
            model_code=code, default_uom=unit,
            list_price=Decimal(price))
        if override:
            template.warranty_policy = policies[override]
        template.save()
        _translate(config, template, 'zh_CN', name=name_zh)
    templates = Template.find([('appliance', '=', True)])
    return [t.products[0] for t in templates if t.products]


def setup_extension_products(config):
    Template = Model.get('product.template')
    Product = Model.get('product.product')
    unit = _unit()
    products = {}
    for code, (name, name_zh, months, price) in EXTENSIONS.items():
        found = Product.find([('code', '=', code)])
        if found:
            products[months] = found[0]
            continue
        template = Template(name=name, type='service', default_uom=unit,
            list_price=Decimal(price))
        template.products[0].suffix_code = code
        template.save()
        _translate(config, template, 'zh_CN', name=name_zh)
        products[months], = template.products
    return products


def setup_engineers(rng, company, count=4):
    "Employees of the service network who go on site"
    Party = Model.get('party.party')
    Employee = Model.get('company.employee')
    Category = Model.get('party.category')
    categories = Category.find([('name', '=', 'Service Engineer')])
    if categories:
        category, = categories
    else:
        category = Category(name='Service Engineer')
        category.save()
    existing = Employee.find([('party.categories', '=', category.id)])
    to_save = []
    for _ in range(count - len(existing)):
        party = Party(name=chinese_name(rng))
        party.categories.append(Category(category.id))
        party.save()
        to_save.append(Employee(party=party, company=company,
                start_date=dt.date.today() - dt.timedelta(
                    days=rng.randint(200, 2000))))
    if to_save:
        Employee.save(to_save)
    return existing + to_save


# Customers -------------------------------------------------------------------

def chinese_name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def chinese_mobile(rng):
    while True:
        number = rng.choice(MOBILE_PREFIXES) + ''.join(
            rng.choices('0123456789', k=8))
        parsed = phonenumbers.parse(number, 'CN')
        if phonenumbers.is_valid_number(parsed):
            return number


def existing_mobiles():
    Party = Model.get('party.party')
    return {p.mobile_number for p in Party.find(
            [('mobile_number', '!=', None)])}


def customer_values(rng, name, mobile, geography):
    province = weighted(rng, PROVINCE_WEIGHTS.items())
    city, postal, latitude, longitude, districts = rng.choice(
        GEOGRAPHY[province])
    street = (f"{rng.choice(STREETS)}{rng.randint(1, 999)}号"
        f"{rng.choice(ESTATES)}{rng.randint(1, 30)}栋"
        f"{rng.randint(1, 33)}{rng.randint(1, 4):02d}室")
    values = {
        'name': name,
        'mobile': mobile,
        'province': province,
        'city': city,
        'district': rng.choice(districts),
        'street': street,
        'postal_code': f"{postal}{rng.randint(0, 999):03d}",
        'latitude': round(latitude + rng.gauss(0, 0.04), 6),
        'longitude': round(longitude + rng.gauss(0, 0.05), 6),
        'source': weighted(rng, SOURCES),
        'notification_consent': rng.random() < 0.9,
        'marketing_consent': rng.random() < 0.3,
        'lang': 'zh_CN' if rng.random() < 0.95 else 'en',
        'email': None,
        }
    if rng.random() < 0.4:
        pinyin = SURNAME_PINYIN.get(name[0], 'kehu')
        values['email'] = f"{pinyin}{mobile[-4:]}@example.com"
    return values


def create_customers(config, rng, count, china, subdivisions, langs):
    """Create count customers and return their ids

    The values go to the create method of the server in batches, like an
    import does: the server still normalises and validates them, but the
    client needs no on_change call per field, so it scales.
    """
    proxy = config.get_proxy('party.party')
    mobiles = existing_mobiles()
    ids = []
    vlist = []
    for _ in range(count):
        mobile = chinese_mobile(rng)
        while ('+86' + mobile) in mobiles:
            mobile = chinese_mobile(rng)
        mobiles.add('+86' + mobile)
        values = customer_values(rng, chinese_name(rng), mobile, GEOGRAPHY)
        mechanisms = [{'type': 'mobile', 'value': '+86' + mobile}]
        if values['email']:
            mechanisms.append({'type': 'email', 'value': values['email']})
        vlist.append({
                'name': values['name'],
                # the module stores the E.164 form of what it is given
                'mobile_number': mobile,
                'customer_source': values['source'],
                'notification_consent': values['notification_consent'],
                'marketing_consent': values['marketing_consent'],
                'lang': langs[values['lang']].id,
                'addresses': [('create', [{
                                'street': values['street'],
                                'city': values['city'],
                                'district': values['district'],
                                'postal_code': values['postal_code'],
                                'country': china.id,
                                'subdivision': subdivisions[
                                    values['province']].id,
                                'latitude': values['latitude'],
                                'longitude': values['longitude'],
                                }])],
                'contact_mechanisms': [('create', mechanisms)],
                })
        if len(vlist) >= BATCH:
            ids.extend(proxy.create(vlist, config.context))
            vlist = []
    if vlist:
        ids.extend(proxy.create(vlist, config.context))
    return ids


def customer_addresses(config, customer_ids):
    "Map each customer id to the id of its first address"
    proxy = config.get_proxy('party.party')
    result = {}
    for i in range(0, len(customer_ids), 1000):
        for row in proxy.read(
                customer_ids[i:i + 1000], ['addresses'], config.context):
            result[row['id']] = row['addresses'][0] if row['addresses'] else (
                None)
    return result


# Appliances ------------------------------------------------------------------

def coverage_end(start, months):
    "Last day covered, the rule of appliance_service.warranty.coverage_end"
    anniversary = start + relativedelta(months=months)
    if anniversary.day != start.day:
        return anniversary
    return anniversary - dt.timedelta(days=1)


def appliance_dates(rng, today, unit_line, expiring, reminder_days):
    """Return production, sale and installation dates

    With expiring, the whole-unit coverage ends within the reminder window
    so that the agents have customers to call.
    """
    if expiring and unit_line:
        months, start_basis = unit_line
        end = today + dt.timedelta(days=rng.randint(1, reminder_days - 1))
        start = end + dt.timedelta(days=1) - relativedelta(months=months)
        if start_basis == 'installation':
            installation = start
            sale = installation - dt.timedelta(days=rng.randint(0, 10))
        else:
            sale = start
            installation = sale + dt.timedelta(days=rng.randint(0, 10))
    else:
        # More recent sales are more numerous (the installed base grows)
        age = int(3 * 365 * (1 - rng.random() ** 0.8))
        sale = today - dt.timedelta(days=max(age, 0))
        installation = sale + dt.timedelta(days=rng.choice(
                [0, 1, 1, 2, 2, 3, 5, 7, 14]))
    installation = min(installation, today)
    if sale > today:
        sale = today
    production = sale - dt.timedelta(days=rng.randint(15, 240))
    if rng.random() < 0.05:
        # Not installed yet or installed by the customer
        installation = None
    return production, sale, installation


def unit_lines(products):
    "Months and start basis of the whole-unit coverage of each model"
    Template = Model.get('product.template')
    result = {}
    for product in products:
        template = Template(product.template.id)
        policy = template.warranty_policy or (
            template.appliance_category.warranty_policy)
        if not policy:
            continue
        for line in policy.lines:
            if line.kind == 'unit':
                result[product.id] = (line.duration, line.start)
                break
    return result


def create_appliances(config, rng, count, customer_ids, products,
        extension_products, company, currency, reminder_days, today):
    "Create count appliances and return their ids and the extensions count"
    proxy = config.get_proxy('appliance.appliance')
    lines = unit_lines(products)
    brand_codes = {p.id: p.template.appliance_brand.code for p in products}
    addresses = customer_addresses(config, customer_ids)
    ids = []
    vlist = []
    extensions = 0
    serials = set()
    # The largest brands sell the most
    weights = [3 if brand_codes[p.id] in {'HAIER', 'MIDEA', 'GREE'} else 2
        for p in products]
    for index in range(count):
        # Every new customer gets an appliance first, then some get more
        customer = (customer_ids[index] if index < len(customer_ids)
            else rng.choice(customer_ids))
        product = rng.choices(products, weights=weights)[0]
        expiring = rng.random() < 0.07
        production, sale, installation = appliance_dates(
            rng, today, lines.get(product.id), expiring, reminder_days)
        template = BRANDS[brand_codes[product.id]][1]
        serial = make_serial(rng, template, production)
        while (product.id, serial) in serials:
            serial = make_serial(rng, template, production)
        serials.add((product.id, serial))
        values = {
            'company': company.id,
            'customer': customer,
            'installation_address': addresses.get(customer),
            'product': product.id,
            'serial_number': serial,
            'production_date': production,
            'sale_date': sale,
            'installation_date': installation,
            'purchase_channel': weighted(rng, PURCHASE_CHANNELS),
            'status': 'in_use',
            }
        if rng.random() < 0.7:
            values['invoice_reference'] = (
                f"{sale:%Y}{rng.randint(0, 99999999):08d}")
        if rng.random() < 0.08:
            values['notes'] = rng.choice(NOTES)
        roll = rng.random()
        if roll < 0.03:
            values['status'] = 'under_repair'
        elif roll < 0.05:
            values['status'] = 'scrapped'
        unit_months = lines.get(product.id, (0, None))[0]
        # Extended warranties are sold for the shorter manufacturer ones,
        # with the appliance or before its warranty ends
        if (not expiring and unit_months <= 36
                and rng.random() < 0.2):
            months = rng.choice(list(extension_products))
            service = extension_products[months]
            purchase = sale + dt.timedelta(days=rng.choice(
                    [0, 0, 0, rng.randint(1, unit_months * 30 - 30)]))
            if purchase <= today:
                values['extensions'] = [('create', [{
                                'kind': 'unit',
                                'duration': months,
                                'purchase_date': purchase,
                                'product': service.id,
                                'price': service.list_price_used,
                                'currency': currency.id,
                                'reference': (
                                    f"YB{purchase:%Y%m}{index:05d}"),
                                }])]
                extensions += 1
        vlist.append(values)
        if len(vlist) >= BATCH:
            ids.extend(proxy.create(vlist, config.context))
            vlist = []
    if vlist:
        ids.extend(proxy.create(vlist, config.context))
    return ids, extensions


def create_reminders():
    "Run the daily reminder job now so the agents have a call list"
    Cron = Model.get('ir.cron')
    Reminder = Model.get('appliance.warranty.reminder')
    crons = Cron.find([
            ('method', '=', 'appliance.warranty.reminder|create_reminders'),
            ])
    if crons:
        Cron.click(crons, 'run_once')
    return len(Reminder.find([('state', '=', 'open')]))


# Entry points ----------------------------------------------------------------

def generate(config, customers=200, appliances=400, seed=8, today=None):
    """Fill the database of config with demo data.

    Returns a summary dictionary of what was created.  The company is the
    one of the context or the first one.
    """
    rng = random.Random(seed)
    today = today or dt.date.today()
    Company = Model.get('company.company')
    Country = Model.get('country.country')
    Subdivision = Model.get('country.subdivision')
    Lang = Model.get('ir.lang')
    Configuration = Model.get('appliance.configuration')
    Party = Model.get('party.party')
    Appliance = Model.get('appliance.appliance')

    company_id = config.context.get('company')
    company = Company(company_id) if company_id else Company.find([])[0]
    with config.set_context(company=company.id):
        china, = Country.find([('code', '=', 'CN')])
        subdivisions = {s.code: s for s in Subdivision.find(
                [('country', '=', china.id)])}
        missing = set(PROVINCE_WEIGHTS) - set(subdivisions)
        if missing:
            raise RuntimeError(
                "Import the subdivisions of China first: "
                f"{', '.join(sorted(missing))} missing")
        langs = {l.code: l for l in Lang.find(
                [('code', 'in', ['zh_CN', 'en'])])}
        reminder_days = Configuration(1).warranty_reminder_days or 30

        # Chinese is the language of the business: translated values such
        # as the components are copied in it onto the coverages.
        with config.set_context(language='zh_CN'):
            timer = Timer()
            brands = setup_brands(rng)
            categories, policies = setup_categories(config)
            products = setup_models(config, brands, categories, policies)
            extension_products = setup_extension_products(config)
            engineers = setup_engineers(rng, company)
            timer.lap('reference data')

            new_customers = create_customers(
                config, rng, customers, china, subdivisions, langs)
            timer.lap('customers')
            owners = new_customers or [p.id for p in Party.find(
                    [('customer_source', '!=', None)])]
            new_appliances, extensions = create_appliances(
                config, rng, appliances, owners, products,
                extension_products, company, company.currency,
                reminder_days, today)
            timer.lap('appliances')
            reminders = create_reminders()
            timer.lap('reminders')
            in_warranty = len(Appliance.find([('in_warranty', '=', True)]))
    return {
        'brands': len(brands),
        'categories': len(categories),
        'appliance models': len(products),
        'engineers': len(engineers),
        'customers created': len(new_customers),
        'appliances created': len(new_appliances),
        'extended warranties': extensions,
        'appliances in warranty today': in_warranty,
        'open warranty reminders': reminders,
        'seconds': timer.laps,
        }


class Timer:
    def __init__(self):
        self.laps = {}
        self._last = time.monotonic()

    def lap(self, name):
        now = time.monotonic()
        self.laps[name] = round(now - self._last, 1)
        self._last = now


def connect(database, config_file=None):
    """Open database with proteus straight on trytond

    The SQLite databases are in var/ unless the configuration or
    TRYTOND_DATABASE__PATH say otherwise; TRYTOND_DATABASE_URI selects
    another backend.
    """
    root = Path(__file__).resolve().parent.parent
    os.environ.setdefault('TRYTOND_DATABASE__PATH', str(root / 'var'))
    # trytond reads its default database URI when its configuration is
    # first imported: before proteus replaces the URI by the database name
    import trytond.config  # noqa: F401
    return proteus_config.set_trytond(
        database, config_file=config_file or str(root / 'tryton.conf'))


def main():
    parser = argparse.ArgumentParser(
        description="Generate demo data for the appliance service")
    parser.add_argument('--database', '-d', default='demo',
        help="database name, or a server URL for XML-RPC "
        "(http://user:password@host:8000/database/)")
    parser.add_argument('--config', '-c',
        default=str(Path(__file__).resolve().parent.parent / 'tryton.conf'),
        help="trytond configuration file")
    parser.add_argument('--customers', type=int, default=200)
    parser.add_argument('--appliances', type=int, default=400)
    parser.add_argument('--seed', type=int, default=8)
    args = parser.parse_args()
    if args.database.startswith(('http://', 'https://')):
        config = proteus_config.set_xmlrpc(args.database)
    else:
        config = connect(args.database, args.config)
    config.skip_warning = True
    summary = generate(config, customers=args.customers,
        appliances=args.appliances, seed=args.seed)
    for key, value in summary.items():
        print(f"{key}: {value}")


if __name__ == '__main__':
    sys.exit(main())

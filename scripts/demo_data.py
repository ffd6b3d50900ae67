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
from zoneinfo import ZoneInfo

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


def setup_engineers(rng, company, count=None):
    """Employees of the service network who go on site: by default one per
    profile of ENGINEER_PROFILES but the engineer user's"""
    if count is None:
        count = len(ENGINEER_PROFILES) - 1
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
                start_date=local_today(company) - dt.timedelta(
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
        # The mobile is on the customer, encrypted: no clear copy as contact
        mechanisms = []
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
    "Last day covered, the rule of appliance.warranty.coverage_end"
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


# Service desk ----------------------------------------------------------------

# province code: (region code, English name, Chinese name)
REGIONS = {
    'CN-GD': ('GD', "Guangdong", "广东服务区"),
    'CN-ZJ': ('ZJ', "Zhejiang", "浙江服务区"),
    'CN-JS': ('JS', "Jiangsu", "江苏服务区"),
    'CN-SD': ('SD', "Shandong", "山东服务区"),
    'CN-SC': ('SC', "Sichuan", "四川服务区"),
    'CN-BJ': ('BJ', "Beijing", "北京服务区"),
    'CN-SH': ('SH', "Shanghai", "上海服务区"),
    }
# start, end, capacity
SLOT_WINDOWS = [
    (dt.time(9, 0), dt.time(12, 0), 6),
    (dt.time(13, 0), dt.time(17, 0), 5),
    (dt.time(18, 0), dt.time(20, 0), 4),
    ]
SLOT_DAYS = 14

# The engineers of the network: the first is the `engineer` user's employee,
# the others the employees tagged Service Engineer, in id order.
# (regions, base latitude, base longitude, working days, daily capacity,
#  {category: level}, [(brand, level)])
ENGINEER_PROFILES = [
    (['CN-GD'], 23.0215, 113.1214, ['0', '1', '2', '3', '4', '5', '6'], 6,
        {'AC': '5', 'REF': '4', 'WM': '4', 'WH': '4', 'TV': '3',
            'HOOD': '3', 'DW': '3'}, [('GREE', '5'), ('MIDEA', '5')]),
    (['CN-GD'], 23.1291, 113.3265, ['0', '1', '2', '3', '4', '5'],
        6, {'AC': '4', 'REF': '3', 'WM': '3', 'WH': '4', 'TV': '4',
            'HOOD': '3', 'DW': '3'}, [('HISENSE', '5')]),
    (['CN-ZJ', 'CN-SH'], 30.2592, 120.1300,
        ['0', '1', '2', '3', '4', '5'], 5,
        {'AC': '3', 'REF': '4', 'WM': '4', 'WH': '3', 'TV': '3',
            'HOOD': '4', 'DW': '4'}, [('FOTILE', '5'), ('SIEMENS', '4')]),
    (['CN-JS', 'CN-SH'], 31.3118, 120.6169,
        ['1', '2', '3', '4', '5', '6'], 6,
        {'AC': '4', 'REF': '3', 'WM': '5', 'WH': '3', 'TV': '3',
            'HOOD': '3', 'DW': '3'}, [('LSWAN', '5'), ('HAIER', '4')]),
    (['CN-BJ'], 39.9219, 116.4436, ['0', '1', '2', '3', '4', '5'],
        6, {'AC': '4', 'REF': '4', 'WM': '3', 'WH': '3', 'TV': '4',
            'HOOD': '3', 'DW': '3'}, [('HAIER', '5'), ('TCL', '4')]),
    (['CN-SD'], 36.6758, 117.0748, ['0', '1', '2', '3', '4', '5'],
        6, {'AC': '4', 'REF': '4', 'WM': '4', 'WH': '3', 'TV': '3',
            'HOOD': '3', 'DW': '3'}, [('HAIER', '5'), ('HISENSE', '4')]),
    (['CN-SC'], 30.6415, 104.0434, ['1', '2', '3', '4', '5', '6'],
        5, {'AC': '4', 'REF': '3', 'WM': '3', 'WH': '4', 'TV': '3',
            'HOOD': '4', 'DW': '3'}, [('GREE', '4'), ('VATTI', '4')]),
    ]
# The home base of each engineer of ENGINEER_PROFILES, in its region and at
# its coordinates: (province, city, district, street, postal code)
HOME_BASES = [
    ('CN-GD', '佛山市', '禅城区', '季华五路22号华安服务中心', '528000'),
    ('CN-GD', '广州市', '天河区', '天河路385号太古汇服务站', '510620'),
    ('CN-ZJ', '杭州市', '西湖区', '文三路90号东部软件园服务站', '310012'),
    ('CN-JS', '苏州市', '姑苏区', '人民路1058号服务站', '215005'),
    ('CN-BJ', '北京市', '朝阳区', '三里屯路19号服务站', '100027'),
    ('CN-SD', '济南市', '历下区', '泉城路180号服务站', '250011'),
    ('CN-SC', '成都市', '武侯区', '人民南路四段12号服务站', '610041'),
    ]
# engineer index: [(first day from today, last day, reason)]
LEAVES = {
    2: [(3, 5, "年假")],
    4: [(-20, -19, "培训")],
    1: [(9, 9, "事假")],
    }

# category: [(code, English name, Chinese name, symptom, cause,
#   [steps], labour hours, skill level)]
FAULTS = {
    'AC': [
        ('AC-NOCOOL', "Not cooling (refrigerant leak)", "空调不制冷",
            "开机后出风不凉，室外机运转但管路结霜或不结露。",
            "冷媒泄漏，常见于连接管喇叭口或焊点。",
            ["检测系统压力", "查找并修复泄漏点", "抽真空", "按铭牌加注冷媒",
                "试机测出风温度"], 2.0, '3'),
        ('AC-LEAK', "Indoor unit dripping", "空调室内机漏水",
            "室内机出风口或底部滴水。", "排水管堵塞或安装倾斜。",
            ["检查排水管走向", "疏通排水管", "调整室内机水平", "试机观察"],
            1.0, '2'),
        ('AC-E1', "E1 high-pressure protection", "空调报E1故障",
            "开机数分钟后停机，显示E1。", "室外机散热不良或压力传感器故障。",
            ["读取故障代码", "清洗室外机冷凝器", "检测压力开关",
                "更换故障传感器", "试机"], 1.5, '3'),
        ('AC-COMP', "Compressor failure", "空调压缩机不启动",
            "室外机不运转，压缩机有嗡嗡声。", "压缩机卡缸或启动电容损坏。",
            ["检测启动电容", "检测压缩机绕组", "回收冷媒", "更换压缩机",
                "抽真空加注冷媒", "试机"], 4.0, '4'),
        ],
    'REF': [
        ('REF-NOCOOL', "Not cooling (compressor)", "冰箱不制冷",
            "冷藏室温度偏高，压缩机不启动或一直运转。",
            "压缩机故障或启动继电器损坏。",
            ["检测电源与温控", "检测启动继电器", "检测压缩机",
                "更换故障部件", "通电观察降温"], 3.0, '4'),
        ('REF-FROST', "Frost build-up", "冰箱冷冻室结霜严重",
            "冷冻室背板结厚霜，冷藏室不凉。", "化霜加热器或化霜传感器故障。",
            ["手动化霜", "检测化霜加热器", "检测化霜传感器", "更换故障部件"],
            1.5, '3'),
        ('REF-NOISE', "Abnormal noise", "冰箱噪音大",
            "运行时有咔咔声或嗡嗡声。", "风扇电机松动或箱体不平。",
            ["调整箱体水平", "检查风扇电机", "紧固或更换风扇"], 1.0, '2'),
        ],
    'WM': [
        ('WM-NOSPIN', "Does not spin (drain pump)", "洗衣机不脱水",
            "洗涤完成后不排水、不脱水，显示E21。", "排水泵堵塞或排水管弯折。",
            ["清理排水泵过滤器", "检查排水管", "检测排水泵", "试运行脱水"],
            1.0, '2'),
        ('WM-LEAK', "Water leak", "洗衣机漏水",
            "运行时底部漏水。", "门封圈破损或进水管接头松动。",
            ["检查进水管接头", "检查门封圈", "更换门封圈", "试运行"],
            1.5, '2'),
        ('WM-VIBR', "Strong vibration", "洗衣机脱水震动大",
            "脱水时机身剧烈晃动、移位。", "减震器老化或运输螺栓未拆。",
            ["检查运输螺栓", "调整底脚", "检测减震器", "更换减震器"],
            1.5, '3'),
        ],
    'WH': [
        ('WH-NOIGN', "Gas heater does not ignite", "热水器不点火",
            "打开热水阀有打火声但不着火，显示E1。",
            "燃气压力不足、点火针积碳或脉冲器故障。",
            ["检查燃气阀与气压", "清洁点火针", "检测脉冲点火器",
                "更换故障部件", "试机"], 1.0, '3'),
        ('WH-NOHEAT', "Electric heater does not heat", "电热水器不加热",
            "通电后指示灯亮但水不热。", "加热管损坏或温控器故障。",
            ["检测加热管电阻", "检测温控器", "更换加热管", "试机"], 2.0, '3'),
        ('WH-LEAK', "Tank leak", "热水器内胆漏水",
            "机身底部滴水。", "内胆腐蚀或镁棒耗尽。",
            ["排空热水器", "检查内胆", "更换镁棒", "更换内胆或整机"],
            3.0, '4'),
        ],
    'TV': [
        ('TV-NOPIC', "Sound but no picture", "电视有声无图",
            "开机有声音，屏幕黑屏。", "背光灯条或电源板故障。",
            ["检测电源板输出", "检测背光灯条", "更换灯条", "测试画面"],
            2.0, '3'),
        ('TV-NOBOOT', "Does not power on", "电视无法开机",
            "按电源键无反应，指示灯不亮。", "电源板损坏。",
            ["检测电源线与插座", "检测电源板", "更换电源板"], 1.0, '3'),
        ('TV-WIFI', "Network connection fails", "电视无法连接网络",
            "无法连接无线网络，提示网络异常。", "系统固件异常或无线模块故障。",
            ["检查路由器设置", "升级系统固件", "检测无线模块"], 0.5, '2'),
        ],
    'HOOD': [
        ('HOOD-WEAK', "Weak suction", "油烟机吸力弱",
            "烹饪时油烟外溢。", "风轮油污堆积或止回阀卡住。",
            ["拆洗风轮", "检查止回阀", "检查排烟管", "试机"], 1.5, '2'),
        ('HOOD-NOISE', "Loud noise", "油烟机噪音大",
            "运转时噪音明显增大。", "电机轴承磨损或风轮失衡。",
            ["检查风轮平衡", "检测电机", "更换电机"], 2.0, '3'),
        ('HOOD-DRIP', "Oil dripping", "油烟机滴油",
            "机身边缘滴油。", "油杯满溢或集油槽堵塞。",
            ["清理油杯", "疏通集油槽", "清洁机身"], 0.5, '1'),
        ],
    'DW': [
        ('DW-NODRAIN', "Does not drain", "洗碗机不排水",
            "洗涤结束后箱内积水。", "过滤网或排水泵堵塞。",
            ["清洗过滤网", "检查排水管", "检测排水泵", "试运行"], 1.0, '2'),
        ('DW-NOCLEAN', "Dishes not clean", "洗碗机洗不干净",
            "餐具有残渣、水渍。", "喷臂堵塞或软水盐不足。",
            ["清洗喷臂", "添加软水盐", "调整软水档位", "试运行"], 1.0, '2'),
        ('DW-E4', "E4 leak protection", "洗碗机报E4漏水保护",
            "运行中停机报E4。", "底盘积水触发漏水保护，多为内部管路渗漏。",
            ["排空底盘积水", "查找渗漏点", "更换密封件", "试运行"],
            2.0, '3'),
        ],
    }

# (English name, Chinese name, kind, [(English, Chinese)])
REQUEST_CATEGORIES = [
    ("Repair", "故障维修", 'repair', [
            ("Not cooling or heating", "不制冷/不加热"),
            ("Leak", "漏水"), ("Noise", "异响"),
            ("Electrical fault", "电气故障")]),
    ("Installation", "安装服务", 'installation', [
            ("New appliance", "新机安装"), ("Relocation", "移机")]),
    ("Maintenance", "保养服务", 'maintenance', [
            ("Cleaning", "清洗保养"), ("Annual check", "年度检查")]),
    ("Consultation", "咨询", 'consultation', [
            ("Warranty policy", "保修政策"), ("Usage", "使用咨询"),
            ("Parts price", "配件价格")]),
    ("Complaint", "投诉", 'complaint', [
            ("Staff attitude", "服务态度"), ("Late visit", "上门超时"),
            ("Repair quality", "维修质量")]),
    ]

# (English, Chinese, kind, priority, response hours, resolution hours)
SLA_POLICIES = [
    ("Urgent repair", "紧急维修", 'repair', '3', 2, 24),
    ("High priority repair", "加急维修", 'repair', '2', 4, 36),
    ("Repair", "常规维修", 'repair', None, 8, 72),
    ("Installation", "安装", 'installation', None, 24, 72),
    ("Maintenance", "保养", 'maintenance', None, 48, 120),
    ("Complaint", "投诉处理", 'complaint', None, 2, 24),
    ("Consultation", "咨询答复", 'consultation', None, 8, None),
    ]

CONSULTATIONS = [
    ("我的空调去年买的，现在还在保修期内吗？", "保修政策",
        "查询机身条码，整机在保修期内。",
        "您好，您的空调整机保修至安装后6年，压缩机10年，请放心使用。"),
    ("冰箱冷藏室温度设置多少合适？", "使用咨询",
        "指导客户设置温度。",
        "您好，冷藏室建议设置在4-5℃，冷冻室-18℃。"),
    ("洗衣机门封圈多少钱？需要上门更换吗？", "配件价格",
        "告知配件价格及上门费用。",
        "您好，门封圈原厂配件价格为120元，上门安装另收取服务费50元。"),
    ("热水器需要多久更换一次镁棒？", "使用咨询",
        "告知镁棒更换周期。",
        "您好，建议每1-2年检查更换一次镁棒，水质较硬的地区建议每年更换。"),
    ("延保可以在哪里购买？", "保修政策",
        "介绍延保购买渠道。",
        "您好，您可以在官方服务号或拨打服务热线购买延保服务。"),
    ("电视怎么设置儿童锁？", "使用咨询", "远程指导设置。",
        "您好，请进入 设置-通用-儿童锁 开启并设置密码。"),
    ]
COMPLAINTS = [
    ("工程师约好上午上门，下午才到，也没有提前通知。", "上门超时",
        "核实工程师因前一单延误，已批评教育并向客户致歉。",
        "非常抱歉给您带来不便，我们已对相关人员进行处理，并赠送一次免费保养。"),
    ("维修后一周又出现同样的问题。", "维修质量",
        "安排高级工程师返修，更换故障部件。",
        "非常抱歉，已安排高级工程师为您返修，费用全免。"),
    ("客服电话一直打不通。", "服务态度",
        "高峰期排队，已回电客户说明情况。",
        "抱歉让您久等，我们已增加高峰时段客服人员。"),
    ("工程师上门乱收费，收了200元材料费。", "服务态度", None, None),
    ]
REPAIR_DESCRIPTIONS = {
    'AC': ["空调开机后不制冷，出风是热的。", "空调室内机漏水。",
        "空调开机几分钟后显示E1停机。", "室外机不转，有嗡嗡声。"],
    'REF': ["冰箱冷藏室不凉。", "冷冻室结霜很厚。", "冰箱晚上噪音很大。"],
    'WM': ["洗衣机洗完不脱水，显示E21。", "洗衣机底部漏水。",
        "脱水时洗衣机晃得厉害。"],
    'WH': ["燃气热水器打不着火。", "电热水器不加热。", "热水器底部滴水。"],
    'TV': ["电视有声音没有图像。", "电视开不了机。", "电视连不上无线网络。"],
    'HOOD': ["油烟机吸力变小了。", "油烟机噪音很大。", "油烟机边上滴油。"],
    'DW': ["洗碗机洗完里面有积水。", "碗洗不干净。", "洗碗机报E4。"],
    }
COMPLETION_NOTES = [
    "已修复，试机正常，告知客户使用注意事项。",
    "更换故障部件后运行正常，客户确认。",
    "已处理，建议客户定期清洁保养。",
    ]
RATING_COMMENTS = [
    "师傅很专业，准时上门，服务态度好。", "修得很快，讲解清楚。",
    "上门比约定时间晚了半小时。", "非常满意，点赞！", None, None,
    "收费透明，穿鞋套，很规范。",
    ]


def company_zone(company):
    "The time zone of the company: its people's clocks"
    return ZoneInfo(company.timezone or 'UTC')


def local_now(company):
    "The wall-clock time of the company now"
    return dt.datetime.now(company_zone(company)).replace(tzinfo=None)


def local_today(company):
    "The date of the company's time zone, the one of ir.date"
    return local_now(company).date()


def utc_now():
    "Now as Tryton stores it: naive UTC"
    return dt.datetime.now(dt.timezone.utc).replace(
        tzinfo=None, microsecond=0)


def model_exists(config, name):
    return bool(config.get_proxy('ir.model').search(
            [('name', '=', name)], 0, None, None, config.context))


def service_desk_loaded():
    Region = Model.get('appliance.service.region')
    return bool(Region.find([], limit=1))


def _write_translations(config, model, pairs, language='zh_CN'):
    "Write {id: values} in language, one call per record"
    proxy = config.get_proxy(model)
    with config.set_context(language=language):
        for id_, values in pairs.items():
            proxy.write([id_], values, config.context)


def setup_regions(config, subdivisions):
    proxy = config.get_proxy('appliance.service.region')
    with config.set_context(language='en'):
        ids = proxy.create([{
                    'code': code, 'name': name_en,
                    'subdivisions': [('add', [subdivisions[province].id])],
                    } for province, (code, name_en, _) in REGIONS.items()],
            config.context)
    _write_translations(config, 'appliance.service.region', {
            id_: {'name': values[2]}
            for id_, values in zip(ids, REGIONS.values())})
    return dict(zip(REGIONS, ids))


def setup_slots(config, regions, today):
    proxy = config.get_proxy('appliance.slot')
    vlist = []
    for day in range(SLOT_DAYS):
        date = today + dt.timedelta(days=day)
        for region in regions.values():
            for start, end, capacity in SLOT_WINDOWS:
                vlist.append({'region': region, 'date': date,
                        'start_time': start, 'end_time': end,
                        'capacity': capacity})
    ids = proxy.create(vlist, config.context)
    return {(v['region'], v['date'], v['start_time']): i
        for v, i in zip(vlist, ids)}


def past_slots(config, needed):
    "Create the slots of the past visits: {(region, date, start): booked}"
    proxy = config.get_proxy('appliance.slot')
    windows = {s: (e, c) for s, e, c in SLOT_WINDOWS}
    keys = list(needed)
    ids = proxy.create([{
                'region': region, 'date': date, 'start_time': start,
                'end_time': windows[start][0],
                'capacity': max(windows[start][1], needed[key]),
                'booked': needed[key],
                } for key in keys for region, date, start in [key]],
        config.context)
    return dict(zip(keys, ids))


def past_slot(config, region, date, start):
    "Return the slot of region on date at start, with one more place taken"
    proxy = config.get_proxy('appliance.slot')
    found = proxy.search_read([
            ('region', '=', region), ('date', '=', date),
            ('start_time', '=', start),
            ], 0, 1, None, ['booked', 'capacity'], config.context)
    if not found:
        return list(past_slots(config, {(region, date, start): 1}).values())[
            0]
    slot, = found
    proxy.write([slot['id']], {
            'booked': slot['booked'] + 1,
            'capacity': max(slot['capacity'], slot['booked'] + 1),
            }, config.context)
    return slot['id']


def setup_service_engineers(config, rng, company, brands, categories,
        regions, today):
    "Make the engineers service engineers; return their profiles by id"
    User = Model.get('res.user')
    Employee = Model.get('company.employee')
    proxy = config.get_proxy('company.employee')
    engineers = []
    users = User.find([('login', '=', 'engineer')])
    if users and users[0].employee:
        engineers.append(users[0].employee.id)
    others = setup_engineers(rng, company)
    engineers.extend(sorted(e.id for e in others if e.id not in engineers))
    profiles = {}
    for index, employee in enumerate(engineers[:len(ENGINEER_PROFILES)]):
        (provinces, latitude, longitude, days, capacity, levels,
            brand_levels) = ENGINEER_PROFILES[index]
        skills = [{'category': categories[c].id, 'level': level}
            for c, level in levels.items()]
        skills += [{'brand': brands[b].id, 'level': level}
            for b, level in brand_levels]
        leaves = [{'start_date': today + dt.timedelta(days=first),
                'end_date': today + dt.timedelta(days=last),
                'reason': reason}
            for first, last, reason in LEAVES.get(index, [])]
        home_base = create_home_base(
            config, employee, HOME_BASES[index], latitude, longitude)
        proxy.write([employee], {
                'service_engineer': True,
                'working_days': days,
                'daily_capacity': capacity,
                'home_base': home_base,
                'base_latitude': latitude,
                'base_longitude': longitude,
                'skills': [('create', skills)],
                'leaves': [('create', leaves)],
                'service_regions': [
                    ('add', [regions[p] for p in provinces])],
                }, config.context)
        profiles[employee] = {
            'regions': {regions[p] for p in provinces},
            'days': set(days),
            'levels': levels,
            'brands': dict(brand_levels),
            'leaves': [(l['start_date'], l['end_date']) for l in leaves],
            'bookings': {},
            }
    return profiles, Employee.find([('id', 'in', list(profiles))])


def create_home_base(config, employee, home_base, latitude, longitude):
    "Create the address of the engineer's home base, return its id"
    province, city, district, street, postal_code = home_base
    party, = config.get_proxy('company.employee').read(
        [employee], ['party'], config.context)
    subdivision, = config.get_proxy('country.subdivision').search(
        [('code', '=', province)], 0, 1, None, config.context)
    country, = config.get_proxy('country.country').search(
        [('code', '=', 'CN')], 0, 1, None, config.context)
    address, = config.get_proxy('party.address').create([{
                'party': party['party'],
                'street': street,
                'city': city,
                'district': district,
                'postal_code': postal_code,
                'country': country,
                'subdivision': subdivision,
                'latitude': latitude,
                'longitude': longitude,
                }], config.context)
    return address


def setup_faults(config, categories):
    "Create the fault types and their active repair plans"
    types = config.get_proxy('appliance.fault.type')
    plans = config.get_proxy('appliance.repair.plan')
    rows = [(category, fault) for category, faults in FAULTS.items()
        for fault in faults]
    with config.set_context(language='en'):
        type_ids = types.create([{
                    'code': code, 'name': name_en,
                    'category': categories[category].id,
                    'symptom': symptom, 'cause': cause,
                    } for category, (code, name_en, _, symptom, cause, *_)
                in rows], config.context)
    _write_translations(config, 'appliance.fault.type', {
            id_: {'name': fault[2]}
            for id_, (_, fault) in zip(type_ids, rows)})
    plan_ids = plans.create([{
                'fault_type': type_id,
                'category': categories[category].id,
                'labour_hours': fault[6],
                'skill_level': fault[7],
                'tools': "万用表、压力表、常用工具",
                'steps': [('create', [{'sequence': i, 'description': step}
                            for i, step in enumerate(fault[5], 1)])],
                } for type_id, (category, fault) in zip(type_ids, rows)],
        config.context)
    plans.activate(plan_ids, config.context)
    result = {}
    for type_id, plan_id, (category, fault) in zip(
            type_ids, plan_ids, rows):
        result.setdefault(category, []).append({
                'type': type_id, 'plan': plan_id, 'code': fault[0],
                'hours': fault[6], 'level': int(fault[7]),
                'steps': len(fault[5])})
    return result


def setup_request_categories(config):
    proxy = config.get_proxy('appliance.service.request.category')
    result = {}
    translations = {}
    with config.set_context(language='en'):
        for name_en, name_zh, kind, children in REQUEST_CATEGORIES:
            parent, = proxy.create([{'name': name_en, 'kind': kind}],
                config.context)
            translations[parent] = {'name': name_zh}
            child_ids = proxy.create([{
                        'name': en, 'kind': kind, 'parent': parent}
                    for en, _ in children], config.context)
            for child, (_, zh) in zip(child_ids, children):
                translations[child] = {'name': zh}
                result[zh] = child
            result[kind] = child_ids[0]
    _write_translations(
        config, 'appliance.service.request.category', translations)
    return result


def setup_sla_policies(config, company):
    proxy = config.get_proxy('appliance.sla.policy')
    with config.set_context(language='en'):
        ids = proxy.create([{
                    'name': en, 'company': company.id, 'kind': kind,
                    'priority': priority, 'response_hours': response,
                    'resolution_hours': resolution, 'sequence': i,
                    } for i, (en, _, kind, priority, response, resolution)
                in enumerate(SLA_POLICIES, 1)], config.context)
    _write_translations(config, 'appliance.sla.policy', {
            id_: {'name': p[1]} for id_, p in zip(ids, SLA_POLICIES)})
    return ids


def _appliances(config, today):
    "The appliances with what a visit needs, in warranty or not"
    proxy = config.get_proxy('appliance.appliance')
    rows = proxy.search_read([
            ('status', '=', 'in_use'),
            ('installation_address', '!=', None),
            ], 0, None, [('id', 'ASC')], [
            'customer', 'installation_address', 'in_warranty',
            'product.template.appliance_category.code',
            'product.template.appliance_brand.code',
            'installation_address.subdivision.code',
            'sale_date', 'installation_date',
            ], config.context)
    result = []
    for row in rows:
        template = row['product.']['template.']
        address = row['installation_address.']
        if not address or not address.get('subdivision.'):
            continue
        result.append({
                'id': row['id'],
                'customer': row['customer'],
                'address': row['installation_address'],
                # covered on the day of any visit of the last 60 days
                'in_warranty': bool(row['in_warranty']
                    and row['sale_date'] and row['installation_date']
                    and max(row['sale_date'], row['installation_date'])
                    < today - dt.timedelta(days=65)),
                'category': template['appliance_category.']['code'],
                'brand': template['appliance_brand.']['code'],
                'province': address['subdivision.']['code'],
                })
    return result


def repair_category(fault):
    "The request category of a repair of fault"
    code = fault['code']
    if code.endswith(('NOCOOL', 'NOHEAT', 'NOIGN')):
        return '不制冷/不加热'
    elif 'LEAK' in code or 'DRIP' in code or 'DRAIN' in code:
        return '漏水'
    elif 'NOISE' in code or 'VIBR' in code:
        return '异响'
    return '电气故障'


def _level(profile, appliance):
    return max(int(profile['levels'].get(appliance['category'], 0)),
        int(profile['brands'].get(appliance['brand'], 0)))


def _pick_engineer(rng, profiles, region, date, window, appliance, level,
        prefer=None, exclude_bookings=False):
    candidates = []
    for employee, profile in profiles.items():
        if region not in profile['regions']:
            continue
        if str(date.weekday()) not in profile['days']:
            continue
        if any(s <= date <= e for s, e in profile['leaves']):
            continue
        if _level(profile, appliance) < level:
            continue
        if window in profile['bookings'].get(date, set()):
            continue
        candidates.append(employee)
    if not candidates:
        return None
    engineer = prefer if prefer in candidates else rng.choice(candidates)
    profiles[engineer]['bookings'].setdefault(date, set()).add(window)
    return engineer


def _at(zone, date, time, minutes=0):
    """The naive UTC time when the clocks of zone read time on date, plus
    minutes"""
    local = dt.datetime.combine(date, time) + dt.timedelta(minutes=minutes)
    return local.replace(tzinfo=zone).astimezone(dt.timezone.utc).replace(
        tzinfo=None)


def quote_cases(config, rng, company, appliances, used, profiles, regions,
        slots, faults, request_categories, agent, me, today):
    """Out-of-warranty repairs, when the charges are installed and priced:
    one done with its quote accepted and invoiced, one dispatched with the
    quote waiting for the customer, one whose customer declined."""
    if not model_exists(config, 'appliance.work_order.charge'):
        return {}
    configuration = config.get_proxy('appliance.configuration').read(
        [1], ['labour_product', 'call_out_product'], config.context)[0]
    if not configuration['labour_product']:
        return {}
    zone = company_zone(company)
    request_proxy = config.get_proxy('appliance.service.request')
    order_proxy = config.get_proxy('appliance.work_order')
    steps = config.get_proxy('appliance.work_order.step')
    # Television sets and dishwashers bought four years ago: even their
    # components are out of warranty
    owners = [a for a in appliances
        if a['province'] == 'CN-GD' and a['id'] not in used][:3]
    products = config.get_proxy('product.product').search_read([
            ('template.appliance_category.code', 'in', ['TV', 'DW']),
            ], 0, None, [('id', 'ASC')], [
            'template.appliance_category.code',
            'template.appliance_brand.code'], config.context)
    if not owners or not products:
        return {}
    vlist, expired = [], []
    for owner in owners:
        product = rng.choice(products)
        template = product['template.']
        sale = today - dt.timedelta(days=rng.randint(1500, 1700))
        vlist.append({
                'company': company.id, 'customer': owner['customer'],
                'installation_address': owner['address'],
                'product': product['id'],
                'serial_number': make_serial(rng,
                    BRANDS[template['appliance_brand.']['code']][1],
                    sale - dt.timedelta(days=60)),
                'production_date': sale - dt.timedelta(days=60),
                'sale_date': sale,
                'installation_date': sale + dt.timedelta(days=2),
                'purchase_channel': 'retail', 'status': 'in_use',
                })
        expired.append({**owner,
                'category': template['appliance_category.']['code'],
                'brand': template['appliance_brand.']['code']})
    for appliance, id_ in zip(expired, config.get_proxy(
                'appliance.appliance').create(vlist, config.context)):
        appliance['id'] = id_
    region = regions['CN-GD']
    result = {}
    cases = [('accepted', -3), ('proposed', 1), ('declined', 2)]
    for (decision, offset), appliance in zip(cases, expired):
        used.add(appliance['id'])
        fault = faults[appliance['category']][0]
        date = today + dt.timedelta(days=offset)
        received = _at(zone, date - dt.timedelta(days=2), dt.time(2, 0))
        request, = request_proxy.create([{
                    'company': company.id, 'kind': 'repair',
                    'channel': 'phone', 'priority': '1',
                    'category': request_categories[repair_category(fault)],
                    'customer': appliance['customer'],
                    'appliance': appliance['id'],
                    'address': appliance['address'],
                    'description': REPAIR_DESCRIPTIONS[
                        appliance['category']][0] + "（已过保）",
                    'owner': agent, 'received_at': received}],
            config.context)
        request_proxy.open([request], config.context)
        request_proxy.process([request], config.context)
        window = 1 if decision == 'accepted' else 0
        start, end, _ = SLOT_WINDOWS[window]
        values = {
            'company': company.id, 'request': request, 'kind': 'repair',
            'priority': '1', 'customer': appliance['customer'],
            'appliance': appliance['id'], 'address': appliance['address'],
            'region': region, 'fault_type': fault['type'],
            'plan': fault['plan'],
            'description': "过保维修，需客户确认报价。",
            }
        engineer = me if (me in profiles
            and _level(profiles[me], appliance) >= fault['level']) else None
        if decision == 'accepted':
            values.update({
                    'slot': past_slot(config, region, date, start),
                    'state': 'in_progress',
                    'appointment_start': _at(zone, date, start),
                    'appointment_end': _at(zone, date, end),
                    'engineer': engineer,
                    'assigned_at': received + dt.timedelta(hours=2),
                    'started_at': _at(zone, date, start, 30),
                    'actual_fault_type': fault['type'],
                    'labour_hours': fault['hours'],
                    'completion_notes': rng.choice(COMPLETION_NOTES),
                    })
        else:
            values['slot'] = slots.get((region, date, start))
        order, = order_proxy.create([values], config.context)
        if decision != 'accepted':
            order_proxy.schedule([order], config.context)
            if engineer:
                order_proxy.write([order], {'engineer': engineer},
                    config.context)
                order_proxy.dispatch([order], config.context)
        order_proxy.compute_charges([order], config.context)
        order_proxy.propose_quote([order], config.context)
        if decision == 'accepted':
            order_proxy.accept_quote([order], config.context)
            steps.write(steps.search([('work_order', '=', order)], 0, None,
                    None, config.context), {'done': True}, config.context)
            order_proxy.complete([order], config.context)
            order_proxy.write([order], {
                    'done_at': _at(zone, date, start, 30 + int(
                            fault['hours'] * 60))}, config.context)
            request_proxy.write([request], {
                    'resolution': "过保维修，客户确认报价后完成维修并开票。"},
                config.context)
            request_proxy.resolve([request], config.context)
        elif decision == 'declined':
            order_proxy.decline_quote([order], config.context)
        result[decision] = order
    return result


def generate_service_desk(config, rng, company, brands, categories,
        subdivisions, today=None, requests=60, before_completion=None):
    """Create the service desk data: regions and slots, engineers, fault
    types and repair plans, SLA policies, request categories, service
    requests and their work orders in every state.

    before_completion(done, waiting, faults) is called with the visits of
    the past that are to be done or to wait for parts, in progress then,
    and the fault types by category, and returns a summary of what it added
    to them (the parts they use)."""
    zone = company_zone(company)
    today = today or local_today(company)
    timer = Timer()
    regions = setup_regions(config, subdivisions)
    slots = setup_slots(config, regions, today)
    profiles, engineers = setup_service_engineers(
        config, rng, company, brands, categories, regions, today)
    faults = setup_faults(config, categories)
    request_categories = setup_request_categories(config)
    sla_policies = setup_sla_policies(config, company)
    timer.lap('service desk reference data')

    User = Model.get('res.user')
    agent_users = User.find([('login', '=', 'agent')])
    agent = agent_users[0].employee.id if agent_users and (
        agent_users[0].employee) else None
    engineer_user = User.find([('login', '=', 'engineer')])
    me = engineer_user[0].employee.id if engineer_user and (
        engineer_user[0].employee) else None

    appliances = [a for a in _appliances(config, today)
        if a['province'] in regions]
    rng.shuffle(appliances)
    covered = [a for a in appliances if a['in_warranty']]
    used = set()

    def take(pool, province=None):
        for appliance in pool:
            if appliance['id'] in used:
                continue
            if province and appliance['province'] != province:
                continue
            used.add(appliance['id'])
            return appliance
        for appliance in pool:
            if appliance['id'] not in used:
                used.add(appliance['id'])
                return appliance

    now = utc_now()
    request_proxy = config.get_proxy('appliance.service.request')
    order_proxy = config.get_proxy('appliance.work_order')

    # What each visit request becomes: (kind, target state, day offset
    # of the visit, for the engineer user)
    visit_plan = []
    plan_states = (
        ['done'] * 16 + ['waiting'] * 3 + ['in_progress'] * 2
        + ['on_the_way'] * 2 + ['dispatched'] * 4 + ['scheduled'] * 6
        + ['draft'] * 4 + ['cancelled'] * 3)
    for state in plan_states:
        kind = weighted(rng, [('repair', 70), ('installation', 15),
                ('maintenance', 15)])
        visit_plan.append((kind, state))
    # the engineer user's day: a visit in each window today
    mine_today = {'in_progress': 0, 'on_the_way': 1, 'dispatched': 2}

    # Service requests ------------------------------------------------------
    request_rows = []   # (values, extra)
    for index, (kind, state) in enumerate(visit_plan):
        # No quote to accept before the work: appliances under warranty
        pool_ = covered if state not in {'draft', 'cancelled'} else (
            appliances)
        province = 'CN-GD' if (index % 3 == 0
            or state in mine_today) else None
        appliance = take(pool_, province)
        if state == 'done':
            days_ago = rng.randint(2, 58)
        elif state == 'waiting':
            days_ago = rng.randint(2, 6)
        elif state in mine_today or state == 'dispatched':
            days_ago = rng.randint(1, 3)
        else:
            days_ago = rng.randint(0, 3)
        received = now - dt.timedelta(days=days_ago,
            minutes=rng.randint(0, 600))
        category = appliance['category']
        if kind == 'repair':
            fault = rng.choice(faults[category])
            description = REPAIR_DESCRIPTIONS[category][
                faults[category].index(fault)
                % len(REPAIR_DESCRIPTIONS[category])]
            request_category = request_categories[repair_category(fault)]
        elif kind == 'installation':
            fault = None
            description = "新购机器，预约上门安装。"
            request_category = request_categories['新机安装']
        else:
            fault = None
            description = rng.choice(["预约清洗保养。", "年度检查保养。"])
            request_category = request_categories[
                '清洗保养' if '清洗' in description else '年度检查']
        priority = weighted(rng, [('1', 60), ('2', 25), ('3', 10),
                ('0', 5)])
        request_rows.append(({
                    'company': company.id,
                    'kind': kind,
                    'channel': weighted(rng, [('phone', 50), ('portal', 25),
                            ('api', 10), ('email', 5), ('walk_in', 10)]),
                    'priority': priority,
                    'category': request_category,
                    'customer': appliance['customer'],
                    'appliance': appliance['id'],
                    'address': appliance['address'],
                    'description': description,
                    'owner': agent,
                    'received_at': received,
                    }, {'state': state, 'fault': fault,
                    'appliance': appliance, 'days_ago': days_ago}))
    others = max(requests - len(request_rows), 0)
    for index in range(others):
        complaint = index % 3 == 2
        texts = COMPLAINTS if complaint else CONSULTATIONS
        description, category_name, resolution, reply = texts[
            (index // 3 if complaint else index) % len(texts)]
        appliance = take(appliances)
        days_ago = rng.randint(0, 50)
        request_rows.append(({
                    'company': company.id,
                    'kind': 'complaint' if complaint else 'consultation',
                    'channel': weighted(rng, [('phone', 60), ('portal', 20),
                            ('email', 20)]),
                    'priority': '2' if complaint else '1',
                    'category': request_categories[category_name],
                    'customer': appliance['customer'],
                    'appliance': appliance['id'],
                    'address': appliance['address'],
                    'description': description,
                    'owner': agent,
                    'received_at': now - dt.timedelta(
                        days=days_ago, minutes=rng.randint(0, 600)),
                    }, {'state': (
                        'open' if days_ago < 2 or resolution is None
                        else rng.choice(['resolved', 'closed', 'closed'])),
                    'resolution': resolution, 'reply': reply,
                    'days_ago': days_ago, 'complaint': complaint}))
    request_ids = request_proxy.create(
        [v for v, _ in request_rows], config.context)
    request_proxy.open(request_ids, config.context)
    args = []
    for request_id, (values, _) in zip(request_ids, request_rows):
        args.extend(([request_id], {'opened_at': values['received_at']
                    + dt.timedelta(minutes=rng.randint(2, 45))}))
    request_proxy.write(*args, config.context)
    timer.lap('service requests')

    # Work orders -----------------------------------------------------------
    region_of = {p: regions[p] for p in regions}
    mine_taken = set()
    if me in profiles:
        # the engineer user's day is kept for the visits below
        profiles[me]['bookings'].setdefault(today, set()).update(
            mine_today.values())
    needed_past = {}
    visits = []
    for request_id, (values, extra) in zip(request_ids, request_rows):
        if 'fault' not in extra:
            continue
        state = extra['state']
        appliance = extra['appliance']
        region = region_of[appliance['province']]
        fault = extra['fault']
        level = fault['level'] if fault else 1
        window = None
        date = None
        mine = state in mine_today and state not in mine_taken
        if mine:
            mine_taken.add(state)
            date = today
            window = mine_today[state]
        elif state in {'done', 'waiting'}:
            date = today - dt.timedelta(days=max(extra['days_ago'] - 1, 1))
            window = rng.randrange(len(SLOT_WINDOWS))
        elif state in mine_today:
            # the other engineers' visits of today
            date = today
            window = rng.randrange(len(SLOT_WINDOWS))
        elif state in {'scheduled', 'dispatched', 'cancelled'}:
            date = today + dt.timedelta(days=rng.randint(
                    0 if state == 'dispatched' else 1, 6))
            window = rng.randrange(len(SLOT_WINDOWS))
        engineer = None
        if state in {'done', 'waiting', 'dispatched', 'on_the_way',
                'in_progress'}:
            prefer = me if appliance['province'] == 'CN-GD' else None
            if mine:
                if (me in profiles and region in profiles[me]['regions']
                        and _level(profiles[me], appliance) >= level):
                    engineer = me
            for _ in range(0 if mine else len(SLOT_WINDOWS) * 4):
                engineer = _pick_engineer(rng, profiles, region, date,
                    window, appliance, level, prefer=prefer)
                if engineer:
                    break
                if mine:
                    break
                window = (window + 1) % len(SLOT_WINDOWS)
                if window == 0:
                    date += dt.timedelta(
                        days=-1 if date < today else 1)
            if not engineer:
                state = 'scheduled' if date >= today else 'draft'
                if state == 'draft':
                    date = None
        start, end, _ = SLOT_WINDOWS[window] if window is not None else (
            None, None, None)
        order = {
            'company': company.id,
            'request': request_id,
            'kind': values['kind'],
            'priority': values['priority'],
            'customer': values['customer'],
            'appliance': values['appliance'],
            'address': values['address'],
            'region': region,
            'description': values['description'],
            }
        if fault:
            order['fault_type'] = fault['type']
        if date and date < today:
            key = (region, date, start)
            needed_past[key] = needed_past.get(key, 0) + 1
        visits.append((order, {'state': state, 'date': date,
                    'window': window, 'start': start, 'end': end,
                    'engineer': engineer, 'fault': fault,
                    'appliance': appliance, 'request': request_id,
                    'received': values['received_at']}))

    past = past_slots(config, needed_past)
    local = local_now(company)
    for order, info in visits:
        if info['date'] is None:
            continue
        key = (order['region'], info['date'], info['start'])
        order['slot'] = past.get(key) or slots.get(key)
        if (info['date'] == today
                and dt.datetime.combine(today, info['end']) <= local):
            # The window is over: no booking any more, the visit was booked
            # and dispatched before, as the buttons would have
            info['booked'] = True
            order['slot'] = past_slot(
                config, order['region'], today, info['start'])
            order.update({
                    'state': info['state'],
                    'appointment_start': _at(zone, today, info['start']),
                    'appointment_end': _at(zone, today, info['end']),
                    })
            if info['state'] != 'scheduled':
                order.update({
                        'engineer': info['engineer'],
                        'assigned_at': info['received'] + dt.timedelta(
                            hours=1, minutes=30),
                        })
            if info['state'] == 'in_progress':
                order['started_at'] = _at(zone, today, info['start'], 20)
        elif info['date'] < today:
            # A past visit: recorded as started, then completed below
            start = _at(
                zone, info['date'], info['start'], rng.randint(0, 60))
            order.update({
                    'state': 'in_progress',
                    'appointment_start': _at(
                        zone, info['date'], info['start']),
                    'appointment_end': _at(zone, info['date'], info['end']),
                    'engineer': info['engineer'],
                    'assigned_at': info['received'] + dt.timedelta(
                        hours=rng.randint(1, 5)),
                    'started_at': start,
                    })
            if info['fault']:
                order['plan'] = info['fault']['plan']
    order_ids = order_proxy.create([o for o, _ in visits], config.context)
    by_state = {}
    for order_id, (order, info) in zip(order_ids, visits):
        info['id'] = order_id
        by_state.setdefault(info['state'], []).append(info)
    request_proxy.process(
        [i['request'] for _, i in visits], config.context)

    def ids(*states, future=None):
        return [i['id'] for s in states for i in by_state.get(s, [])
            if not i.get('booked')
            and (future is None or (i['date'] >= today) == future)]

    # Upcoming visits through the buttons, with their checks
    order_proxy.schedule(
        ids('scheduled', 'dispatched', 'on_the_way', 'in_progress',
            'cancelled'), config.context)
    for info in (by_state.get('dispatched', []) + by_state.get(
                'on_the_way', []) + by_state.get('in_progress', [])):
        order_proxy.write([info['id']], {'engineer': info['engineer']},
            config.context)
    order_proxy.dispatch(
        ids('dispatched', 'on_the_way', 'in_progress'), config.context)
    order_proxy.depart(ids('on_the_way', 'in_progress'), config.context)
    order_proxy.start(ids('in_progress'), config.context)
    order_proxy.cancel(ids('cancelled') + ids('draft')[:1], config.context)

    # The parts of the past visits, used on completion
    parts = {}
    if before_completion:
        parts = before_completion(by_state.get('done', []),
            by_state.get('waiting', []), faults) or {}
        timer.lap('parts of the work orders')

    # Past visits: record the work and complete or wait for parts
    steps = config.get_proxy('appliance.work_order.step')
    past_done = by_state.get('done', [])
    # The rework: the same appliance repaired again within the rework days
    for info in past_done + by_state.get('waiting', []):
        fault = info['fault']
        values = {'labour_hours': (fault['hours'] if fault else 1.5)
            + rng.choice([0, 0, 0.5, -0.25 if fault and fault['hours'] > 1
                    else 0])}
        if fault:
            values['actual_fault_type'] = fault['type']
            values['root_cause'] = None
        if info['state'] == 'done':
            values['completion_notes'] = rng.choice(COMPLETION_NOTES)
        order_proxy.write([info['id']], values, config.context)
    done_steps = steps.search([
            ('work_order', 'in', [i['id'] for i in past_done])], 0, None,
        None, config.context)
    if done_steps:
        steps.write(done_steps, {'done': True}, config.context)
    # Those missing a part already wait for it
    waiting = [r['id'] for r in order_proxy.read(
            ids('waiting'), ['state'], config.context)
        if r['state'] == 'in_progress']
    order_proxy.wait_parts(waiting, config.context)
    past_done.sort(key=lambda i: (i['date'], i['window']))
    # Oldest first so that a rework finds the repair it redoes
    for info in past_done:
        order_proxy.complete([info['id']], config.context)
    timer.lap('work orders')

    # The rework: a repair of an appliance repaired days before
    rework = None
    repaired = [i for i in past_done if i['fault'] and i['engineer'] != me
        and (today - i['date']).days >= 8]
    if repaired:
        first = repaired[-1]
        appliance = first['appliance']
        date = first['date'] + dt.timedelta(days=5)
        region = region_of[appliance['province']]
        window = 0
        engineer = _pick_engineer(rng, profiles, region, date, window,
            appliance, first['fault']['level'], prefer=me) or (
            first['engineer'])
        received = _at(zone, date - dt.timedelta(days=1), dt.time(8, 0))
        rework_request, = request_proxy.create([{
                    'company': company.id, 'kind': 'repair',
                    'channel': 'phone', 'priority': '2',
                    'category': request_categories[
                        repair_category(first['fault'])],
                    'customer': appliance['customer'],
                    'appliance': appliance['id'],
                    'address': appliance['address'],
                    'description': "上次维修后又出现同样的故障，要求返修。",
                    'owner': agent, 'received_at': received}],
            config.context)
        request_proxy.open([rework_request], config.context)
        request_proxy.process([rework_request], config.context)
        rework, = order_proxy.create([{
                    'company': company.id, 'request': rework_request,
                    'kind': 'repair', 'priority': '2',
                    'customer': appliance['customer'],
                    'appliance': appliance['id'],
                    'address': appliance['address'], 'region': region,
                    'description': "返修：同一故障再次出现。",
                    'fault_type': first['fault']['type'],
                    'actual_fault_type': first['fault']['type'],
                    'plan': first['fault']['plan'],
                    'slot': past_slot(
                        config, region, date, SLOT_WINDOWS[0][0]),
                    'state': 'in_progress',
                    'appointment_start': _at(
                        zone, date, SLOT_WINDOWS[0][0]),
                    'appointment_end': _at(zone, date, SLOT_WINDOWS[0][1]),
                    'engineer': engineer,
                    'assigned_at': received + dt.timedelta(hours=2),
                    'started_at': _at(zone, date, SLOT_WINDOWS[0][0], 30),
                    'labour_hours': first['fault']['hours'] + 1,
                    'root_cause': "上次维修未彻底排除泄漏点。",
                    'completion_notes': "重新查漏补焊，保压24小时无泄漏。",
                    }], config.context)
        steps.write(steps.search([('work_order', '=', rework)], 0, None,
                None, config.context), {'done': True}, config.context)
        order_proxy.complete([rework], config.context)
        past_done.append({'id': rework, 'date': date, 'window': 0,
                'start': SLOT_WINDOWS[0][0], 'end': SLOT_WINDOWS[0][1],
                'engineer': engineer, 'request': rework_request,
                'received': received, 'fault': first['fault'],
                'appliance': appliance})

    # Back-date what the buttons stamped now
    event_proxy = config.get_proxy('appliance.work_order.event')
    Employee = Model.get('company.employee')
    names = {e.id: e.party.name for e in Employee.find(
            [('id', 'in', list(profiles))])}
    history = []
    steps_done = ['scheduled', 'dispatched', 'on_the_way', 'in_progress']
    booked = [i for s in steps_done for i in by_state.get(s, [])
        if i.get('booked')]
    for info in past_done + by_state.get('waiting', []) + booked:
        scheduled = info['received'] + dt.timedelta(minutes=30)
        last = (steps_done.index(info['state']) if info.get('booked')
            else len(steps_done) - 1)
        for date, state, description in [
                (scheduled, 'scheduled',
                    f"已预约上门时间 {info['date']:%m-%d} "
                    f"{info['start']:%H:%M}-{info['end']:%H:%M}"),
                (scheduled + dt.timedelta(hours=1), 'dispatched',
                    f"已派工程师 {names.get(info['engineer'], '')}"),
                (_at(zone, info['date'], info['start'], -40), 'on_the_way',
                    "工程师已出发"),
                (_at(zone, info['date'], info['start'], 20), 'in_progress',
                    "工程师已到达，开始服务"),
                ][:last + 1]:
            history.append({'work_order': info['id'], 'date': date,
                    'state': state, 'description': description,
                    'public': True, 'employee': info['engineer']})
    if history:
        event_proxy.create(history, config.context)
    for info in past_done + by_state.get('waiting', []):
        started = _at(zone, info['date'], info['start'], 20)
        done_at = started + dt.timedelta(hours=rng.uniform(1, 3))
        if info in past_done:
            order_proxy.write([info['id']], {'done_at': done_at},
                config.context)
        events = event_proxy.search([
                ('work_order', '=', info['id']),
                ('state', 'in', ['done', 'waiting']),
                ], 0, None, [('id', 'ASC')], config.context)
        if events:
            event_proxy.write(events, {
                    'date': done_at if info in past_done else started},
                config.context)
    # the rework links to the repair it redoes when completed in order
    timer.lap('completion')

    # Requests: resolve the finished visits, answer the others
    resolve = [i['request'] for i in past_done]
    if resolve:
        request_proxy.write(resolve, {
                'resolution': "上门服务完成，客户确认。"}, config.context)
        request_proxy.resolve(resolve, config.context)
        close = [r for i, r in enumerate(resolve) if i % 3 != 0]
        for info in past_done:
            request_proxy.write([info['request']], {
                    'satisfaction': rng.choice(['4', '5', '5', '3']),
                    'resolved_at': _at(zone, info['date'], info['end']),
                    }, config.context)
        request_proxy.close(close, config.context)
    escalated = None
    for request_id, (values, extra) in zip(request_ids, request_rows):
        if 'fault' in extra:
            continue
        if extra['state'] == 'open':
            if extra.get('complaint') and escalated is None:
                escalated = request_id
                request_proxy.write([request_id], {
                        'escalated': True,
                        'escalated_at': values['received_at']
                        + dt.timedelta(hours=24),
                        'priority': '3',
                        }, config.context)
            continue
        request_proxy.write([request_id], {
                'resolution': extra['resolution'],
                'reply': extra['reply']}, config.context)
        request_proxy.resolve([request_id], config.context)
        resolved_at = values['received_at'] + dt.timedelta(
            hours=rng.randint(1, 20))
        request_proxy.write([request_id], {
                'satisfaction': rng.choice(['3', '4', '4', '5', '5']),
                'resolved_at': resolved_at,
                'replied_at': resolved_at,
                }, config.context)
        if extra['state'] == 'closed':
            request_proxy.close([request_id], config.context)
    timer.lap('request follow-up')

    # Ratings of the finished visits, when the module rates them
    ratings = 0
    if model_exists(config, 'appliance.work_order.rating'):
        rating_proxy = config.get_proxy('appliance.work_order.rating')
        vlist, dates = [], []
        for info in past_done[::2]:
            overall = rng.choice([5, 5, 5, 4, 4, 3])
            vlist.append({
                    'work_order': info['id'], 'overall': overall,
                    'punctuality': min(5, overall + rng.choice([-1, 0, 0])),
                    'attitude': min(5, overall + rng.choice([0, 0, 1])),
                    'quality': overall,
                    'comment': rng.choice(RATING_COMMENTS),
                    })
            # Rated on the spot or from the link in the following hours
            dates.append(min(utc_now(), _at(zone, info['date'], info['end'])
                    + dt.timedelta(minutes=rng.randint(-90, 30 * 60))))
        if vlist:
            ids = rating_proxy.create(vlist, config.context)
            ratings = len(ids)
            # The server stamps a rating when it is given: back-date it
            rating_proxy.write(*[a for i, d in zip(ids, dates)
                    for a in ([i], {'date': d})], config.context)
    timer.lap('ratings')

    # The rating events are of the days after the visits
    rated = {i['id']: i for i in past_done}
    events = event_proxy.search_read([
            ('work_order', 'in', list(rated)),
            ('date', '>=', now),
            ], 0, None, None, ['work_order'], config.context)
    args = []
    for event in events:
        info = rated[event['work_order']]
        args.extend(([event['id']], {'date': _at(
                        zone, info['date'], info['end'])
                    + dt.timedelta(hours=rng.randint(3, 30))}))
    if args:
        event_proxy.write(*args, config.context)

    quotes = quote_cases(config, rng, company, appliances, used, profiles,
        regions, slots, faults, request_categories, agent, me, today)
    timer.lap('quotes and invoices')

    states = {}
    for row in order_proxy.search_read([], 0, None, None, ['state'],
            config.context):
        states[row['state']] = states.get(row['state'], 0) + 1
    mine = order_proxy.search_count([
            ('engineer', '=', me),
            ('appointment_start', '>=', _at(zone, today, dt.time(0))),
            ('appointment_start', '<', _at(
                    zone, today + dt.timedelta(days=1), dt.time(0))),
            ], config.context) if me else 0
    return {
        'service regions': len(regions),
        'appointment slots': len(slots) + len(past),
        'service engineers': len(profiles),
        'fault types': sum(len(f) for f in faults.values()),
        'SLA policies': len(sla_policies),
        'service requests': request_proxy.search_count([], config.context),
        'work orders by state': states,
        "engineer user's visits today": mine,
        'ratings': ratings,
        'escalated complaint': bool(escalated),
        'out-of-warranty quotes': quotes,
        **{k: v for k, v in parts.items() if k != 'seconds'},
        'seconds': {**timer.laps, **parts.get('seconds', {})},
        }


# Entry points ----------------------------------------------------------------

def generate(config, customers=200, appliances=400, seed=8, today=None):
    """Fill the database of config with demo data.

    Returns a summary dictionary of what was created.  The company is the
    one of the context or the first one.
    """
    rng = random.Random(seed)
    Company = Model.get('company.company')
    Country = Model.get('country.country')
    Subdivision = Model.get('country.subdivision')
    Lang = Model.get('ir.lang')
    Configuration = Model.get('appliance.configuration')
    Party = Model.get('party.party')
    Appliance = Model.get('appliance.appliance')

    company_id = config.context.get('company')
    company = Company(company_id) if company_id else Company.find([])[0]
    today = today or local_today(company)
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
            service_desk = {}
            if not service_desk_loaded():
                # The spare parts come before the past visits are
                # completed, so that they use them
                parts_rng = random.Random(seed + 1)

                def before_completion(done, waiting, faults):
                    summary = generate_parts(
                        config, parts_rng, company, categories, today)
                    if summary:
                        summary.update(parts_on_orders(config, parts_rng,
                                company, done, waiting, today))
                    return summary
                service_desk = generate_service_desk(config, rng, company,
                    brands, categories, subdivisions,
                    before_completion=before_completion)
                timer.lap('service desk')
            spare_parts = generate_parts(
                config, rng, company, categories, today)
            claims = supplier_claims(config, today)
            if model_exists(config, 'appliance.work_order.defective_part'):
                # The parts of the repairs to come and of the history
                claims['repair plans with parts'] = plan_parts(config)
            history = generate_analytics_history(config)
            timer.lap('analytics history')
            hr = generate_hr(config, random.Random(seed + 2), company, today)
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
        **{k: v for k, v in service_desk.items() if k != 'seconds'},
        **{k: v for k, v in spare_parts.items() if k != 'seconds'},
        **claims,
        **{k: v for k, v in history.items() if k != 'seconds'},
        **{k: v for k, v in hr.items() if k != 'seconds'},
        'seconds': {**timer.laps, **service_desk.get('seconds', {}),
            **spare_parts.get('seconds', {}),
            **history.get('seconds', {}), **hr.get('seconds', {})},
        }


def generate_analytics_history(config, work_orders=3000, seed=8):
    """Load the history the analytics show: 24 months of repairs with their
    seasons, faults, parts, ratings and rework, and a batch defect last week
    for the alert (scripts/load_bench_data.py writes them straight into the
    tables).

    Only once, on a database opened directly (not over XML-RPC) where
    appliance_analytics is activated; returns what was loaded."""
    database = getattr(config, 'database_name', None)
    if not database or not model_exists(config, 'appliance.analytics.daily'):
        return {}
    WorkOrder = Model.get('appliance.work_order')
    if WorkOrder.find([('number', 'like', 'WOB%')], limit=1):
        return {}
    import load_bench_data
    summary = load_bench_data.load(
        database, work_orders, seed=seed, spike=True)
    return {
        'analytics history work orders': summary['appliance_work_order'],
        'batch-defect alerts': summary['batch-defect alerts'],
        'seconds': {'analytics history': summary['seconds']},
        }


def service_desk(config, seed=8):
    """Add the service desk data and the HR data to a database generated
    without them

    Returns the summary of what was added or None when the data is already
    there."""
    Company = Model.get('company.company')
    company_id = config.context.get('company')
    company = Company(company_id) if company_id else Company.find([])[0]
    summary = {}
    if not service_desk_loaded():
        summary.update(_service_desk(config, company, seed))
    with config.set_context(company=company.id, language='zh_CN'):
        summary.update(generate_hr(config, random.Random(seed + 2), company,
                local_today(company)))
    return summary or None


def _service_desk(config, company, seed):
    rng = random.Random(seed)
    Country = Model.get('country.country')
    Subdivision = Model.get('country.subdivision')
    with config.set_context(company=company.id, language='zh_CN'):
        china, = Country.find([('code', '=', 'CN')])
        subdivisions = {s.code: s for s in Subdivision.find(
                [('country', '=', china.id)])}
        brands = {b.code: b for b in Model.get('appliance.brand').find([])}
        categories = {c.code: c
            for c in Model.get('appliance.category').find([])}
        return generate_service_desk(
            config, rng, company, brands, categories, subdivisions)


# ---------------------------------------------------------------------------
# Spare parts (appliance_parts): part categories and parts for every
# appliance category, warehouses, engineers' vans, stock, order points,
# suppliers, quotations and purchases in each state, a van stocktake.
# ---------------------------------------------------------------------------

# appliance category: (part category code, name, English name,
#   [(code, name, English name, serialised, cost, [variants])])
PART_CATEGORIES = {
    'AC': ('AC', "空调配件", "Air-conditioner parts", [
            ('AC-CMP', "压缩机", "Compressor", True, 420,
                ["旋转式 1.5匹 R32", "旋转式 1匹 R32", "涡旋式 3匹 R410A"]),
            ('AC-PCB', "室外机主板", "Outdoor main board", True, 260,
                ["变频 1.5匹", "变频 3匹"]),
            ('AC-FAN', "风扇电机", "Fan motor", False, 95,
                ["室内 YDK-20", "室外 YDK-45"]),
            ('AC-EXV', "电子膨胀阀", "Electronic expansion valve", False,
                68, ["DPF1.8", "DPF2.4"]),
            ('AC-RMT', "遥控器", "Remote control", False, 25, ["通用型"]),
            ]),
    'REF': ('RF', "冰箱配件", "Refrigerator parts", [
            ('RF-CMP', "压缩机", "Compressor", True, 380,
                ["变频 R600a", "定频 R600a"]),
            ('RF-THM', "温控器", "Thermostat", False, 35,
                ["WDF-18", "WDF-25"]),
            ('RF-DEF', "化霜加热器", "Defrost heater", False, 42,
                ["180W", "220W"]),
            ('RF-GSK', "门封条", "Door gasket", False, 30, ["冷藏室", "冷冻室"]),
            ]),
    'WM': ('WM', "洗衣机配件", "Washing-machine parts", [
            ('WM-PMP', "排水泵", "Drain pump", False, 45, ["B20-6A", "B30-6"]),
            ('WM-VLV', "进水阀", "Inlet valve", False, 22, ["单路", "双路"]),
            ('WM-PCB', "电脑板", "Control board", True, 210,
                ["滚筒 10kg", "波轮 8kg"]),
            ('WM-LCK', "门锁", "Door lock", False, 38, ["滚筒通用"]),
            ]),
    'WH': ('WH', "热水器配件", "Water-heater parts", [
            ('WH-IGN', "点火器", "Igniter", False, 30, ["脉冲 3V"]),
            ('WH-VLV', "比例阀", "Proportional valve", False, 85,
                ["燃气 16L"]),
            ('WH-SNS', "温度传感器", "Temperature sensor", False, 18,
                ["NTC 10K"]),
            ]),
    'TV': ('TV', "电视配件", "Television parts", [
            ('TV-PWR', "电源板", "Power board", True, 150, ["55寸", "65寸"]),
            ('TV-LED', "背光灯条", "Backlight strip", False, 60,
                ["55寸 6灯", "65寸 8灯"]),
            ('TV-MB', "主板", "Main board", True, 240, ["4K 智能"]),
            ]),
    'HOOD': ('RH', "油烟机配件", "Range-hood parts", [
            ('RH-MOT', "电机", "Motor", False, 180, ["220W", "280W"]),
            ('RH-SW', "按键开关", "Switch", False, 20, ["触摸", "机械"]),
            ('RH-LMP', "照明灯", "Lamp", False, 12, ["LED 1.5W"]),
            ]),
    'DW': ('DW', "洗碗机配件", "Dishwasher parts", [
            ('DW-PMP', "循环泵", "Circulation pump", False, 160, ["13套"]),
            ('DW-HTR', "加热管", "Heater", False, 75, ["1800W"]),
            ('DW-ARM', "喷淋臂", "Spray arm", False, 28, ["上层", "下层"]),
            ]),
    }
PART_MANUFACTURERS = ["珠海凌达压缩机有限公司", "广东美芝制冷设备有限公司",
    "浙江三花智能控制股份有限公司", "卧龙电气驱动集团", "深圳和而泰智能控制",
    "宁波韩电电器有限公司"]
# name, currency code, lead time in days, price factor
PART_SUPPLIERS = [
    ("格力配件供应中心", 7, Decimal('1.00')),
    ("美的售后备件中心", 5, Decimal('1.05')),
    ("海尔零部件有限公司", 10, Decimal('0.95')),
    ("佛山顺德家电配件批发", 3, Decimal('1.12')),
    ]
# code: (name, provinces of the engineers it refills)
PART_WAREHOUSES = {
    'GZ': ("华南备件仓", {'CN-GD'}),
    'SH': ("华东备件仓", {'CN-SH', 'CN-ZJ', 'CN-JS'}),
    'BJ': ("华北备件仓", {'CN-BJ', 'CN-SD'}),
    'CD': ("西南备件仓", {'CN-SC'}),
    }


def parts_loaded():
    return bool(Model.get('product.category').find(
            [('part_category', '=', True)], limit=1))


def generate_parts(config, rng, company, categories, today):
    """Spare parts and their purchasing; skipped when the part categories
    exist or appliance_parts is not activated.  Returns a summary."""
    if (not model_exists(config, 'appliance.part.substitute')
            or parts_loaded()):
        return {}
    timer = Timer()
    _parts_users()
    parts = _setup_parts(config, rng, categories)
    suppliers = _setup_part_suppliers(rng, parts)
    warehouses = _setup_part_warehouses()
    vans = _setup_vans(warehouses)
    timer.lap('parts catalog')
    stocked = _stock_parts(config, rng, parts, warehouses, vans, today)
    _parts_consumption(config, rng, stocked, today)
    points = _order_points(config, parts, warehouses, vans)
    timer.lap('parts stock')
    purchases = _parts_purchases(config, rng, company, parts, suppliers,
        warehouses, today)
    _van_stocktake(vans)
    timer.lap('parts purchasing')
    return {
        'spare parts': len(parts),
        'part suppliers': len(suppliers),
        'parts warehouses': len(warehouses),
        'engineer vans': len(vans),
        'order points': points,
        'purchases by state': purchases,
        'seconds': timer.laps,
        }


def _parts_users():
    "The parts clerk buys and receives; the manager approves"
    User = Model.get('res.user')
    Group = Model.get('res.group')
    wanted = {
        'clerk': ["Purchase", "Purchase Request", "Stock", "Quality"],
        'manager': ["Purchase", "Stock"],
        }
    for login, names in wanted.items():
        for user in User.find([('login', '=', login)]):
            groups = Group.find([('name', 'in', names)])
            user.groups.extend(g for g in groups if g not in user.groups)
            user.save()


def _part_account_category():
    Account = Model.get('account.account')
    Category = Model.get('product.category')
    accounts = Account.find([('type.expense', '=', True)], limit=1)
    if not accounts:
        return None
    category = Category(name="备件 Spare parts")
    category.accounting = True
    category.account_expense = accounts[0]
    category.save()
    return category


def _setup_parts(config, rng, categories):
    Category = Model.get('product.category')
    Template = Model.get('product.template')
    Party = Model.get('party.party')
    AttributeSet = Model.get('product.attribute.set')
    unit = _unit()
    account_category = _part_account_category()
    manufacturers = []
    for name in PART_MANUFACTURERS:
        party = Party(name=name)
        party.save()
        manufacturers.append(party)
    attribute_set = AttributeSet(name="备件规格")
    for name, string in [('model', "型号"), ('spec', "规格")]:
        attribute = attribute_set.attributes.new(name=name, string=string)
        attribute.type_ = 'char'
    attribute_set.save()
    models = {}
    for template in Template.find([('appliance', '=', True)]):
        models.setdefault(template.appliance_category.code, []).append(
            template)
    parts = []
    for category_code, (code, name, name_en, kinds) in (
            PART_CATEGORIES.items()):
        if category_code not in categories:
            continue
        parent = Category(name=name, code=code)
        parent.part_category = True
        parent.save()
        _translate(config, parent, 'en', name=name_en)
        for (kind_code, kind, kind_en, serialised, cost,
                variants) in kinds:
            category = Category(name=kind, code=kind_code, parent=parent)
            category.part_category = True
            category.save()
            _translate(config, category, 'en', name=kind_en)
            for variant in variants:
                template = Template(
                    name=f"{kind} {variant}", type='goods',
                    default_uom=unit, purchase_uom=unit, purchasable=True,
                    list_price=Decimal(cost) * 2)
                template.spare_part = True
                template.part_category = category
                template.serialised = serialised
                template.account_category = account_category
                template.manufacturer = rng.choice(manufacturers)
                template.manufacturer_code = (
                    f"{kind_code.split('-')[1]}{rng.randrange(1000, 9999)}"
                    f"-{rng.choice('ABCDEFGH')}{rng.randrange(10, 99)}")
                template.attribute_set = attribute_set
                for model in rng.sample(models.get(category_code, []),
                        min(3, len(models.get(category_code, [])))):
                    template.compatible_models.append(Template(model.id))
                template.save()
                product, = template.products
                product.cost_price = Decimal(cost)
                product.attributes = {
                    'model': template.manufacturer_code, 'spec': variant}
                product.save()
                parts.append(product)
    return parts


def _setup_part_suppliers(rng, parts):
    Party = Model.get('party.party')
    ProductSupplier = Model.get('purchase.product_supplier')
    suppliers = []
    for name, lead_days, factor in PART_SUPPLIERS:
        party = Party(name=name)
        party.save()
        suppliers.append((party, lead_days, factor))
    to_save = []
    for product in parts:
        for party, lead_days, factor in rng.sample(suppliers, 2):
            product_supplier = ProductSupplier(
                template=product.template, product=product, party=party,
                lead_time=dt.timedelta(days=lead_days))
            price = product_supplier.prices.new()
            price.quantity = 0
            price.unit_price = (product.cost_price * factor).quantize(
                Decimal('0.01'))
            to_save.append(product_supplier)
    ProductSupplier.save(to_save)
    return [s[0] for s in suppliers]


def _setup_part_warehouses():
    "The central warehouse and the regional ones, by code"
    Location = Model.get('stock.location')
    central, = Location.find([('code', '=', 'WH')])
    central.name = "中央备件仓"
    central.save()
    warehouses = {'WH': central}
    for code, (name, _) in PART_WAREHOUSES.items():
        warehouse, = central.duplicate(default={'name': name, 'code': code})
        warehouses[code] = warehouse
    return warehouses


def _setup_vans(warehouses):
    "Each service engineer's van, refilled by the warehouse of his region"
    Employee = Model.get('company.employee')
    vans = {}
    for engineer in Employee.find([('service_engineer', '=', True)]):
        provinces = [s.code for r in engineer.service_regions
            for s in r.subdivisions]
        code = next((c for c, (_, served) in PART_WAREHOUSES.items()
                if provinces and provinces[0] in served), 'GZ')
        engineer.parts_warehouse = warehouses[code]
        engineer.save()
        vans[engineer.van.id] = (engineer.van, warehouses[code])
    return list(vans.values())


def _stock_parts(config, rng, parts, warehouses, vans, today):
    """Opening stocktakes of the warehouses, then the vans refilled;
    returns the plain parts in stock by storage location"""
    Inventory = Model.get('stock.inventory')
    Lot = Model.get('stock.lot')
    Shipment = Model.get('stock.shipment.internal')
    serial = 0
    inventories = []
    stocked = {}
    for code, warehouse in warehouses.items():
        plain = stocked.setdefault(warehouse.storage_location, {})
        inventory = Inventory(location=warehouse.storage_location,
            date=today - dt.timedelta(days=120))
        for product in parts:
            if code != 'WH' and rng.random() < .3:
                continue
            quantity = rng.randint(2, 8) if code != 'WH' else rng.randint(
                10, 40)
            if product.template.serialised:
                for _ in range(min(quantity, 4)):
                    serial += 1
                    lot = Lot(number=f"SN{today:%y}{serial:07d}",
                        product=product)
                    lot.save()
                    inventory.lines.new(product=product, lot=lot, quantity=1)
            else:
                inventory.lines.new(product=product, quantity=quantity)
                plain[product] = quantity
        inventory.save()
        inventories.append(inventory)
    Inventory.click(inventories, 'confirm')
    for van, warehouse in vans:
        source = stocked[warehouse.storage_location]
        available = [p for p, q in source.items() if q >= 4]
        shipment = Shipment(from_location=warehouse.storage_location,
            to_location=van, planned_date=today - dt.timedelta(days=100))
        load = stocked.setdefault(van, {})
        for product in rng.sample(available, min(6, len(available))):
            move = shipment.moves.new(product=product, quantity=3)
            move.from_location = warehouse.storage_location
            move.to_location = van
            source[product] -= 3
            load[product] = 3
        shipment.save()
        shipment.click('wait')
        shipment.click('assign_try')
        shipment.click('do')
    return stocked


def _parts_consumption(config, rng, stocked, today):
    """Parts used on repairs over the last 90 days, for the consumption
    rates; done as root as the repair bridge will do them from work orders"""
    Move = Model.get('stock.move')
    Location = Model.get('stock.location')
    customer, = Location.find([('type', '=', 'customer')], limit=1)
    moves = []
    for location, quantities in stocked.items():
        for _ in range(6 if location.engineer else 12):
            available = [p for p, q in quantities.items() if q >= 1]
            if not available:
                break
            product = rng.choice(available)
            quantities[product] -= 1
            date = today - dt.timedelta(days=rng.randint(1, 89))
            move = Move(product=product, quantity=1,
                unit=product.default_uom, from_location=location,
                to_location=customer, planned_date=date, effective_date=date)
            if move.unit_price_required:
                move.unit_price = product.cost_price
                move.currency = move.company.currency
            moves.append(move)
    Move.save(moves)
    user, config.user = config.user, 0
    try:
        Move.click(moves, 'do')
    finally:
        config.user = user


def _order_points(config, parts, warehouses, vans):
    "Purchase order points per warehouse and part, internal ones per van"
    proxy = config.get_proxy('stock.order_point')
    company = config.context.get('company')
    values = []
    for code, warehouse in warehouses.items():
        for product in parts:
            central = code == 'WH'
            values.append({
                    'type': 'purchase', 'product': product.id,
                    'location': warehouse.id, 'company': company,
                    'min_quantity': 10 if central else 2,
                    'target_quantity': 30 if central else 6,
                    'automatic_minimum': not central,
                    'safety_stock': 2,
                    })
    plain = [p for p in parts if not p.template.serialised][:8]
    for van, warehouse in vans:
        for product in plain:
            values.append({
                    'type': 'internal', 'product': product.id,
                    'location': van.id, 'company': company,
                    'provisioning_location': warehouse.storage_location.id,
                    'min_quantity': 1, 'target_quantity': 3,
                    'automatic_minimum': True, 'safety_stock': 1,
                    })
    proxy.create(values, config.context)
    Cron = Model.get('ir.cron')
    cron, = Cron.find([('method', '=', 'stock.order_point|update_minimums')])
    cron.click('run_once')
    return len(values)


def _parts_purchases(config, rng, company, parts, suppliers, warehouses,
        today):
    """Run the supply job, quote one request with two suppliers and leave
    purchases in each state; returns their number by state"""
    from proteus import Wizard
    Configuration = Model.get('purchase.configuration')
    Cron = Model.get('ir.cron')
    Purchase = Model.get('purchase.purchase')
    Request = Model.get('purchase.request')
    Quotation = Model.get('purchase.request.quotation')
    Shipment = Model.get('stock.shipment.in')
    Move = Model.get('stock.move')
    Party = Model.get('party.party')
    configuration = Configuration(1)
    configuration.approval_amount = Decimal('2000')
    configuration.second_approval_amount = Decimal('10000')
    configuration.receipt_tolerance = 0.05
    # Supplier invoices are not part of the demo
    configuration.purchase_invoice_method = 'manual'
    configuration.save()
    Cron.find([('method', '=', 'stock.order_point|supply_stock')])[0].click(
        'run_once')

    requests = Request.find([('state', '=', 'draft')])
    quoted = requests[:1]
    if quoted:
        wizard = Wizard('purchase.request.quotation.create', quoted)
        for supplier in suppliers[:2]:
            if supplier != quoted[0].party:
                wizard.form.suppliers.append(Party(supplier.id))
        wizard.execute('create_quotations')
        for quotation in Quotation.find([]):
            quotation.valid_until = today + dt.timedelta(days=30)
            for line in quotation.lines:
                line.currency = company.currency
                line.unit_price = (line.product.cost_price * Decimal(
                        rng.choice(['0.92', '0.98', '1.04']))).quantize(
                    Decimal('0.01'))
            quotation.click('send')
            quotation.click('receive')
    if requests:
        Wizard('purchase.request.create_purchase', requests)

    warehouse = warehouses['WH']

    plain = [p for p in parts if not p.template.serialised]

    def purchase_of(amount):
        supplier = rng.choice(suppliers)
        purchase = Purchase(party=supplier, warehouse=warehouse)
        total = Decimal(0)
        for product in rng.sample(plain, len(plain)):
            if total >= amount:
                break
            line = purchase.lines.new(product=product)
            line.quantity = rng.randint(5, 20)
            line.unit_price = product.cost_price
            total += line.unit_price * Decimal(line.quantity)
        purchase.save()
        return purchase

    draft = purchase_of(800)
    waiting = purchase_of(12000)
    waiting.click('quote')
    waiting.approval_note = "旺季备货, 一级审批同意"
    waiting.click('confirm')
    rejected = purchase_of(5000)
    rejected.click('quote')
    rejected.approval_note = "单价高于上次采购价, 请重新询价"
    rejected.click('reject')
    for purchase in [p for p in Purchase.find([('state', '=', 'draft')])
            if p != draft][:3] + [purchase_of(600), purchase_of(900)]:
        purchase.click('quote')
        if purchase.approval_level < 2:
            purchase.approval_note = "同意"
            purchase.click('confirm')
    # Serialised parts are received unit by unit with their serial numbers
    received = [p for p in Purchase.find([('state', '=', 'processing')])
        if p.moves and not any(
            m.product.template.serialised for m in p.moves)][:2]
    for index, purchase in enumerate(received):
        shipment = Shipment(
            supplier=purchase.party, warehouse=purchase.warehouse)
        for move in purchase.moves:
            shipment.incoming_moves.append(Move(move.id))
        shipment.save()
        if index == 0:
            move = shipment.incoming_moves[0]
            move.rejected_quantity = 1
            move.rejection_reason = "外包装破损, 线圈受潮"
            shipment.save()
        shipment.click('receive')
        shipment.click('do')
    counts = {}
    for purchase in Purchase.find([]):
        counts[purchase.state] = counts.get(purchase.state, 0) + 1
    return counts


def _van_stocktake(vans):
    "A van stocktake being counted"
    Inventory = Model.get('stock.inventory')
    if not vans:
        return
    van, _ = vans[0]
    inventory = Inventory(location=van)
    inventory.save()
    inventory.click('complete_lines')
    inventory.reload()
    for index, line in enumerate(inventory.lines):
        line.quantity = max(line.expected_quantity - (index == 0), 0)
    inventory.save()


# ---------------------------------------------------------------------------
# Parts on the work orders (appliance_service_parts): the finished repairs
# consume parts reserved in the engineer's van or regional warehouse, some
# replace a defective part that goes to the defective parts location and is
# claimed from its supplier, and the orders waiting for parts miss one.
# ---------------------------------------------------------------------------

# fault type: the kinds of part its repair replaces
FAULT_PARTS = {
    'AC-NOCOOL': ['AC-EXV'], 'AC-E1': ['AC-FAN'], 'AC-COMP': ['AC-CMP'],
    'REF-NOCOOL': ['RF-CMP'], 'REF-FROST': ['RF-DEF', 'RF-THM'],
    'WM-NOSPIN': ['WM-PMP'], 'WM-LEAK': ['WM-VLV'],
    'WH-NOIGN': ['WH-IGN'], 'WH-NOHEAT': ['WH-SNS'],
    'TV-NOPIC': ['TV-LED'], 'TV-NOBOOT': ['TV-PWR'], 'TV-WIFI': ['TV-MB'],
    'HOOD-WEAK': ['RH-MOT'], 'HOOD-NOISE': ['RH-MOT'],
    'DW-NODRAIN': ['DW-PMP'], 'DW-NOCLEAN': ['DW-ARM'],
    }
DEFECT_FAILURES = {
    'CMP': ["压缩机卡缸, 启动电流 28A 不运转", "压缩机绕组对地短路"],
    'PCB': ["主板烧蚀, IPM 模块击穿", "主板通讯故障, 更换后恢复"],
    'FAN': ["电机轴承异响, 转速偏低", "电机线圈开路"],
    'PMP': ["排水泵叶轮卡死", "排水泵线圈烧毁"],
    'IGN': ["点火器无高压输出"],
    'VLV': ["阀体内漏, 关闭不严", "线圈电阻异常"],
    'THM': ["温控器触点粘连, 不停机"],
    'DEF': ["加热丝断路, 蒸发器结霜"],
    'PWR': ["电源板电容鼓包, 无待机电压"],
    'LED': ["灯条两颗灯珠不亮, 背光暗"],
    'MOT': ["电机轴承磨损, 噪音大"],
    'HTR': ["加热管断路, 不加热"],
    }


def plan_parts(config):
    """New versions of the active repair plans with the parts their repair
    replaces (FAULT_PARTS), the first variant of each kind; once, when the
    parts exist.  The visits of the demo keep the versions they were made
    with."""
    Product = Model.get('product.product')
    Plan = Model.get('appliance.repair.plan')
    plans = config.get_proxy('appliance.repair.plan')
    plan_part = config.get_proxy('appliance.repair.plan.part')
    first = {}
    for product in Product.find([('template.spare_part', '=', True)],
            order=[('id', 'ASC')]):
        first.setdefault(product.template.part_category.code, product)
    rows = [(plan, [k for k in FAULT_PARTS.get(plan.fault_type.code, [])
                if k in first])
        for plan in Plan.find([('state', '=', 'active')],
            order=[('id', 'ASC')])]
    rows = [(plan, kinds) for plan, kinds in rows
        if kinds and not plan.parts]
    if not rows:
        return 0
    new_ids = plans.copy([p.id for p, _ in rows], {}, config.context)
    plan_part.create([{
                'plan': plan_id, 'product': first[kind].id, 'quantity': 1,
                'unit': first[kind].default_uom.id}
            for plan_id, (_, kinds) in zip(new_ids, rows)
            for kind in kinds], config.context)
    plans.activate(new_ids, config.context)
    return len(new_ids)


def parts_on_orders(config, rng, company, done, waiting, today):
    """Part lines on the past visits before they are completed: the repairs
    of done use parts that the van or the regional warehouse of their
    engineer holds (reserved at once, consumed on completion), some remove a
    defective part, and the visits of waiting miss a part that a purchase
    brings.  Returns a summary."""
    if not model_exists(config, 'appliance.work_order.defective_part'):
        return {}
    Appliance = Model.get('appliance.appliance')
    Employee = Model.get('company.employee')
    Move = Model.get('stock.move')
    Product = Model.get('product.product')
    ProductSupplier = Model.get('purchase.product_supplier')
    Configuration = Model.get('appliance.configuration')
    part_proxy = config.get_proxy('appliance.work_order.part')
    defective_proxy = config.get_proxy(
        'appliance.work_order.defective_part')
    product_proxy = config.get_proxy('product.product')

    # The supplier's warranty: a year on every part, labour too from two
    configuration = Configuration(1)
    configuration.claim_labour_rate = Decimal('80')
    configuration.save()
    product_suppliers = ProductSupplier.find([])
    labour_parties = sorted({s.party.id for s in product_suppliers})[:2]
    for product_supplier in product_suppliers:
        product_supplier.warranty_months = 12
        product_supplier.warranty_labour = (
            product_supplier.party.id in labour_parties)
    ProductSupplier.save(product_suppliers)

    parts = Product.find([('template.spare_part', '=', True)],
        order=[('id', 'ASC')])
    fitting = {}
    for product in parts:
        for model in product.template.compatible_models:
            fitting.setdefault(model.id, []).append(product)
    orders = done + waiting
    appliances = {a.id: a for a in Appliance.find(
            [('id', 'in', [i['appliance']['id'] for i in orders])])}
    engineers = {e.id: e for e in Employee.find(
            [('id', 'in', list({i['engineer'] for i in orders
                            if i['engineer']}))])}

    # What each van and regional warehouse holds now, and its serials
    stock, serials = {}, {}
    part_ids = [p.id for p in parts]
    for engineer in engineers.values():
        for location in filter(None, [
                    engineer.van, engineer.parts_warehouse
                    and engineer.parts_warehouse.storage_location]):
            if location.id in stock:
                continue
            with config.set_context(locations=[location.id],
                    stock_date_end=today, stock_assign=True,
                    with_childs=False):
                stock[location.id] = {r['id']: r['quantity']
                    for r in product_proxy.read(
                        part_ids, ['quantity'], config.context)}
            lots = serials.setdefault(location.id, {})
            for move in Move.find([
                        ('to_location', '=', location.id),
                        ('lot', '!=', None),
                        ('state', '=', 'done'),
                        ], order=[('id', 'ASC')]):
                lots.setdefault(move.product.id, []).append(move.lot.id)

    def sources(info):
        engineer = engineers.get(info['engineer'])
        if not engineer:
            return []
        return [l.id for l in filter(None, [engineer.van,
                    engineer.parts_warehouse
                    and engineer.parts_warehouse.storage_location])]

    def candidates(info):
        "The parts that fit, those of the fault's repair first"
        appliance = appliances[info['appliance']['id']]
        model = appliance.product.template.id if appliance.product else None
        kinds = FAULT_PARTS.get(info['fault']['code'], []) if (
            info['fault']) else []
        return sorted(fitting.get(model, []), key=lambda p: (
                p.template.part_category.code not in kinds, p.id))

    lines, defects, used_parts = [], [], 0
    serial = 0
    repairs = [i for i in done if i['fault'] and i['engineer']]
    for info in repairs:
        if rng.random() < .1:
            continue
        locations = sources(info)
        available = []
        for product in candidates(info):
            for location in locations:
                if product.serialised:
                    if serials[location].get(product.id):
                        available.append((product, location))
                        break
                elif stock[location].get(product.id, 0) >= 1:
                    available.append((product, location))
                    break
        if not available:
            continue
        # The part of the fault when there is one, sometimes another
        chosen = available[:rng.choice([1, 1, 1, 2])]
        for product, location in chosen:
            line = {'work_order': info['id'], 'product': product.id,
                'quantity': 1, 'unit': product.default_uom.id}
            if product.serialised:
                lot = serials[location][product.id].pop(0)
                line['lot'] = lot
                stock[location][product.id] = (
                    stock[location].get(product.id, 0) - 1)
            else:
                stock[location][product.id] -= 1
            lines.append(line)
            used_parts += 1
            if rng.random() < .7:
                # The part replaced was defective: it goes back, most
                # within the supplier's warranty of a year
                serial += 1
                received = info['date'] - dt.timedelta(
                    days=rng.choice([45, 90, 150, 240, 300, 420]))
                kind = product.template.part_category.code.split('-')[-1]
                defect = {
                    'work_order': info['id'], 'company': company.id,
                    'product': product.id, 'quantity': 1,
                    'received_date': received,
                    'failure': rng.choice(DEFECT_FAILURES.get(
                            kind, ["部件失效, 更换后正常"])),
                    }
                if product.serialised:
                    defect['serial_number'] = (
                        f"{product.template.manufacturer_code[:6]}"
                        f"{received:%y%m}{serial:05d}")
                defects.append(defect)
    if lines:
        part_proxy.create(lines, config.context)
    if defects:
        defective_proxy.create(defects, config.context)

    # The visits waiting for a part that neither the van nor the regional
    # warehouse holds: a purchase of the regional warehouse brings it
    missing = []
    for info in waiting:
        if not info['engineer']:
            continue
        locations = sources(info)
        absent = [p for p in candidates(info) if not p.serialised
            and all(stock[l].get(p.id, 0) < 1 for l in locations)]
        if absent:
            product = rng.choice(absent)
            missing.append((info, product))
    if missing:
        part_proxy.create([{
                    'work_order': info['id'], 'product': product.id,
                    'quantity': 1, 'unit': product.default_uom.id}
                for info, product in missing], config.context)
        _purchase_missing_parts(rng, engineers, missing, today)
    return {
        'parts used on work orders': used_parts,
        'defective parts removed': len(defects),
        'orders waiting for a part': len(missing),
        }


def _purchase_missing_parts(rng, engineers, missing, today):
    "A confirmed purchase of each missing part for the regional warehouse"
    Purchase = Model.get('purchase.purchase')
    ProductSupplier = Model.get('purchase.product_supplier')
    by_warehouse = {}
    for info, product in missing:
        warehouse = engineers[info['engineer']].parts_warehouse
        by_warehouse.setdefault(warehouse.id, (warehouse, set()))[1].add(
            product)
    for warehouse, products in by_warehouse.values():
        for product in sorted(products, key=lambda p: p.id):
            suppliers = ProductSupplier.find(
                [('product', '=', product.id)], order=[('id', 'ASC')])
            if not suppliers:
                continue
            purchase = Purchase(party=suppliers[0].party,
                warehouse=warehouse)
            # Expected after the supplier's lead time
            purchase.delivery_date = today + (
                suppliers[0].lead_time or dt.timedelta(days=3))
            line = purchase.lines.new(product=product)
            line.quantity = rng.randint(3, 6)
            line.unit_price = product.cost_price
            purchase.save()
            purchase.click('quote')
            purchase.approval_note = "工单缺件, 加急采购"
            purchase.click('confirm')


def supplier_claims(config, today):
    """Claim from their suppliers the defective parts removed under warranty
    and leave the claims in different states; returns them by state"""
    if not model_exists(config, 'appliance.supplier.claim'):
        return {}
    from proteus import Wizard
    Claim = Model.get('appliance.supplier.claim')
    DefectivePart = Model.get('appliance.work_order.defective_part')
    if Claim.find([], limit=1) or not DefectivePart.find(
            [('under_warranty', '=', True)], limit=1):
        return {}
    wizard = Wizard('appliance.supplier.claim.create')
    wizard.form.period_start = today - dt.timedelta(days=90)
    wizard.form.period_end = today
    wizard.execute('create_')
    claims = Claim.find([], order=[('id', 'ASC')])
    for index, claim in enumerate(claims[:3]):
        claim.click('send')
        if index == 0:
            claim.click('accept')
            claim.credit_reference = f"CN-{today:%Y}-{118 + index}"
            claim.click('credit')
        elif index == 1:
            claim.answer = "部件为外力损坏, 不在保修范围。"
            claim.click('reject')
    counts = {}
    for claim in Claim.find([]):
        counts[claim.state] = counts.get(claim.state, 0) + 1
    return {'supplier claims by state': counts}


# ---------------------------------------------------------------------------
# Engineers and HR (appliance_service_hr): the HR login, certificates (one
# expiring soon, one expired), training with results and skill proposals,
# attendance and timesheets of the past weeks, two confirmed appraisal
# periods.
# ---------------------------------------------------------------------------

HR_LOGIN = ('hr', '人事专员 何静')
HR_PASSWORD = 'appliance-demo'
# code: (name, English name, mandatory appliance categories)
CERTIFICATE_TYPES = {
    'REFRIGERANT': ("制冷剂操作证", "Refrigerant Handling", ['AC']),
    'ELECTRICAL': ("低压电工作业证", "Low-Voltage Electrical Work", []),
    'GAS': ("燃气具安装维修资格证", "Gas Appliance Installation", []),
    }
CERTIFICATE_ISSUERS = {
    'REFRIGERANT': "中国家用电器服务维修协会",
    'ELECTRICAL': "应急管理局特种作业考核中心",
    'GAS': "市燃气管理处",
    }
# name, English name, topic, hours, pass score, [(category, increase, up to)]
COURSES = [
    ("变频空调维修进阶", "Inverter Air-Conditioner Repair", 'repair_technique',
        16, 70, [('AC', 1, '5')]),
    ("燃气热水器安全操作", "Gas Water-Heater Safety", 'safety', 8, 80,
        [('WH', 1, '4')]),
    ("上门服务礼仪与沟通", "On-Site Service Etiquette", 'service_attitude',
        4, 60, []),
    ]
SCORED_CRITERIA = [("技术水平", "Technical Skill"),
    ("服务态度", "Service Attitude"), ("团队协作", "Teamwork")]
# kpi, target, weight
COMPUTED_CRITERIA = [('csat', 90, 2), ('first_time_fix_rate', 80, 2),
    ('rework_rate_30', 20, 1), ('sla_compliance', 100, 2),
    ('jobs_done', 20, 1), ('complaints', 5, 1)]


def hr_loaded():
    return bool(Model.get('appliance.engineer.certificate.type').find(
            [], limit=1))


def generate_hr(config, rng, company, today, weeks=4):
    """The HR data of the service engineers; skipped when the certificate
    types exist or appliance_service_hr is not activated.  Returns a
    summary."""
    if (not model_exists(config, 'appliance.engineer.certificate.type')
            or hr_loaded()):
        return {}
    Employee = Model.get('company.employee')
    engineers = Employee.find(
        [('service_engineer', '=', True)], order=[('id', 'ASC')])
    if not engineers:
        return {}
    timer = Timer()
    users = _hr_users(config, company)
    _hr_employees(rng, engineers, users, company)
    certificates = _certificates(config, rng, engineers, today)
    timer.lap('certificates')
    results = _training(config, rng, company, engineers, users, today)
    timer.lap('training')
    attendance = _attendance(config, rng, company, engineers, today, weeks)
    timesheets = _timesheets(config, company, engineers, today, weeks)
    timer.lap('attendance and timesheets')
    appraisals = _appraisals(config, rng, company, engineers, users, today)
    timer.lap('appraisals')
    return {
        'certificates by state': certificates,
        'training results and skill proposals by state': results,
        'attendance lines': attendance,
        'timesheet lines': timesheets,
        'confirmed appraisals': appraisals,
        'seconds': timer.laps,
        }


def _hr_users(config, company):
    """The HR login with the HR role and an employee; returns the users by
    login"""
    User = Model.get('res.user')
    Lang = Model.get('ir.lang')
    Party = Model.get('party.party')
    Role = Model.get('res.role')
    ModelData = Model.get('ir.model.data')
    login, name = HR_LOGIN
    users = User.find([('login', '=', login)])
    if not users:
        user = User(login=login, name=name)
        user.password = HR_PASSWORD
        user.language, = Lang.find([('code', '=', 'zh_CN')])
        user.companies.append(company)
        user.company = company
        party = Party(name=name.split()[-1])
        party.save()
        employee = Model.get('company.employee')(
            party=party, company=company)
        employee.post = "人事专员"
        employee.save()
        user.employees.append(employee)
        user.employee = employee
        user.roles.new(role=Role(ModelData.get_id(
                    'appliance_service_hr', 'role_hr', {})))
        user.save()
    return {u.login: u for u in User.find(
            [('login', 'in', ['hr', 'manager', 'engineer'])])}


def _hr_employees(rng, engineers, users, company):
    "Employee numbers, posts, mobiles and the manager as supervisor"
    Employee = Model.get('company.employee')
    manager = users.get('manager')
    supervisor = manager.employee if manager else None
    for index, engineer in enumerate(engineers):
        engineer.employee_number = f"HA{2019 + index % 5}{index + 1:03d}"
        engineer.post = "高级服务工程师" if index < 2 else "服务工程师"
        engineer.mobile = chinese_mobile(rng)
        if supervisor and supervisor != engineer:
            engineer.supervisor = supervisor
    Employee.save(engineers)


def _certificates(config, rng, engineers, today):
    """The types, a refrigerant and an electrical certificate per engineer:
    the second engineer's refrigerant certificate expires within the
    reminder days, the fourth's electrical one expired; returns them by
    state"""
    Type = Model.get('appliance.engineer.certificate.type')
    Certificate = Model.get('appliance.engineer.certificate')
    Category = Model.get('appliance.category')
    types = {}
    for code, (name, name_en, categories) in CERTIFICATE_TYPES.items():
        type_ = Type(name=name, code=code, reminder_days=30)
        for category in Category.find([('code', 'in', categories)]):
            type_.categories.append(category)
        type_.save()
        _translate(config, type_, 'en', name=name_en)
        types[code] = type_
    to_save = []
    for index, engineer in enumerate(engineers):
        for code in ['REFRIGERANT', 'ELECTRICAL'] + (
                ['GAS'] if index % 2 else []):
            issued = today - dt.timedelta(days=rng.randint(200, 1000))
            expiry = today + dt.timedelta(days=rng.randint(120, 900))
            if code == 'REFRIGERANT' and index == 1:
                expiry = today + dt.timedelta(days=18)
            elif code == 'ELECTRICAL' and index == 3 % len(engineers):
                expiry = today - dt.timedelta(days=12)
            issued = min(issued, expiry - dt.timedelta(days=365))
            to_save.append(Certificate(employee=engineer, type=types[code],
                    number=f"{code[:2]}{issued:%Y}{rng.randrange(10**6):06d}",
                    issuer=CERTIFICATE_ISSUERS[code],
                    issue_date=issued, expiry_date=expiry))
    Certificate.save(to_save)
    # The daily reminder of the certificates that expire
    Cron = Model.get('ir.cron')
    for cron in Cron.find([('method', '=',
                    'appliance.engineer.certificate|remind_expiring')]):
        cron.click('run_once')
    counts = {}
    for certificate in Certificate.find([]):
        counts[certificate.state] = counts.get(certificate.state, 0) + 1
    return counts


def _as_user(config, user):
    "Run as user (a res.user) and back: a context manager"
    import contextlib

    @contextlib.contextmanager
    def manager():
        previous, config.user = config.user, user.id if user else 0
        try:
            yield
        finally:
            config.user = previous
    return manager()


def _training(config, rng, company, engineers, users, today):
    """Courses with their sessions: two past sessions graded (passes
    propose skill levels, the manager approved one), one to come with its
    registrations; returns the results by state"""
    Course = Model.get('appliance.training.course')
    Session = Model.get('appliance.training.session')
    Result = Model.get('appliance.training.result')
    Proposal = Model.get('appliance.training.skill_proposal')
    Category = Model.get('appliance.category')
    categories = {c.code: c for c in Category.find([])}
    courses = []
    for name, name_en, topic, hours, pass_score, skills in COURSES:
        course = Course(name=name, topic=topic, hours=Decimal(hours),
            pass_score=Decimal(pass_score))
        for code, increase, level in skills:
            if code in categories:
                course.skills.new(category=categories[code],
                    increase=increase, max_level=level)
        course.save()
        _translate(config, course, 'en', name=name_en)
        courses.append(course)
    # course, days from today, trainer, location, scores (None: absent)
    plan = [
        (courses[0], -40, "格力售后技术培训中心 黄工", "佛山培训中心",
            [88, 74, 55, None]),
        (courses[1], -18, "万和燃气具安全讲师 陈工", "杭州服务站",
            [92, 85, 78]),
        (courses[2], 10, "客服中心 林晓雯", "线上直播", []),
        ]
    graded = []
    for course, days, trainer, location, scores in plan:
        start = today + dt.timedelta(days=days)
        session = Session(course=course, company=company, trainer=trainer,
            location=location, start_date=start,
            end_date=start + dt.timedelta(days=1 if course.hours > 8 else 0))
        attendees = rng.sample(engineers, min(len(engineers),
                len(scores) or 3))
        for index, engineer in enumerate(attendees):
            result = session.results.new(employee=engineer)
            if scores:
                score = scores[index]
                result.attended = score is not None
                result.score = Decimal(score) if score is not None else None
        session.save()
        if scores:
            graded.extend(session.results)
    if graded:
        Result.click(graded, 'grade')
    proposals = Proposal.find([('state', '=', 'proposed')],
        order=[('id', 'ASC')])
    # The Service Manager approved the water-heater pass; the others wait
    approve = [p for p in proposals if p.result.session.course == courses[1]]
    if approve:
        with _as_user(config, users.get('manager')):
            Proposal.click(approve[:1], 'approve')
    counts = {}
    for record in Result.find([]) + Proposal.find([]):
        key = f'{record.__class__.__name__.split(".")[-1]} {record.state}'
        counts[key] = counts.get(key, 0) + 1
    return counts


def _working_day(engineer, date):
    if str(date.weekday()) not in (engineer.working_days or []):
        return False
    return not any(l.start_date <= date <= l.end_date
        for l in getattr(engineer, 'leaves', []))


def _attendance(config, rng, company, engineers, today, weeks):
    "Clock in and out of the working days of the past weeks"
    proxy = config.get_proxy('attendance.line')
    zone = company_zone(company)
    values = []
    for engineer in engineers:
        for days in range(weeks * 7, 0, -1):
            date = today - dt.timedelta(days=days)
            if not _working_day(engineer, date):
                continue
            start = _at(zone, date, dt.time(8, 30), rng.randint(-20, 15))
            end = _at(zone, date, dt.time(17, 30), rng.randint(-10, 70))
            for at, type_ in [(start, 'in'), (end, 'out')]:
                values.append({'company': company.id,
                        'employee': engineer.id, 'at': at, 'date': date,
                        'type': type_})
    for index in range(0, len(values), BATCH * 5):
        proxy.create(values[index:index + BATCH * 5], config.context)
    return len(values)


def _timesheets(config, company, engineers, today, weeks):
    """The labour of the finished work orders of the past weeks on
    timesheet works whose origin is the work order"""
    WorkOrder = Model.get('appliance.work_order')
    work_proxy = config.get_proxy('timesheet.work')
    line_proxy = config.get_proxy('timesheet.line')
    zone = company_zone(company)
    since = dt.datetime.combine(today - dt.timedelta(days=weeks * 7 + 14),
        dt.time()).replace(tzinfo=zone).astimezone(
        dt.timezone.utc).replace(tzinfo=None)
    orders = WorkOrder.find([
            ('state', '=', 'done'),
            ('engineer', 'in', [e.id for e in engineers]),
            ('done_at', '>=', since),
            ('number', 'not like', 'WOB%'),
            ], order=[('done_at', 'ASC')])
    if not orders:
        return 0
    work_ids = work_proxy.create([{
                'name': order.number, 'company': company.id,
                'origin': f'appliance.work_order,{order.id}',
                } for order in orders], config.context)
    lines = []
    for order, work_id in zip(orders, work_ids):
        hours = order.labour_hours or 1
        done_at = order.done_at.replace(tzinfo=dt.timezone.utc).astimezone(
            zone)
        lines.append({'company': company.id, 'employee': order.engineer.id,
                'work': work_id, 'date': done_at.date(),
                'duration': dt.timedelta(hours=hours),
                'description': order.fault_type.rec_name
                if order.fault_type else order.number})
    line_proxy.create(lines, config.context)
    return len(lines)


def _proposed_criterion_name(kpi):
    "The name the form proposes for the indicator, in the context's language"
    Criterion = Model.get('appliance.appraisal.template.criterion')
    criterion = Criterion(kind='computed')
    criterion.kpi = kpi
    return criterion.name


def _appraisals(config, rng, company, engineers, users, today):
    """The monthly template and the appraisals of the two months closed
    before this one, computed, scored, submitted and confirmed"""
    Template = Model.get('appliance.appraisal.template')
    Appraisal = Model.get('appliance.appraisal')
    template = Template(name="工程师月度考核", company=company,
        period='monthly')
    for kpi, target, weight in COMPUTED_CRITERIA:
        criterion = template.criteria.new(kind='computed')
        criterion.kpi = kpi
        criterion.target = target
        criterion.weight = Decimal(weight)
    for name, _ in SCORED_CRITERIA:
        criterion = template.criteria.new(kind='scored', name=name)
        criterion.weight = Decimal(1)
    template.save()
    _translate(config, template, 'en', name="Engineer Monthly Appraisal")
    english = dict(SCORED_CRITERIA)
    with config.set_context(language='en'):
        for criterion in template.criteria:
            name = (english[criterion.name] if criterion.kind == 'scored'
                else _proposed_criterion_name(criterion.kpi))
            _translate(config, criterion, 'en', name=name)
    first = today.replace(day=1)
    periods = []
    for _ in range(2):
        end = first - dt.timedelta(days=1)
        first = end.replace(day=1)
        periods.append((first, end))
    manager = users.get('manager')
    supervisor = manager.employee if manager else None
    appraisals = []
    for start, end in reversed(periods):
        for engineer in engineers:
            appraisals.append(Appraisal(company=company, employee=engineer,
                    supervisor=supervisor, template=template,
                    period_start=start, period_end=end))
    Appraisal.save(appraisals)
    Appraisal.click(appraisals, 'compute')
    for appraisal in appraisals:
        appraisal.reload()
        for line in appraisal.lines:
            if line.kind == 'scored':
                line.self_score = rng.choice([80, 85, 90, 95])
        appraisal.self_comment = rng.choice([
                "本月按时完成上门任务, 客户反馈良好。",
                "旺季工单多, 有两单等配件耽误了时间。",
                "学习了新机型的维修方法。"])
    Appraisal.save(appraisals)
    Appraisal.click(appraisals, 'self_assess')
    for appraisal in appraisals:
        appraisal.reload()
        for line in appraisal.lines:
            if line.kind == 'scored':
                line.supervisor_score = rng.choice([70, 75, 80, 85, 90])
        appraisal.supervisor_comment = rng.choice([
                "技术过硬, 注意与客户的沟通。", "继续保持。",
                "一次修复率需提高。"])
    with _as_user(config, manager):
        Appraisal.save(appraisals)
        Appraisal.click(appraisals, 'submit')
    with _as_user(config, users.get('hr')):
        Appraisal.click(appraisals, 'confirm')
    return len(appraisals)


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
        "(http://user:password@host:8000/database/rpc/)")
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

#!/usr/bin/env python3
"""Load a long history of service work into a database, fast.

Customers and appliances across the provinces and work orders over 24
months with seasonal patterns (air conditioners in summer, water heaters in
winter), their faults, causes, parts, ratings and rework, written straight
into the tables: COPY on PostgreSQL, multi-row INSERTs on SQLite.  The
figures behave like real ones: models differ in how often they fail, young
and old appliances fail more often, a repair is redone now and then.

The reference data comes from scripts/demo_data.py and must be there first
(brands, categories, models, fault types and their repair plans, regions,
engineers): `make demo` or `--setup` provide it.  The work orders bypass the
ORM, so the daily summary of the wall screen is rebuilt at the end.

    python scripts/load_bench_data.py --database demo --work-orders 5000
    python scripts/load_bench_data.py --database bench_analytics --setup \\
        --work-orders 1000000     # PostgreSQL: TRYTOND_DATABASE_URI

From Python (the demo generator calls it for the analytics history)::

    import load_bench_data
    load_bench_data.load('demo', work_orders=5000)
"""
import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# The modules of the benchmark database
BENCH_MODULES = ['appliance_analytics', 'appliance_parts']
# Appliances per work order and customers per appliance of the history
APPLIANCES_PER_ORDER = 0.4
CUSTOMERS_PER_APPLIANCE = 0.75
KINDS = [('repair', 0.80), ('maintenance', 0.12), ('installation', 0.08)]
CAUSES = [
    ('component', 30), ('wear', 22), ('manufacturing', 14),
    ('installation', 12), ('usage', 10), ('environment', 8),
    ('design', 2), ('other', 2)]
# Overall ratings 1 to 5 and their shares
RATINGS = [(1, 0.04), (2, 0.05), (3, 0.11), (4, 0.27), (5, 0.53)]
RATED_SHARE = 0.65
# The share of the visits done followed up by customer service, and their
# outcomes
FOLLOWED_SHARE = 0.3
FOLLOW_UPS = [('5', 0.45), ('4', 0.3), ('3', 0.13), ('2', 0.08), ('1', 0.04)]
REWORK_SHARE = 0.03
PARTS_SHARE = 0.6
# A second part now and then, and a share of the lines with two units
SECOND_PART_SHARE = 0.15
DOUBLE_QUANTITY_SHARE = 0.1
# The share of the visits done that waited for parts or the customer (a
# second visit), and of those complained about (a few cancelled later)
WAITED_SHARE = 0.06
COMPLAINED_SHARE = 0.012
COMPLAINT_CANCELLED_SHARE = 0.1
OPEN_STATES = [
    ('draft', 0.10), ('scheduled', 0.25), ('dispatched', 0.25),
    ('on_the_way', 0.10), ('in_progress', 0.15), ('waiting', 0.15)]
# The last days of the history hold the open orders
OPEN_DAYS = 3
# The repairs of the batch defect planted in the demo
SPIKE_REPAIRS = 12
CANCELLED_SHARE = 0.04
# Repairs per month of the year, relative, per category code
SEASONS = {
    'AC': [0.5, 0.5, 0.6, 0.8, 1.4, 2.6, 3.2, 3.0, 1.6, 0.8, 0.6, 0.5],
    'WH': [2.4, 2.1, 1.4, 0.9, 0.6, 0.5, 0.5, 0.5, 0.6, 0.9, 1.5, 2.3],
    'REF': [0.8, 0.8, 0.9, 1.0, 1.2, 1.4, 1.5, 1.5, 1.2, 1.0, 0.9, 0.8],
    }
FLAT = [1.0] * 12
TIMEZONE_OFFSET = dt.timedelta(hours=8)


def log(message):
    print(f"[load_bench_data {time.strftime('%H:%M:%S')}] {message}",
        flush=True)


def hazard(age_months):
    """The relative chance of a failure at an age in months: early failures
    in the first months, then wear"""
    return (0.6 + 1.2 * np.exp(-age_months / 3.)
        + 0.04 * np.maximum(age_months - 24, 0) / 12.)


class Reference:
    "The reference data of the database the history is built on"

    def __init__(self, cursor, tables):
        self.cursor = cursor
        self.t = tables

    def rows(self, query):
        self.cursor.execute(*query)
        return self.cursor.fetchall()

    def load_spare_parts(self):
        """The spare parts and their unit per part category code, the first
        first"""
        from trytond.pool import Pool
        t = self.t
        template, product = t['product_template'], t['product_product']
        category = t['product_category']
        parts = {}
        if 'spare_part' not in Pool().get('product.template')._fields:
            # Without the parts module
            return parts
        rows = self.rows(product
            .join(template, condition=product.template == template.id)
            .join(category, condition=template.part_category == category.id)
            .select(category.code, product.id, template.default_uom,
                where=template.spare_part == True,  # noqa: E712
                order_by=[product.id.asc]))
        for code, product_id, unit_id in rows:
            parts.setdefault(code, []).append((product_id, unit_id))
        return parts

    def load(self):
        t = self.t
        (self.company, self.timezone), = self.rows(t['company_company'].select(
                t['company_company'].id, t['company_company'].timezone,
                order_by=[t['company_company'].id.asc], limit=1))
        country = t['country_country']
        (china,), = self.rows(country.select(
                country.id, where=country.code == 'CN'))
        self.country = china
        subdivision = t['country_subdivision']
        self.subdivisions = dict(self.rows(subdivision.select(
                    subdivision.code, subdivision.id,
                    where=subdivision.country == china)))
        template, product = t['product_template'], t['product_product']
        category = t['appliance_category']
        self.models = self.rows(product
            .join(template, condition=product.template == template.id)
            .join(category,
                condition=template.appliance_category == category.id)
            .select(product.id, category.id, category.code,
                template.default_uom,
                where=template.appliance == True,  # noqa: E712
                order_by=[product.id.asc]))
        fault = t['appliance_fault_type']
        self.faults = {}
        fault_codes = {}
        for fault_id, category_id, code in self.rows(fault.select(
                    fault.id, fault.category, fault.code,
                    order_by=[fault.id.asc])):
            self.faults.setdefault(category_id, []).append(fault_id)
            fault_codes[fault_id] = code
        plan, plan_part = t['appliance_repair_plan'], t[
            'appliance_repair_plan_part']
        self.plan_parts = {}
        for fault_id, part_id, unit_id in self.rows(plan_part
                .join(plan, condition=plan_part.plan == plan.id)
                .select(plan.fault_type, plan_part.product, plan_part.unit,
                    where=plan.state == 'active')):
            self.plan_parts.setdefault(fault_id, []).append(
                (part_id, unit_id))
        # Without the parts on the plans (the demo adds them with the
        # service parts module), the parts each fault replaces in the demo
        self.spare_parts = self.load_spare_parts()
        if not self.plan_parts:
            from demo_data import FAULT_PARTS
            for fault_id, code in fault_codes.items():
                parts = [self.spare_parts[k][0]
                    for k in FAULT_PARTS.get(code, [])
                    if k in self.spare_parts]
                if parts:
                    self.plan_parts[fault_id] = parts
        region_sub = t['appliance_service_region-country_subdivision']
        self.regions = dict(self.rows(region_sub.select(
                    region_sub.subdivision, region_sub.region)))
        self.default_region = min(self.regions.values(), default=None)
        employee = t['company_employee']
        self.engineers = [e for e, in self.rows(employee.select(
                    employee.id,
                    where=employee.service_engineer == True))]  # noqa: E712
        user = t['res_user']
        (self.admin,), = self.rows(user.select(
                user.id, where=user.login == 'admin'))
        if not self.models or not self.faults or not self.regions:
            raise RuntimeError(
                "Generate the demo data first (brands, models, faults, "
                "regions): make demo-setup or --setup")


def next_ids(cursor, table, count):
    from sql.aggregate import Max
    cursor.execute(*table.select(Max(table.id)))
    start = (cursor.fetchone()[0] or 0) + 1
    return np.arange(start, start + count, dtype=np.int64)


def weighted_choice(rng, pairs, size):
    values = [v for v, _ in pairs]
    weights = np.array([w for _, w in pairs], dtype=float)
    index = rng.choice(len(values), size=size, p=weights / weights.sum())
    return np.array(values, dtype=object)[index]


def generate(ref, rng, work_orders, months, today, spike=False):
    """Return the rows of the customers, addresses, appliances, work orders,
    parts and ratings, as dictionaries of numpy columns

    With spike, one model fails much more in one province last week: a
    batch defect for the alert to find."""
    from demo_data import GEOGRAPHY, PROVINCE_WEIGHTS
    n_appliances = max(int(work_orders * APPLIANCES_PER_ORDER), 10)
    n_customers = max(int(n_appliances * CUSTOMERS_PER_APPLIANCE), 5)

    # Customers and their addresses across the provinces
    provinces = [p for p in PROVINCE_WEIGHTS if p in ref.subdivisions]
    weights = np.array([PROVINCE_WEIGHTS[p] for p in provinces], float)
    province_index = rng.choice(
        len(provinces), size=n_customers, p=weights / weights.sum())
    places = [(p, c[0]) for p in provinces for c in GEOGRAPHY[p]]
    place_of = {p: [i for i, (q, _) in enumerate(places) if q == p]
        for p in provinces}
    place_index = np.array([rng.choice(place_of[provinces[i]])
            for i in province_index])
    customers = {
        'province': np.array([ref.subdivisions[provinces[i]]
                for i in province_index]),
        'city': np.array([places[i][1] for i in place_index], dtype=object),
        }

    # Appliances: popular models more often, installed over six years with
    # more of them recently
    n_models = len(ref.models)
    popularity = rng.lognormal(0, 0.6, n_models)
    model_index = rng.choice(
        n_models, size=n_appliances, p=popularity / popularity.sum())
    age_days = (rng.power(1.6, n_appliances) * 6 * 365).astype(int)
    age_days = 6 * 365 - age_days
    installed = np.datetime64(today) - age_days.astype('timedelta64[D]')
    appliances = {
        'model': model_index,
        'customer': rng.integers(0, n_customers, n_appliances),
        'installed': installed,
        }
    # Some models fail more than their category
    proneness = rng.lognormal(0, 0.35, n_models)
    proneness[rng.choice(n_models, size=max(1, n_models // 10),
            replace=False)] *= 2.2

    # The days of the history and their seasonal weight per category
    start = np.datetime64(today) - np.timedelta64(int(months * 30.44), 'D')
    days = np.arange(start, np.datetime64(today) + 1)
    month_of_day = (days.astype('datetime64[M]').astype(int) % 12)
    growth = np.linspace(0.85, 1.15, len(days))

    def day_weights(code):
        season = np.array(SEASONS.get(code, FLAT))
        weights = season[month_of_day] * growth
        return weights / weights.sum()
    codes = sorted({m[2] for m in ref.models})
    day_p = {code: day_weights(code) for code in codes}

    kinds = weighted_choice(rng, KINDS, work_orders)
    n_repairs_planned = int((kinds == 'repair').sum())
    n_rework = int(n_repairs_planned * REWORK_SHARE)
    kinds[:n_rework] = 'repair'  # the first repairs are redone below
    order_appliance = np.empty(work_orders, dtype=np.int64)
    order_day = np.empty(work_orders, dtype='datetime64[D]')
    # Rejection sampling: an appliance by its model's proneness, a day by
    # the season of its category, kept with the chance of its age
    appliance_w = proneness[model_index]
    appliance_p = appliance_w / appliance_w.sum()
    model_code = np.array([m[2] for m in ref.models], dtype=object)
    filled = 0
    total = work_orders - n_rework
    while filled < total:
        size = int((total - filled) * 1.6) + 100
        candidates = rng.choice(n_appliances, size=size, p=appliance_p)
        codes_c = model_code[model_index[candidates]]
        chosen_days = np.empty(size, dtype='datetime64[D]')
        for code in codes:
            mask = codes_c == code
            if mask.any():
                chosen_days[mask] = rng.choice(
                    days, size=int(mask.sum()), p=day_p[code])
        age = (chosen_days - installed[candidates]).astype(int) / 30.44
        keep = (age >= 0) & (rng.random(size) < hazard(age) / 2.0)
        candidates, chosen_days = candidates[keep], chosen_days[keep]
        take = min(len(candidates), total - filled)
        order_appliance[n_rework + filled:n_rework + filled + take] = (
            candidates[:take])
        order_day[n_rework + filled:n_rework + filled + take] = (
            chosen_days[:take])
        filled += take
    # Rework: a repair of the same appliance 1 to 30 days after another
    originals = np.flatnonzero(kinds[n_rework:] == 'repair')[:n_rework]
    originals += n_rework
    order_appliance[:n_rework] = order_appliance[originals]
    order_day[:n_rework] = order_day[originals] + rng.integers(
        1, 31, n_rework).astype('timedelta64[D]')
    rework_of = np.full(work_orders, -1, dtype=np.int64)
    rework_of[:n_rework] = originals
    late = order_day > np.datetime64(today)
    order_day[late] = np.datetime64(today)

    spiked = np.zeros(work_orders, dtype=bool)
    if spike:
        extra = spike_orders(customers, appliances, today)
        order_appliance = np.concatenate([order_appliance, extra])
        order_day = np.concatenate([order_day, np.full(
                    len(extra), np.datetime64(monday(today), 'D')
                    - np.timedelta64(5, 'D'))])
        kinds = np.concatenate([kinds, np.full(
                    len(extra), 'repair', dtype=object)])
        rework_of = np.concatenate([rework_of, np.full(len(extra), -1)])
        spiked = np.concatenate([spiked, np.ones(len(extra), dtype=bool)])
    orders = {
        'appliance': order_appliance,
        'day': order_day,
        'kind': kinds,
        'rework_of': rework_of,
        'spike': spiked,
        }
    return customers, appliances, orders


def monday(date):
    return date - dt.timedelta(days=date.weekday())


def spike_orders(customers, appliances, today):
    """The appliances of the batch defect: those of the most common model in
    the province most of them are in, installed before last week"""
    province = customers['province'][appliances['customer']]
    old = appliances['installed'] < np.datetime64(monday(today), 'D') - 14
    models, counts = np.unique(appliances['model'][old], return_counts=True)
    model = models[np.argmax(counts)]
    mask = old & (appliances['model'] == model)
    provinces, counts = np.unique(province[mask], return_counts=True)
    mask &= province == provinces[np.argmax(counts)]
    chosen = np.flatnonzero(mask)[:SPIKE_REPAIRS]
    return chosen


def to_datetime(days, hours):
    "UTC datetimes of local days at hours"
    local = days.astype('datetime64[s]') + (hours * 3600).astype(
        'timedelta64[s]')
    return local - np.timedelta64(int(TIMEZONE_OFFSET.total_seconds()), 's')


def build_rows(ref, rng, customers, appliances, orders, ids, today, now):
    "Return the rows to insert per table"
    n_customers = len(customers['province'])
    n_appliances = len(appliances['model'])
    n_orders = len(orders['kind'])
    rows = {}
    party_ids, address_ids = ids['party_party'], ids['party_address']
    appliance_ids, order_ids = ids['appliance_appliance'], ids[
        'appliance_work_order']
    create_date = now

    def party(i):
        return (int(party_ids[i]), f"客户{int(party_ids[i])}",
            f"B{int(party_ids[i])}", True, 'import', True, False,
            create_date, ref.admin)

    def address(i):
        return (int(address_ids[i]), int(party_ids[i]),
            f"人民路{i % 999 + 1}号", customers['city'][i],
            int(customers['province'][i]), ref.country, True, 10,
            create_date, ref.admin)

    installed = appliances['installed'].astype(dt.date)

    def appliance(i):
        customer = appliances['customer'][i]
        return (int(appliance_ids[i]), ref.company,
            int(party_ids[customer]), ref.models[appliances['model'][i]][0],
            f"BENCH{int(appliance_ids[i]):09d}",
            installed[i] - dt.timedelta(days=int(i % 9)), installed[i],
            int(address_ids[customer]), 'in_use', create_date, ref.admin)
    rows['party_party'] = (
        ['id', 'name', 'code', 'active', 'customer_source',
            'notification_consent', 'marketing_consent', 'create_date',
            'create_uid'],
        [party(i) for i in range(n_customers)])
    rows['party_address'] = (
        ['id', 'party', 'street_unstructured', 'city', 'subdivision',
            'country', 'active', 'sequence', 'create_date', 'create_uid'],
        [address(i) for i in range(n_customers)])
    rows['appliance_appliance'] = (
        ['id', 'company', 'customer', 'product', 'serial_number',
            'sale_date', 'installation_date', 'installation_address',
            'status', 'create_date', 'create_uid'],
        [appliance(i) for i in range(n_appliances)])

    # The work orders
    appliance_index = orders['appliance']
    customer_index = appliances['customer'][appliance_index]
    model_index = appliances['model'][appliance_index]
    category = np.array([ref.models[m][1] for m in model_index])
    province = customers['province'][customer_index]
    open_from = np.datetime64(today) - np.timedelta64(OPEN_DAYS, 'D')
    is_open = orders['day'] > open_from
    state = np.where(is_open,
        weighted_choice(rng, OPEN_STATES, n_orders),
        np.where(rng.random(n_orders) < CANCELLED_SHARE, 'cancelled',
            'done'))
    state[orders['rework_of'] >= 0] = np.where(
        is_open[orders['rework_of'] >= 0], 'in_progress', 'done')
    hours = rng.uniform(9, 19, n_orders)
    labour = np.round(rng.gamma(2.0, 0.6, n_orders) + 0.3, 2)
    done_at = to_datetime(orders['day'], hours)
    started_at = done_at - (labour * 3600).astype('timedelta64[s]')
    created = started_at - (rng.uniform(6, 96, n_orders) * 3600).astype(
        'timedelta64[s]')
    assigned = created + (rng.uniform(0.3, 10, n_orders) * 3600).astype(
        'timedelta64[s]')
    fault = np.zeros(n_orders, dtype=np.int64)
    repair = orders['kind'] == 'repair'
    for category_id, fault_ids in ref.faults.items():
        mask = repair & (category == category_id)
        if mask.any():
            fault[mask] = rng.choice(fault_ids, size=int(mask.sum()))
    fault[orders['rework_of'] >= 0] = fault[
        orders['rework_of'][orders['rework_of'] >= 0]]
    # The batch defect: one fault, its parts always replaced
    spike = orders['spike']
    if spike.any():
        first = spike.argmax()
        fault[spike] = ref.faults[category[first]][0]
        state[spike] = 'done'
    cause = weighted_choice(rng, CAUSES, n_orders)
    engineer = rng.choice(ref.engineers or [None], size=n_orders)
    rows['appliance_work_order'] = columns = (
        ['id', 'number', 'company', 'kind', 'priority', 'customer',
            'appliance', 'address', 'region', 'state', 'engineer',
            'assigned_at', 'appointment_start', 'appointment_end',
            'started_at', 'done_at', 'waiting_reason', 'actual_fault_type',
            'fault_type', 'cause', 'labour_hours', 'is_rework', 'rework_of',
            'sla_start', 'response_deadline', 'response_risk_at',
            'resolution_deadline', 'resolution_risk_at', 'paused_hours',
            'create_date', 'create_uid'],
        [])
    as_py = {name: values.astype(dt.datetime) for name, values in [
            ('done_at', done_at), ('started_at', started_at),
            ('created', created), ('assigned', assigned)]}
    hour = dt.timedelta(hours=1)
    for i in range(n_orders):
        s = state[i]
        created_i = as_py['created'][i]
        done = s == 'done'
        started = s in {'in_progress', 'waiting', 'done'}
        dispatched = s not in {'draft', 'scheduled', 'cancelled'}
        is_repair = orders['kind'][i] == 'repair'
        rework = int(orders['rework_of'][i])
        columns[1].append((
                int(order_ids[i]), f"WOB{int(order_ids[i])}", ref.company,
                orders['kind'][i], '1', int(party_ids[customer_index[i]]),
                int(appliance_ids[appliance_index[i]]),
                int(address_ids[customer_index[i]]),
                ref.regions.get(int(province[i]), ref.default_region),
                s, int(engineer[i]) if dispatched and engineer[i] else None,
                as_py['assigned'][i] if dispatched else None,
                as_py['started_at'][i] if s != 'draft' else None,
                as_py['started_at'][i] + 2 * hour if s != 'draft' else None,
                as_py['started_at'][i] if started else None,
                as_py['done_at'][i] if done else None,
                'parts' if s == 'waiting' else None,
                int(fault[i]) if is_repair and fault[i] else None,
                int(fault[i]) if is_repair and fault[i] else None,
                cause[i] if is_repair and done else None,
                float(labour[i]) if done else None,
                rework >= 0, int(order_ids[rework]) if rework >= 0 else None,
                created_i, created_i + 8 * hour, created_i + 6 * hour,
                created_i + 72 * hour, created_i + 60 * hour, 0.0,
                created_i, ref.admin))

    # The parts of the repair plans on most repairs done, a second part of
    # the same fault now and then, two units of some
    part_rows = []
    part_ids = iter(ids['appliance_work_order_part'])
    for i in np.flatnonzero((state == 'done') & repair):
        parts = ref.plan_parts.get(int(fault[i]))
        if parts and (spike[i] or rng.random() < PARTS_SHARE):
            if len(parts) == 1 or rng.random() < SECOND_PART_SHARE:
                used = parts
            else:
                used = parts[:1]
            for part, unit in used:
                quantity = 2.0 if rng.random() < DOUBLE_QUANTITY_SHARE else 1.0
                part_rows.append((int(next(part_ids)), int(order_ids[i]),
                        part, quantity, unit, True, create_date, ref.admin))
    rows['appliance_work_order_part'] = (
        ['id', 'work_order', 'product', 'quantity', 'unit', 'from_plan',
            'create_date', 'create_uid'],
        part_rows)

    # The waits of some visits done: the engineer came back another day
    done_index = np.flatnonzero(state == 'done')
    waited = done_index[rng.random(len(done_index)) < WAITED_SHARE]
    event_ids = ids['appliance_work_order_event']
    waited_at = (started_at[waited] + np.timedelta64(1800, 's')).astype(
        dt.datetime)

    def event(k, i):
        return (int(event_ids[k]), int(order_ids[i]), waited_at[k],
            'waiting', "等待配件", True, create_date, ref.admin)
    rows['appliance_work_order_event'] = (
        ['id', 'work_order', 'date', 'state', 'description', 'public',
            'create_date', 'create_uid'],
        [event(k, i) for k, i in enumerate(waited)])

    # The complaints about some visits done, a few days after
    complained = done_index[rng.random(len(done_index)) < COMPLAINED_SHARE]
    request_ids = ids['appliance_service_request']
    complained_at = (done_at[complained] + (rng.uniform(
                24, 240, len(complained)) * 3600).astype('timedelta64[s]')
        ).astype(dt.datetime)
    cancelled = rng.random(len(complained)) < COMPLAINT_CANCELLED_SHARE

    def complaint(k, i):
        return (int(request_ids[k]), f"SRB{int(request_ids[k])}",
            ref.company, 'complaint', 'phone', '1',
            int(party_ids[customer_index[i]]),
            int(appliance_ids[appliance_index[i]]),
            int(address_ids[customer_index[i]]), "上门服务投诉",
            'cancelled' if cancelled[k] else 'closed', complained_at[k],
            int(order_ids[i]), complained_at[k], ref.admin)
    rows['appliance_service_request'] = (
        ['id', 'number', 'company', 'kind', 'channel', 'priority',
            'customer', 'appliance', 'address', 'description', 'state',
            'received_at', 'complaint_work_order', 'create_date',
            'create_uid'],
        [complaint(k, i) for k, i in enumerate(complained)])

    # The ratings of most visits done, a few days after
    rated = done_index[rng.random(len(done_index)) < RATED_SHARE]
    overall = weighted_choice(rng, RATINGS, len(rated)).astype(int)

    def near(values):
        return np.clip(values + rng.integers(-1, 2, len(values)), 1, 5)
    rating_ids = ids['appliance_work_order_rating']
    rated_at = (done_at[rated] + (rng.uniform(1, 72, len(rated)) * 3600
            ).astype('timedelta64[s]')).astype(dt.datetime)

    def rating(k, i, overall, punctuality, attitude, quality):
        return (int(rating_ids[k]), int(order_ids[i]), int(overall),
            int(punctuality), int(attitude), int(quality), 'link',
            rated_at[k], create_date, ref.admin)
    rows['appliance_work_order_rating'] = (
        ['id', 'work_order', 'overall', 'punctuality', 'attitude',
            'quality', 'channel', 'date', 'create_date', 'create_uid'],
        [rating(k, *values) for k, values in enumerate(zip(rated, overall,
                    near(overall), near(overall), near(overall)))])

    # The follow-up calls of some visits, a few days after
    followed = done_index[rng.random(len(done_index)) < FOLLOWED_SHARE]
    outcomes = weighted_choice(rng, FOLLOW_UPS, len(followed))
    follow_up_ids = ids['appliance_follow_up']
    followed_at = (done_at[followed] + (rng.uniform(48, 120, len(followed))
            * 3600).astype('timedelta64[s]')).astype(dt.datetime)

    def follow_up(k, i):
        return (int(follow_up_ids[k]), ref.company, int(order_ids[i]),
            int(party_ids[customer_index[i]]), followed_at[k].date(), 'call',
            outcomes[k], "回访完成", followed_at[k], 'done', create_date,
            ref.admin)
    rows['appliance_follow_up'] = (
        ['id', 'company', 'work_order', 'customer', 'due_date', 'kind',
            'satisfaction', 'outcome', 'done_at', 'state', 'create_date',
            'create_uid'],
        [follow_up(k, i) for k, i in enumerate(followed)])
    return rows


def write_postgresql(connection, table, columns, rows):
    from psycopg import sql
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table),
        sql.SQL(', ').join(map(sql.Identifier, columns)))
    with connection.cursor() as cursor:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(sql.SQL("SELECT setval({}, (SELECT MAX(id) FROM {}))")
            .format(sql.Literal(table + '_id_seq'), sql.Identifier(table)))


def write_sqlite(cursor, table, columns, rows):
    from sql import Table
    per_insert = max(1, 30000 // len(columns))
    sql_table = Table(table)
    fields = [getattr(sql_table, c) for c in columns]
    for start in range(0, len(rows), per_insert):
        chunk = [list(r) for r in rows[start:start + per_insert]]
        cursor.execute(*sql_table.insert(fields, values=chunk))


TABLES = [
    'party_party', 'party_address', 'appliance_appliance',
    'appliance_work_order', 'appliance_work_order_part',
    'appliance_work_order_event', 'appliance_service_request',
    'appliance_work_order_rating', 'appliance_follow_up']


def encrypt_personal_data(rows):
    """Write the streets into the encrypted columns when appliance_security
    encrypts them (the full module set of the demo)"""
    from trytond.pool import Pool
    Address = Pool().get('party.address')
    name = 'street_unstructured'
    if name not in getattr(Address, '_encrypted_fields', {}):
        return
    columns, values = rows['party_address']
    index = columns.index(name)
    encrypted = []
    for row in values:
        row = list(row)
        street = row.pop(index)
        encrypted.append(
            row + list(Address._encrypted_values(name, street).values()))
    rows['party_address'] = (
        columns[:index] + columns[index + 1:] + [
            name + '_enc', name + '_bidx'],
        encrypted)


def load(database, work_orders, months=24, seed=13, today=None,
        config_file=None, spike=False):
    """Load the history into database and return what was created

    With spike a batch defect is planted last week and the batch-defect
    alert is run."""
    from sql import Table

    from trytond import backend
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    if database not in Pool.database_list():
        init_trytond(config_file)
    pool = Pool(database)
    try:
        pool.get('ir.model')
    except KeyError:
        # A transaction started on the database lists it, not initialised
        pool.init()
    today = today or dt.date.today()
    rng = np.random.default_rng(seed)
    started = time.monotonic()
    with Transaction().start(database, 0, context={}) as transaction:
        connection = transaction.connection
        cursor = connection.cursor()
        names = TABLES + [
            'company_company', 'country_country', 'country_subdivision',
            'product_template', 'product_product', 'appliance_category',
            'appliance_brand', 'appliance_fault_type',
            'appliance_repair_plan', 'appliance_repair_plan_part',
            'appliance_service_region-country_subdivision',
            'company_employee', 'res_user', 'product_category']
        tables = {n: Table(n) for n in names}
        ref = Reference(cursor, tables)
        ref.load()
        customers, appliances, orders = generate(
            ref, rng, work_orders, months, today, spike=spike)
        log(f"generated in {time.monotonic() - started:.0f}s")
        counts = {
            'party_party': len(customers['province']),
            'party_address': len(customers['province']),
            'appliance_appliance': len(appliances['model']),
            'appliance_work_order': len(orders['kind']),
            'appliance_work_order_part': len(orders['kind']) * 3,
            'appliance_work_order_rating': len(orders['kind']),
            'appliance_follow_up': len(orders['kind']),
            'appliance_work_order_event': len(orders['kind']),
            'appliance_service_request': len(orders['kind']),
            }
        ids = {t: next_ids(cursor, tables[t], n) for t, n in counts.items()}
        now = dt.datetime.utcnow().replace(microsecond=0)
        rows = build_rows(ref, rng, customers, appliances, orders, ids, today,
            now)
        encrypt_personal_data(rows)
        summary = {}
        for table in TABLES:
            columns, values = rows[table]
            if backend.name == 'postgresql':
                write_postgresql(connection, table, columns, values)
            else:
                write_sqlite(cursor, table, columns, values)
            summary[table] = len(values)
            log(f"{table}: {len(values)} rows "
                f"({time.monotonic() - started:.0f}s)")
        refresh_summaries(database)
        transaction.commit()
    if backend.name == 'postgresql':
        analyze(database)
    if spike:
        summary['batch-defect alerts'] = detect_alerts(database)
    summary['seconds'] = round(time.monotonic() - started)
    return summary


def detect_alerts(database):
    "Run the batch-defect alert of last week, as its cron does"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool(database)
    with Transaction().start(database, 0) as transaction:
        Alert = pool.get('appliance.analytics.defect_alert')
        alerts = Alert.detect()
        transaction.commit()
    return len(alerts)


def refresh_summaries(database):
    "Rebuild the daily summary tables of the wall screen, when there"
    from trytond.pool import Pool
    pool = Pool(database)
    try:
        Daily = pool.get('appliance.analytics.daily')
    except KeyError:
        return
    Daily.rebuild()


def analyze(database):
    "Update the statistics of the planner on the tables loaded"
    from psycopg import sql

    from trytond.transaction import Transaction
    with Transaction().start(
            database, 0, autocommit=True) as transaction:
        cursor = transaction.connection.cursor()
        for table in TABLES:
            cursor.execute(sql.SQL('ANALYZE {}').format(sql.Identifier(table)))


def init_trytond(config_file=None):
    "Read the configuration files (one or a list)"
    from trytond import config
    os.environ.setdefault('TRYTOND_DATABASE__PATH', str(ROOT / 'var'))
    if isinstance(config_file, (list, tuple)):
        config.update_etc([str(f) for f in config_file])
    else:
        config.update_etc(str(config_file or ROOT / 'tryton.conf'))


def setup(database, config_file=None):
    """Create the benchmark database with its modules and the demo's
    reference data"""
    import setup_demo
    setup_demo.MODULES = BENCH_MODULES
    init_trytond(config_file)
    if not setup_demo.database_exists(database):
        log(f"create database {database!r}")
        setup_demo.create_database(database)
    if not setup_demo.modules_ready(database):
        setup_demo.run_admin(database)
    import demo_data
    from proteus import config
    proteus_config = config.set_trytond(
        database, config_file=str(config_file or setup_demo.CONFIG_FILE))
    proteus_config.skip_warning = True
    setup_demo.import_china()
    company = setup_demo.get_company(setup_demo.get_currency())
    setup_demo.close_config_wizard()
    setup_demo.setup_users(company)
    setup_demo.setup_configuration()
    with proteus_config.set_context(company=company.id):
        # The demo's purchases of parts need their accounts
        setup_demo.setup_accounting(company)
    if not setup_demo.demo_data_loaded():
        log("reference data (demo generator)")
        with proteus_config.set_context(company=company.id):
            demo_data.generate(proteus_config, customers=50, appliances=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--database', '-d', default='demo')
    parser.add_argument('--work-orders', type=int, default=10000)
    parser.add_argument('--months', type=int, default=24)
    parser.add_argument('--seed', type=int, default=13)
    parser.add_argument('--setup', action='store_true',
        help="create the database with its modules and the reference data "
        "first")
    parser.add_argument('--spike', action='store_true',
        help="plant a batch defect last week and run the alert")
    parser.add_argument('--config', '-c', default=None)
    args = parser.parse_args()
    if args.setup:
        setup(args.database, args.config)
    summary = load(args.database, args.work_orders, months=args.months,
        seed=args.seed, config_file=args.config, spike=args.spike)
    for key, value in summary.items():
        print(f"{key}: {value}")


if __name__ == '__main__':
    sys.exit(main())

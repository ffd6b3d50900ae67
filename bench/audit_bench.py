#!/usr/bin/env python3
# This file is part of the appliance_audit module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.
"""Audit trail benchmark: the cost of the audit on a bulk update.

Creates a database with appliance_audit (and --modules), inserts
--work-orders work orders (10,000 by default) in bulk, then in the same run
times one ORM write of all of them, the way a mass update from the client
does it (WorkOrder.write on every order at once):

- without the audit (the floor): the context key that turns the audit off,
  which only code can set (a client cannot send keys starting with "_");
- with the audit: every order gets its old and new value logged.

It also times the audit's own work inside the audited writes (the reads of
the old and new values, the formatting and the insert) and prints the ratio
by parts, (floor + audit's own time) / floor, which the load of the machine
disturbs less than the difference of two medians.

Each write changes the value of every order (the priority goes round its
selection, the description gets a new text), the two kinds alternate and
each is repeated --repeat times (each kind first every other time, the
garbage collected before each write); the medians are compared, of the
CPU time of the process on SQLite (the database runs inside it, and the
time does not depend on what else loads the machine) and of the wall clock
on PostgreSQL (--clock to choose).  The log is
checked to hold one entry per order and written field for every audited
write, and none for the floor.  Nothing is hard-coded: every figure is
measured in the run.  It ends with the line

    audit: write overhead ratio X.XX (target <= 1.5)

    .venv/bin/python bench/audit_bench.py [--work-orders 10000] [--repeat 5]

The backend is the one of the environment: TRYTOND_DATABASE__URI (SQLite in
memory by default, or postgresql://...) and DB_NAME (a database name for
PostgreSQL, dropped and created again).
"""
import argparse
import datetime as dt
import gc
import os
import statistics
import sys
import time

os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')

from trytond.pool import Pool  # noqa: E402
from trytond.tests.test_tryton import (  # noqa: E402
    DB_NAME, activate_module, db_exist, drop_db)
from trytond.transaction import Transaction  # noqa: E402

PRIORITIES = ['0', '1', '2', '3']
BATCH = 1000


def log(message):
    print(message, flush=True)


def create_database(backend, modules):
    if backend != 'sqlite' and db_exist(DB_NAME):
        drop_db()
    activate_module(['appliance_audit'] + modules)


def fill(count):
    "Insert count draft work orders of one customer; return their ids"
    pool = Pool()
    Company = pool.get('company.company')
    Currency = pool.get('currency.currency')
    Party = pool.get('party.party')
    Region = pool.get('appliance.service.region')
    User = pool.get('res.user')
    WorkOrder = pool.get('appliance.work_order')
    currency, = Currency.create([{
                'name': "Renminbi", 'code': 'CNY', 'symbol': '¥'}])
    company_party, = Party.create([{'name': "华安家电售后服务"}])
    company, = Company.create([{
                'party': company_party.id, 'currency': currency.id,
                'timezone': 'Asia/Shanghai'}])
    User.write([User(0), User(1)], {
            'companies': [('add', [company.id])], 'company': company.id})
    customer, = Party.create([{
                'name': "王芳",
                'addresses': [('create', [{'street': "中山路 1 号"}])],
                }])
    region, = Region.create([{'name': "华南", 'code': 'S'}])
    table = WorkOrder.__table__()
    cursor = Transaction().connection.cursor()
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    columns = [
        table.number, table.company, table.kind, table.priority,
        table.customer, table.address, table.region, table.description,
        table.state, table.create_uid, table.create_date]
    for start in range(0, count, BATCH):
        cursor.execute(*table.insert(columns, [[
                        'WO%08d' % i, company.id, 'repair', '1',
                        customer.id, customer.addresses[0].id, region.id,
                        "空调不制冷 %d" % i, 'draft', 0, now]
                    for i in range(start, min(start + BATCH, count))]))
    cursor.execute(*table.select(table.id, order_by=[table.id]))
    return company, [i for i, in cursor]


def log_count():
    Log = Pool().get('appliance.audit.log')
    table = Log.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.select(table.id, where=table.action == 'write'))
    return len(cursor.fetchall())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-orders', type=int, default=10000)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--modules', nargs='*', default=[],
        help="more modules to activate (their own writes are in both "
        "figures)")
    parser.add_argument('--clock', choices=['cpu', 'wall'],
        help="what the ratio compares: the CPU time of the process "
        "(default on SQLite, which runs inside it) or the wall clock "
        "(default on PostgreSQL)")
    args = parser.parse_args()
    backend = os.environ['TRYTOND_DATABASE__URI'].split(':', 1)[0]
    if backend.startswith('postgres'):
        backend = 'postgresql'
    clock = args.clock or ('cpu' if backend == 'sqlite' else 'wall')

    start = time.perf_counter()
    create_database(backend, args.modules)
    log(f"database ({backend}, appliance_audit {' '.join(args.modules)}) "
        f"in {time.perf_counter() - start:.0f} s")

    from trytond.modules.appliance_audit.audit import DISABLED

    with Transaction().start(DB_NAME, 0) as transaction:
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        start = time.perf_counter()
        company, ids = fill(args.work_orders)
        log(f"{len(ids)} work orders in {time.perf_counter() - start:.1f} s")
        transaction.commit()

        timings = {'floor': [], 'audit': []}
        own = []
        step = 0
        spent = [0.0]
        now = time.process_time if clock == 'cpu' else time.perf_counter

        def timer(method):
            "Count the time spent in method of the audit"
            function = method.__func__

            def wrapper(cls, *args, **kwargs):
                begin = now()
                try:
                    return function(cls, *args, **kwargs)
                finally:
                    spent[0] += now() - begin
            return classmethod(wrapper)
        WorkOrder._audit_read = timer(WorkOrder._audit_read)
        WorkOrder._audit_log_changes = timer(WorkOrder._audit_log_changes)

        def write(kind):
            nonlocal step
            step += 1
            values = {
                'priority': PRIORITIES[step % len(PRIORITIES)],
                'description': "空调不制冷，第 %d 次更新" % step,
                }
            context = {'company': company.id}
            if kind == 'floor':
                context[DISABLED] = True
            before = log_count()
            spent[0] = 0.0
            with transaction.set_context(**context):
                orders = WorkOrder.browse(ids)
                gc.collect()
                begin, begin_cpu = time.perf_counter(), time.process_time()
                WorkOrder.write(orders, values)
                duration = time.perf_counter() - begin
                cpu = time.process_time() - begin_cpu
            logged = log_count() - before
            expected = 0 if kind == 'floor' else 2 * len(ids)
            if logged != expected:
                raise SystemExit(
                    f"{kind}: {logged} log entries, {expected} expected")
            transaction.commit()
            timings[kind].append(cpu if clock == 'cpu' else duration)
            if kind == 'audit':
                own.append(spent[0])
            log(f"  {kind:5} write of {len(ids)} orders: {duration:.3f} s "
                f"(CPU {cpu:.3f} s), {logged} log entries, "
                f"{spent[0]:.3f} s in the audit")

        # Warm the caches, then alternate
        write('floor')
        write('audit')
        timings = {'floor': [], 'audit': []}
        own.clear()
        for i in range(args.repeat):
            # Each kind first every other time
            for kind in ['floor', 'audit'][::1 if i % 2 else -1]:
                write(kind)

    floor = statistics.median(timings['floor'])
    audit = statistics.median(timings['audit'])
    spent = statistics.median(own)
    ratio = audit / floor
    log(f"{clock} clock: floor (no audit) median {floor:.3f} s; with the "
        f"audit median {audit:.3f} s, {audit - floor:+.3f} s for "
        f"{2 * len(ids)} log entries; load average "
        f"{os.getloadavg()[0]:.1f}")
    # The same by parts: the time spent in the audit itself (reading the old
    # and new values, formatting, inserting) over the floor, less sensitive
    # to the load of the machine than the difference of two medians
    log(f"time in the audit itself: median {spent:.3f} s, ratio by parts "
        f"{(floor + spent) / floor:.2f}")
    log(f"audit: write overhead ratio {ratio:.2f} (target <= 1.5)")
    return 0 if ratio <= 1.5 else 1


if __name__ == '__main__':
    sys.exit(main())

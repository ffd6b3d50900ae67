#!/usr/bin/env python3
# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Field encryption benchmark: the cost of encrypting the customers' mobiles.

Creates a database with appliance_security, then in the same run creates
--customers customers (100,000 by default) with a mobile phone of two kinds:

- plain (the floor): the same columns and index with the values in clear,
  which is what the plain indexed column of before stored;
- encrypted: AES-GCM ciphertext and HMAC-SHA256 blind index, as in
  production, computed by the model's own ``_encrypted_values``.

The rows are inserted by batches of 1,000 (one multi-row INSERT each, as the
bench data loader does; the ORM's own cost per customer, the same for both
kinds, would only hide the difference), the two kinds alternating batch by
batch (each first every other batch) so that both see the same table sizes.
Then --searches exact searches by phone of each kind, through the ORM
(``Party.find_by_mobile`` with the number typed in its national form:
normalised, blind index or plain value, indexed search, the value read back
and decrypted), alternate the same way.  Last, --orm-customers customers of
each kind are created through ``Party.create`` (duplicate check and
validation included) for the ratio a user's import sees.  The rows are
checked to hold ciphertext for the encrypted customers and every search to
find its customer.  Nothing is hard-coded.  It ends with the line

    field_encryption: create ratio X.XX, search ratio Y.YY

    .venv/bin/python bench/field_encryption_bench.py [--customers 100000] \
        [--searches 5000] [--orm-customers 2000]

The backend is the one of the environment: TRYTOND_DATABASE__URI (SQLite in
memory by default, or postgresql://...) and DB_NAME (a database name for
PostgreSQL, dropped and created again).
"""
import argparse
import gc
import os
import random
import sys
import time
from contextlib import contextmanager
from unittest.mock import patch

os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')
if not os.environ.get('APPLIANCE_FIELD_KEY'):
    import base64
    os.environ['APPLIANCE_FIELD_KEY'] = base64.b64encode(
        os.urandom(32)).decode()

from trytond.pool import Pool  # noqa: E402
from trytond.tests.test_tryton import (  # noqa: E402
    DB_NAME, activate_module, db_exist, drop_db)
from trytond.transaction import Transaction  # noqa: E402

BATCH = 1000


def log(message):
    print(message, flush=True)


@contextmanager
def plain_values():
    "The same code path with the values kept in clear"
    from trytond.modules.appliance_security import crypto
    with patch.object(crypto, 'encrypt', lambda value, aad: value), \
            patch.object(crypto, 'blind_index', lambda value, kind: value), \
            patch.object(crypto, 'blind_indexes',
                lambda value, kind: [value]):
        yield


@contextmanager
def encrypted_values():
    yield


KINDS = {'plain': plain_values, 'encrypted': encrypted_values}


def mobile(kind, i):
    "A valid Chinese mobile number per kind and index"
    prefix = {'plain': '138', 'encrypted': '139'}[kind]
    return f'{prefix}{i:08d}'


def insert(count):
    "Insert count customers of each kind by multi-row INSERTs"
    Party = Pool().get('party.party')
    table = Party.__table__()
    cursor = Transaction().connection.cursor()
    columns = [table.name, table.code, table.active, table.customer_source,
        table.mobile_number_enc, table.mobile_number_bidx]
    times = {k: 0.0 for k in KINDS}
    for n, start in enumerate(range(0, count, BATCH)):
        order = list(KINDS) if n % 2 == 0 else list(reversed(KINDS))
        for kind in order:
            gc.collect()
            with KINDS[kind]():
                started = time.perf_counter()
                values = []
                for i in range(start, min(start + BATCH, count)):
                    # What preprocess_values stores for the mobile
                    stored = Party._encrypted_values(
                        'mobile_number', '+86' + mobile(kind, i))
                    values.append([
                            f"客户{kind[0]}{i}", f'B{kind[0]}{i}', True,
                            'import', stored['mobile_number_enc'],
                            stored['mobile_number_bidx']])
                cursor.execute(*table.insert(columns, values))
                times[kind] += time.perf_counter() - started
        if (n + 1) % 20 == 0:
            log(f"  {(n + 1) * BATCH} customers of each kind: "
                + ", ".join(f"{k} {t:.1f}s" for k, t in times.items()))
    return times


def create(count, offset):
    "Create count customers of each kind through the ORM"
    Party = Pool().get('party.party')
    times = {k: 0.0 for k in KINDS}
    for n, start in enumerate(range(offset, offset + count, BATCH)):
        order = list(KINDS) if n % 2 == 0 else list(reversed(KINDS))
        for kind in order:
            vlist = [{
                    'name': f"客户{kind[0]}{i}",
                    # The same for both kinds, no sequence
                    'code': f'B{kind[0]}{i}',
                    'customer_source': 'import',
                    'mobile_number': mobile(kind, i),
                    } for i in range(
                        start, min(start + BATCH, offset + count))]
            gc.collect()
            with KINDS[kind]():
                started = time.perf_counter()
                Party.create(vlist)
                times[kind] += time.perf_counter() - started
    return times


def search(count, customers, rng):
    Party = Pool().get('party.party')
    times = {k: 0.0 for k in KINDS}
    numbers = [rng.randrange(customers) for _ in range(count)]
    for n, i in enumerate(numbers):
        order = list(KINDS) if n % 2 == 0 else list(reversed(KINDS))
        for kind in order:
            number = mobile(kind, i)
            typed = f'{number[:3]} {number[3:7]} {number[7:]}'
            with KINDS[kind]():
                started = time.perf_counter()
                found = Party.find_by_mobile(typed)
                value = found[0].mobile_number if found else None
                times[kind] += time.perf_counter() - started
            if value != '+86' + number:
                raise AssertionError(f"{kind}: {typed} found {value}")
    return times


def check(customers):
    "The encrypted rows hold ciphertext, the plain rows the numbers"
    Party = Pool().get('party.party')
    table = Party.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.select(
            table.mobile_number_enc, table.mobile_number_bidx,
            where=table.customer_source == 'import'))
    counts = {'plain': 0, 'encrypted': 0}
    for enc, bidx in cursor:
        if enc.startswith('enc1$'):
            assert len(bidx) == 32 and '+86139' not in enc
            counts['encrypted'] += 1
        else:
            assert enc == bidx and enc.startswith('+86138')
            counts['plain'] += 1
    assert counts == {'plain': customers, 'encrypted': customers}, counts
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--customers', type=int, default=100_000)
    parser.add_argument('--searches', type=int, default=5_000)
    parser.add_argument('--orm-customers', type=int, default=2_000)
    parser.add_argument('--seed', type=int, default=7)
    args = parser.parse_args(argv)
    backend = os.environ['TRYTOND_DATABASE__URI'].split(':')[0]
    log(f"backend {backend}, {args.customers} customers of each kind, "
        f"{args.searches} searches of each kind")
    started = time.perf_counter()
    if backend != 'sqlite' and db_exist(DB_NAME):
        drop_db()
    activate_module(['appliance_security'])
    log(f"database ready in {time.perf_counter() - started:.0f}s")
    rng = random.Random(args.seed)
    with Transaction().start(DB_NAME, 0, context={
                '_skip_warnings': True}) as transaction:
        creates = insert(args.customers)
        transaction.commit()
        # The statistics a live database has (autovacuum on PostgreSQL):
        # without them SQLite scans the table in the order of the ids
        transaction.connection.cursor().execute('ANALYZE')
        transaction.commit()
        log("create: " + ", ".join(
                f"{k} {t:.1f}s ({t / args.customers * 1e6:.0f} µs each)"
                for k, t in creates.items()))
        check(args.customers)
        searches = search(args.searches, args.customers, rng)
        log("search: " + ", ".join(
                f"{k} {t:.2f}s ({t / args.searches * 1e6:.0f} µs each)"
                for k, t in searches.items()))
        orm = create(args.orm_customers, args.customers)
        transaction.commit()
        log("ORM create: " + ", ".join(
                f"{k} {t:.1f}s ({t / args.orm_customers * 1e6:.0f} µs each)"
                for k, t in orm.items())
            + f", ratio {orm['encrypted'] / orm['plain']:.2f}")
        check(args.customers + args.orm_customers)
    create_ratio = creates['encrypted'] / creates['plain']
    search_ratio = searches['encrypted'] / searches['plain']
    log(f"field_encryption: create ratio {create_ratio:.2f}, "
        f"search ratio {search_ratio:.2f}")
    return 0


if __name__ == '__main__':
    sys.exit(main())

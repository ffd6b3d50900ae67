#!/usr/bin/env python3
"""Encrypt the customers' personal data again with a new key.

appliance_security encrypts the mobile phones, ID card numbers, streets and
contact phones with the key of APPLIANCE_FIELD_KEY (or [appliance_security]
field_key).  A rotation, without stopping the service:

1. give the servers the new key as APPLIANCE_FIELD_KEY and the old one as
   APPLIANCE_FIELD_KEY_PREVIOUS (or field_key_previous) and restart them:
   new values are written with the new key, both keys read;
2. run this script with the same configuration: it encrypts again, in
   batches each committed on its own, what an older key encrypted, and
   recomputes the blind indexes with the new key.  Interrupted, it goes on
   where it stopped when run again; run twice, the second run does nothing;
3. remove the previous key from the configuration.

``--new-key`` does steps 1 and 2 in one go for an offline database: the key
of the configuration becomes the previous one for the run.  Configure the new
key before starting the servers again.

    python scripts/rotate_field_key.py -c tryton.conf -d demo --new-key KEY
    python scripts/rotate_field_key.py -c tryton.conf -d demo --generate
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Encrypt the customers' personal data again with the "
        "current (or a new) field key, batch after batch.")
    parser.add_argument('-c', '--config', default=str(ROOT / 'tryton.conf'),
        help="trytond configuration file (default: tryton.conf)")
    parser.add_argument('-d', '--database', required=True)
    key = parser.add_mutually_exclusive_group()
    key.add_argument('--new-key',
        help="the new key (32 bytes in base64); without it, the key of the "
        "configuration is the new one")
    key.add_argument('--generate', action='store_true',
        help="generate the new key and print it")
    parser.add_argument('--batch-size', type=int, default=500,
        help="values encrypted again per committed batch (default: 500)")
    parser.add_argument('--max-batches', type=int, default=None,
        help="stop after this many batches (the rest on the next run)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('TRYTOND_DATABASE__PATH', str(ROOT / 'var'))
    from trytond import config
    config.update_etc(args.config)

    from trytond.modules.appliance_security import crypto
    from trytond.modules.appliance_security.field_encryption import (
        rotate_field_key)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    new_key = args.new_key
    if args.generate:
        new_key = crypto.generate_key()
        print(f"new key: {new_key}", flush=True)
    if new_key:
        try:
            old = crypto.current_key()
            crypto._parse(new_key)
        except crypto.FieldKeyError as error:
            sys.exit(error.message)
        previous = [
            os.environ.get(crypto.ENV_KEY)
            or config.get(crypto.SECTION, 'field_key'),
            *(os.environ.get(crypto.ENV_KEY_PREVIOUS)
                or config.get(crypto.SECTION, 'field_key_previous',
                    default='')).replace(',', ' ').split()]
        os.environ[crypto.ENV_KEY] = new_key
        os.environ[crypto.ENV_KEY_PREVIOUS] = ','.join(previous)
        print(f"key {old.id} -> {crypto.current_key().id}", flush=True)
    else:
        try:
            print(f"current key {crypto.current_key().id}", flush=True)
        except crypto.FieldKeyError as error:
            sys.exit(error.message)

    pool = Pool(args.database)
    pool.init()
    started = time.monotonic()
    done = 0

    def run():
        # One transaction per batch: what is committed stays done
        nonlocal done
        with Transaction().start(args.database, 0, context={}) as transaction:
            count = rotate_field_key(
                batch_size=args.batch_size, max_batches=1)
            transaction.commit()
        done += count
        return count

    batches = 0
    while args.max_batches is None or batches < args.max_batches:
        count = run()
        if not count:
            break
        batches += 1
        print(f"batch {batches}: {count} values "
            f"({done} in {time.monotonic() - started:.1f}s)", flush=True)

    with Transaction().start(args.database, 0, readonly=True):
        from trytond.modules.appliance_security.field_encryption import (
            encrypted_models)
        left = sum(Model.count_field_key(name)
            for Model in encrypted_models()
            for name in Model._encrypted_fields)
    print(f"{done} values encrypted again, {left} left under another key",
        flush=True)
    if not left and new_key:
        print(f"configure the new key: {crypto.ENV_KEY}=<the new key> "
            "(the previous one may then go)", flush=True)
    return 0 if not left or args.max_batches else 1


if __name__ == '__main__':
    sys.exit(main())

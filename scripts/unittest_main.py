#!/usr/bin/env python3
"""`python -m unittest` for the jobs of scripts/run_tests.py.

On PostgreSQL the jobs keep the activated databases of trytond's test cache
as template databases (DB_CACHE=postgresql://): a test database is then a
copy made by the server in a fraction of a second instead of a pg_restore.
Two jobs that activate the same modules at once both try to save the
template; the second finds it made by the first, which is what it wanted,
so that error is ignored.
"""
import sys
import unittest

from trytond.tests import test_tryton


def _tolerate_made_template(pg_dump):
    def dump(cache_file):
        from psycopg.errors import DuplicateDatabase
        try:
            return pg_dump(cache_file)
        except DuplicateDatabase:
            return False
    return dump


test_tryton._pg_dump = _tolerate_made_template(test_tryton._pg_dump)

if __name__ == '__main__':
    sys.argv[0] = 'python -m unittest'
    unittest.main(module=None)

#!/usr/bin/env python3
"""Run every test of the project on SQLite and on PostgreSQL.

Module tests run first (they fill the template database cache), then the
scenarios and the cross-module tests, one job per core, the longest first
(scripts/test_durations.json).  A module's test files other than
test_module.py and test_scenario.py are jobs of their own.  The exit status
is non-zero when any job fails; the output of each job and the duration of
every job (durations.json) are kept under var/test-logs/.
"""
import argparse
import configparser
import hashlib
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every directory of addons/ with a tryton.cfg is a module
MODULES = sorted(
    p.parent.name for p in (ROOT / 'addons').glob('*/tryton.cfg'))
PYTHON = sys.executable
UNITTEST = str(ROOT / 'scripts' / 'unittest_main.py')
# The template databases of the test cache on PostgreSQL and the database
# that tells which sources they were made from
PG_CACHE = 'postgresql://'
PG_CACHE_PREFIX = 'test-'
PG_CACHE_MARK = 'testcache-'
# Seconds each job took in a full run on a 2-core machine (copied from
# var/test-logs/durations.json), to start the longest first
DURATIONS = ROOT / 'scripts' / 'test_durations.json'
# A job not measured yet is likely a new slow one: start it early
UNKNOWN_DURATION = 300


def source_hash():
    "Hash of the module sources so a changed module never reuses a cache"
    digest = hashlib.sha1()
    for path in sorted((ROOT / 'addons').rglob('*')):
        if path.is_file() and '__pycache__' not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# Not a secret: 32 bytes in base64 for the tests only
TEST_FIELD_KEY = 'ZGCCIQ9fQBF21W95wHQMtOjxKb/d69zOwDWiDn/f1B0='


def backend_env(backend, cache_root):
    env = os.environ.copy()
    env.pop('DB_NAME', None)
    env['PYTHONPATH'] = str(ROOT)
    # The key of the encrypted personal data (appliance_security): a fixed
    # test key, so that the cached databases stay readable
    env.setdefault('APPLIANCE_FIELD_KEY', TEST_FIELD_KEY)
    # The tests do not read tryton.conf: they wait for locks as production
    env.setdefault('TRYTOND_DATABASE__RETRY', database_retry())
    if backend == 'sqlite':
        env['DB_CACHE'] = str(cache_root / backend)
        env['TRYTOND_DATABASE__URI'] = 'sqlite://'
        env['DB_NAME'] = ':memory:'
    else:
        env['DB_CACHE'] = PG_CACHE
        env['TRYTOND_DATABASE__URI'] = pg_uri()
        # A test database is thrown away: no commit waits for the disk
        env['PGOPTIONS'] = (
            env.get('PGOPTIONS', '') + ' -c synchronous_commit=off').strip()
    return env


def database_retry():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / 'tryton.conf')
    return parser.get('database', 'retry', fallback='5')


def pg_uri():
    return os.environ.get(
        'TRYTOND_DATABASE_URI', 'postgresql://postgres@127.0.0.1:5432/')


def reset_pg_cache(digest):
    """Drop the template databases of the test cache made from other
    sources than these (their names tell only the modules), so that no test
    runs on an older schema"""
    import psycopg
    from psycopg import sql
    mark = PG_CACHE_MARK + digest
    with psycopg.connect(pg_uri(), dbname='postgres',
            autocommit=True) as conn:
        names = [n for n, in conn.execute(
                "SELECT datname FROM pg_database "
                "WHERE datname LIKE %s OR datname LIKE %s",
                (PG_CACHE_PREFIX + '%', PG_CACHE_MARK + '%'))]
        if mark in names:
            return
        for name in names:
            conn.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)')
                .format(sql.Identifier(name)))
        conn.execute(sql.SQL('CREATE DATABASE {}').format(
                sql.Identifier(mark)))


def top_level_tests():
    return sorted(p.stem for p in (ROOT / 'tests').glob('test_*.py'))


def module_test_files(module):
    """The test files of module run as jobs of their own: test_module and
    every other test_*.py but test_scenario, unless test_module imports it
    (a slow file of its own runs beside the others instead of after them)"""
    tests = ROOT / 'addons' / module / 'tests'
    main = (tests / 'test_module.py').read_text()
    names = ['test_module']
    for path in sorted(tests.glob('test_*.py')):
        if (path.stem not in {'test_module', 'test_scenario'}
                and f'from .{path.stem} import' not in main):
            names.append(path.stem)
    return names


def jobs_for(backend, cache_root, phase, selected, tests_selected):
    env = backend_env(backend, cache_root)
    jobs = []
    if phase == 1:
        for module in selected:
            for name in module_test_files(module):
                label = 'module' if name == 'test_module' else name
                if (backend == 'postgresql'
                        and f'{module}:{name}' in SQLITE_ONLY):
                    continue
                jobs.append((f'{backend}:{module}:{label}',
                        [PYTHON, UNITTEST,
                            f'trytond.modules.{module}.tests.{name}'],
                        env))
    else:
        for module in selected:
            tests = ROOT / 'addons' / module / 'tests'
            if list(tests.glob('scenario_*.rst')):
                jobs.append((f'{backend}:{module}:scenario',
                        [PYTHON, UNITTEST,
                            f'trytond.modules.{module}.tests.test_scenario'],
                        env))
        for test in tests_selected:
            if backend == 'postgresql' and test in SQLITE_ONLY:
                continue
            jobs.append((f'{backend}:tests/{test}.py',
                    [PYTHON, UNITTEST, f'tests.{test}'], env))
    return jobs


# Tests whose subject does not depend on the database backend; test_walk
# and test_buttons serve the demo database on SQLite (to sao in chromium,
# to JSON-RPC)
SQLITE_ONLY = {
    'test_translations', 'test_lint', 'test_routing', 'test_walk',
    'test_buttons',
    # the reports of the demo database that test_walk serves
    'test_analytics_demo',
    # the access tables, rules and buttons of each role and the answers of
    # each route to each caller are the same on both backends; the hostile
    # input of test_security_breaks and the record rules of the portal
    # still run on both
    'test_access_matrix', 'test_access_routes',
    # the wall screen in chromium draws the figures that test_module checks
    # on both backends
    'appliance_analytics:test_wall'}


def run_job(job, logs, durations):
    label, cmd, env = job
    env = dict(env)
    if 'DB_NAME' not in env:
        # One database per job so parallel jobs never share one
        env['DB_NAME'] = 'test_' + hashlib.sha1(
            f'{label}{time.time()}'.encode()).hexdigest()[:10]
    log = logs / (label.replace(':', '_').replace('/', '_') + '.log')
    start = time.monotonic()
    with open(log, 'w') as out:
        result = subprocess.run(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    duration = time.monotonic() - start
    durations[label] = round(duration)
    status = 'ok' if result.returncode == 0 else 'FAILED'
    print(f'{status:6} {duration:6.0f}s  {label}', flush=True)
    if result.returncode:
        print(tail(log), flush=True)
    return result.returncode == 0


def tail(path, lines=40):
    content = path.read_text(errors='replace').splitlines()
    return '\n'.join('    ' + line for line in content[-lines:])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--backend', action='append',
        choices=['sqlite', 'postgresql'])
    parser.add_argument('--module', action='append', choices=MODULES,
        help="only these modules (and no tests/ file unless --test)")
    parser.add_argument('--test', action='append',
        choices=top_level_tests(),
        help="only these tests/ files (and no module unless --module)")
    parser.add_argument('--only', action='append', metavar='TEXT',
        help="only the jobs whose label (e.g. sqlite:appliance_portal:"
        "test_api, shown in the output) contains one of these texts")
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    backends = args.backend or ['sqlite', 'postgresql']
    if args.module or args.test:
        selected, tests_selected = args.module or [], args.test or []
    else:
        selected, tests_selected = MODULES, top_level_tests()

    digest = source_hash()
    cache_root = ROOT / 'var' / 'db_cache' / digest
    if 'postgresql' in backends:
        reset_pg_cache(digest)
    logs = ROOT / 'var' / 'test-logs'
    logs.mkdir(parents=True, exist_ok=True)
    expected = json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
    durations = {}
    start = time.monotonic()
    ok = True
    for phase in [1, 2]:
        jobs = [j for b in backends
            for j in jobs_for(
                b, cache_root, phase, selected, tests_selected)
            if not args.only or any(t in j[0] for t in args.only)]
        # The longest first, so that no job is left alone at the end
        jobs.sort(key=lambda j: -expected.get(j[0], UNKNOWN_DURATION))
        with ThreadPoolExecutor(max_workers=args.jobs) as executor:
            results = list(executor.map(
                    lambda j: run_job(j, logs, durations), jobs))
        ok &= all(results)
    (logs / 'durations.json').write_text(
        json.dumps(durations, indent=1, sort_keys=True) + '\n')
    print(f'{"passed" if ok else "FAILED"} in '
        f'{time.monotonic() - start:.0f}s; logs in {logs}')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())

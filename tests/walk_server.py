"""The demo database and the trytond server of the browser walk.

tests/test_walk.py walks the staff screens of the demo in sao.  The demo
database is made by scripts/setup_demo.py once per source hash and day (the
demo lays the visits out around the day it is generated) under
var/walk/db/<key>/ and each run serves a copy of it, so nothing the walk
does stays in the cache.
"""
import base64
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WALK = ROOT / 'var' / 'walk'
DATABASE = 'walk'
PASSWORD = 'appliance-demo'
# What makes the demo database: the modules and the demo scripts
SOURCES = ['addons', 'scripts/setup_demo.py', 'scripts/demo_data.py']


def log(message):
    print(f"[walk {time.strftime('%H:%M:%S')}] {message}", flush=True)


def cache_key(today=None):
    digest = hashlib.sha1()
    for source in SOURCES:
        path = ROOT / source
        files = sorted(path.rglob('*')) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and '__pycache__' not in file.parts:
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    today = today or dt.date.today()
    return f'{today.isoformat()}-{digest.hexdigest()[:12]}'


def sqlite_env(path):
    "The environment of a trytond process on the SQLite files of path"
    env = os.environ.copy()
    for name in ['DB_NAME', 'DB_CACHE', 'TRYTOND_DATABASE_URI',
            'TRYTOND_CONFIG']:
        env.pop(name, None)
    env['TRYTOND_DATABASE__URI'] = 'sqlite://'
    env['TRYTOND_DATABASE__PATH'] = str(path)
    # The demo's published passwords, as `make demo` serves them: outside
    # demo mode the second factor set-up and the change of a password set
    # by an administrator stop the demo logins
    env['TRYTOND_APPLIANCE_SECURITY__DEMO'] = 'True'
    return env


def demo_database():
    """Return the directory of the cached demo database, made if missing

    It is built in a temporary directory renamed when complete, so a
    failed or interrupted build is never reused; the tests that use it at
    the same time wait for the one that builds it.
    """
    cache = WALK / 'db'
    cache.mkdir(parents=True, exist_ok=True)
    with open(WALK / 'db.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _demo_database(cache)


def _demo_database(cache):
    target = cache / cache_key()
    if (target / f'{DATABASE}.sqlite').exists():
        log(f"reuse the demo database {target.relative_to(ROOT)}")
        return target
    building = target.with_name(target.name + '.tmp')
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    log(f"build the demo database in {building.relative_to(ROOT)}")
    start = time.monotonic()
    with open(building / 'setup_demo.log', 'w') as output:
        result = subprocess.run([
                sys.executable, str(ROOT / 'scripts' / 'setup_demo.py'),
                '--database', DATABASE],
            cwd=ROOT, env=sqlite_env(building),
            stdout=output, stderr=subprocess.STDOUT)
    if result.returncode:
        raise RuntimeError(
            f"setup_demo.py failed, see {building / 'setup_demo.log'}")
    building.rename(target)
    log(f"demo database built in {time.monotonic() - start:.0f}s")
    # Only the current cache is kept: an older one is never used again
    for other in cache.iterdir():
        if other != target:
            shutil.rmtree(other, ignore_errors=True)
    return target


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Server:
    """trytond serving sao and its own copy of the demo database on a free
    port: several servers may run at once"""
    database = DATABASE

    def __init__(self, database_dir, name='server'):
        self.database_dir = database_dir
        self.name = name
        self.run_dir = None
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}/'
        self.log_path = WALK / f'{name}.log'
        self.process = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self, timeout=120):
        WALK.mkdir(parents=True, exist_ok=True)
        self.run_dir = Path(tempfile.mkdtemp(prefix='run-', dir=WALK))
        shutil.copy(self.database_dir / f'{DATABASE}.sqlite', self.run_dir)
        config = self.run_dir / 'walk.conf'
        # A later file of -c wins over tryton.conf
        config.write_text(f'[web]\nlisten = 127.0.0.1:{self.port}\n')
        self.log_file = open(self.log_path, 'w')
        self.process = subprocess.Popen([
                str(Path(sys.executable).parent / 'trytond'),
                '-c', str(ROOT / 'tryton.conf'), str(config),
                '-d', DATABASE],
            cwd=ROOT, env=sqlite_env(self.run_dir),
            stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"trytond stopped, see {self.log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"trytond did not answer in {timeout}s, "
                    f"see {self.log_path}")
            time.sleep(0.3)
        log(f"trytond serves {self.url} (log {self.log_path})")

    def answers(self):
        try:
            with urllib.request.urlopen(self.url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, 'log_file', None):
            self.log_file.close()
            self.log_file = None
        if self.run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None

    def log_size(self):
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since(self, offset):
        with open(self.log_path, 'rb') as file:
            file.seek(offset)
            return file.read().decode(errors='replace')


class RPCError(Exception):
    pass


class Session:
    "A JSON-RPC session of a user, as sao opens one"
    # The class decoding the objects of the answers (JSONDecoder of
    # trytond.protocols.jsonrpc for the values as sao sees them)
    decoder = None

    def __init__(self, url, login, password=PASSWORD, language='zh_CN'):
        self.rpc_url = f'{url}{DATABASE}/rpc/'
        self.login = login
        user_id, key = self.call('common.db.login',
            [login, {'password': password}, language])[:2]
        self.session = f'{login}:{user_id}:{key}'
        self.context = self.call('model.res.user.get_preferences',
            [True, {}])

    def call(self, method, params):
        request = urllib.request.Request(self.rpc_url,
            json.dumps({'id': 0, 'method': method, 'params': params}
                ).encode(),
            {'Content-Type': 'application/json'})
        if getattr(self, 'session', None):
            request.add_header('Authorization', 'Session ' + base64.b64encode(
                    self.session.encode()).decode())
        with urllib.request.urlopen(request, timeout=60) as response:
            result = json.loads(response.read(), object_hook=(
                    self.decoder() if self.decoder else None))
        if result.get('error'):
            raise RPCError(method, result['error'])
        return result['result']

    def model(self, model, method, *args):
        return self.call(f'model.{model}.{method}', [*args, self.context])

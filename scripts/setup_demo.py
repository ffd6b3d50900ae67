#!/usr/bin/env python3
"""Create the demo database of the appliance service, once.

Called by `make demo`; every step is skipped when its result is already
there, so running it again only checks the database:

1. create the database (SQLite file var/<name>.sqlite, or on the server of
   TRYTOND_DATABASE_URI) and activate the appliance modules (MODULES) with
   zh_CN and en translations (trytond-admin, the admin password read from a
   TRYTONPASSFILE);
2. import China and its provinces from pycountry (offline, from the pip
   package), the currency CNY and the company;
3. close the configuration wizard and create the demo users of each role
   with their employees;
4. generate the demo data (scripts/demo_data.py) and the warranty reminders.
"""
import argparse
import datetime
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / 'var'
CONFIG_FILE = ROOT / 'tryton.conf'
VENV_BIN = Path(sys.executable).parent
# trytond wants an absolute directory for the SQLite databases
os.environ.setdefault('TRYTOND_DATABASE__PATH', str(VAR))
# The demo keeps its known passwords: no change asked at the first login
os.environ.setdefault('TRYTOND_APPLIANCE_SECURITY__DEMO', 'True')
sys.path.insert(0, str(Path(__file__).resolve().parent))

PASSWORD = 'appliance-demo'
# appliance_portal.web_user.PRIVACY_POLICY_VERSION
PRIVACY_POLICY_VERSION = '2026-01'
# The full set: every module of addons/
MODULES = sorted(p.parent.name for p in (ROOT / 'addons').glob('*/tryton.cfg'))
LANGUAGES = ['zh_CN', 'en']
COMPANY_NAME = '华安家电售后服务有限公司'
COMPANY_NAME_EN = "Hua'an Appliance Service Co."
ADMIN_EMAIL = 'admin@example.com'
PORTAL_EMAIL = 'customer@example.com'

# login: (name, staff language, groups as (module, fs_id), employee)
USERS = {
    'admin': ('系统管理员', 'zh_CN', [], True),
    'agent': ('客服 林晓雯', 'zh_CN', [
            ('appliance', 'group_customer_service'),
            ], True),
    'engineer': ('工程师 赵建国', 'zh_CN', [
            ('appliance', 'group_engineer'),
            ], True),
    'clerk': ('备件管理员 孙丽', 'zh_CN', [
            ('appliance', 'group_parts_clerk'),
            ('stock', 'group_stock'),
            ('product', 'group_product_admin'),
            ('purchase_request', 'group_purchase_request'),
            ], True),
    'manager': ('服务经理 周志强', 'zh_CN', [
            ('appliance', 'group_manager'),
            ], True),
    }
ROLES = {
    'admin': "Administrator (all menus)",
    'agent': "Customer Service agent",
    'engineer': "Service Engineer",
    'clerk': "Parts Clerk (stock, products, purchase requests)",
    'manager': "Service Manager",
    }
# pycountry has no Chinese name for these
SUBDIVISION_NAMES_ZH = {
    'CN-NX': '宁夏回族自治区',
    }


def log(message):
    print(f"[setup_demo {time.strftime('%H:%M:%S')}] {message}", flush=True)


def database_uri():
    from trytond import config
    return config.get('database', 'uri')


def init_trytond():
    from trytond import config
    config.update_etc(str(CONFIG_FILE))


def database_exists(name):
    from trytond import backend
    from trytond import config as trytond_config
    from trytond.transaction import Transaction
    if backend.name == 'sqlite':
        return Path(
            trytond_config.get('database', 'path'), name + '.sqlite').exists()
    with Transaction().start(None, 0, close=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(
            'SELECT 1 FROM pg_database WHERE datname = %s', (name,))
        return bool(cursor.fetchone())


def create_database(name):
    from trytond.transaction import Transaction
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.create(transaction.connection, name)


def drop_database(name):
    from trytond import backend
    from trytond import config as trytond_config
    from trytond.transaction import Transaction
    if not database_exists(name):
        log(f"no database {name!r} to drop")
        return
    if backend.name == 'sqlite':
        path = Path(trytond_config.get('database', 'path'), name + '.sqlite')
        for suffix in ['', '-journal', '-wal', '-shm']:
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        with Transaction().start(
                None, 0, close=True, autocommit=True) as transaction:
            transaction.database.drop(transaction.connection, name)
    log(f"database {name!r} dropped")


def modules_ready(name):
    "Return True if the demo modules and languages are activated"
    from sql import Literal, Table

    from trytond.transaction import Transaction
    with Transaction().start(name, 0, readonly=True, close=True) as trans:
        if not trans.database.test():
            return False
        cursor = trans.connection.cursor()
        module = Table('ir_module')
        cursor.execute(*module.select(module.name,
                where=module.state == 'activated'))
        activated = {n for n, in cursor}
        lang = Table('ir_lang')
        cursor.execute(*lang.select(lang.code,
                where=lang.translatable == Literal(True)))
        translatable = {c for c, in cursor}
    return (set(demo_modules()) <= activated
        and set(LANGUAGES) <= translatable)


def demo_modules():
    return MODULES


def source_hash():
    "Hash of the module sources, to update the database when they change"
    digest = hashlib.sha1()
    for path in sorted((ROOT / 'addons').rglob('*')):
        if path.is_file() and '__pycache__' not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def source_stamp(name):
    return VAR / f'{name}.modules.sha1'


def run_admin(name, update=False):
    """Activate the modules and the languages and set the admin password

    With update, the activated modules are only updated to their sources.
    """
    with tempfile.NamedTemporaryFile(
            'w', prefix='trytonpass', dir=VAR, delete=False) as passfile:
        passfile.write(PASSWORD + '\n')
    env = dict(os.environ, TRYTONPASSFILE=passfile.name)
    command = [
        str(VENV_BIN / 'trytond-admin'), '-c', str(CONFIG_FILE), '-d', name,
        '-u', *demo_modules(), '--activate-dependencies', '-l', *LANGUAGES]
    if not update:
        command += ['--all', '--email', ADMIN_EMAIL, '-p']
    log(' '.join(command[1:]))
    try:
        subprocess.run(command, env=env, check=True)
    finally:
        os.unlink(passfile.name)
    source_stamp(name).write_text(source_hash() + '\n')


def import_china():
    """Import China and its subdivisions with the upstream script

    trytond_import_countries imports every country of pycountry; the demo
    needs only China so the script runs on a filtered pycountry.
    """
    from types import SimpleNamespace

    import pycountry
    from proteus import Model

    from trytond.modules.country.scripts import import_countries

    Country = Model.get('country.country')
    Subdivision = Model.get('country.subdivision')
    if Subdivision.find([('code', '=', 'CN-GD')]):
        return
    log("import China and its provinces from pycountry")
    import_countries.pycountry = SimpleNamespace(
        countries=[pycountry.countries.get(alpha_2='CN')],
        subdivisions=sorted(
            pycountry.subdivisions.get(country_code='CN'),
            key=lambda s: s.code),
        LOCALES_DIR=pycountry.LOCALES_DIR)
    try:
        import_countries.do_import()
    finally:
        import_countries.pycountry = pycountry
    china, = Country.find([('code', '=', 'CN')])
    from proteus import config
    with config.get_config().set_context(language='zh_CN'):
        for code, name in SUBDIVISION_NAMES_ZH.items():
            for subdivision in Subdivision.find([('code', '=', code)]):
                subdivision.name = name
                subdivision.save()


def get_currency():
    from proteus import Model, config
    Currency = Model.get('currency.currency')
    currencies = Currency.find([('code', '=', 'CNY')])
    if currencies:
        return currencies[0]
    log("create currency CNY")
    currency = Currency(
        name='Yuan Renminbi', code='CNY', symbol='¥', numeric_code='156',
        rounding=Decimal('0.01'), digits=2)
    currency.save()
    with config.get_config().set_context(language='zh_CN'):
        currency = Currency(currency.id)
        currency.name = '人民币'
        currency.save()
    return currency


def get_company(currency):
    from proteus import Model
    Company = Model.get('company.company')
    Party = Model.get('party.party')
    Country = Model.get('country.country')
    Subdivision = Model.get('country.subdivision')
    companies = Company.find([])
    if companies:
        return companies[0]
    log(f"create company {COMPANY_NAME}")
    party = Party(name=COMPANY_NAME)
    address, = party.addresses
    address.street_unstructured = '容桂街道华安路88号'
    address.city = '佛山市'
    address.district = '顺德区'
    address.postal_code = '528305'
    address.country, = Country.find([('code', '=', 'CN')])
    address.subdivision, = Subdivision.find([('code', '=', 'CN-GD')])
    address.latitude = 22.7733
    address.longitude = 113.2839
    party.contact_mechanisms.new(type='phone', value='+86 757 2838 8888')
    party.contact_mechanisms.new(type='email', value='service@example.com')
    party.save()
    company = Company(party=party, currency=currency)
    company.timezone = 'Asia/Shanghai'
    company.save()
    return company


def close_config_wizard():
    from proteus import Model
    Item = Model.get('ir.module.config_wizard.item')
    items = Item.find([('state', '!=', 'done')])
    for item in items:
        item.state = 'done'
    if items:
        Item.save(items)
        log(f"{len(items)} configuration wizard items marked done")


def module_activated(name):
    from proteus import Model
    Module = Model.get('ir.module')
    return bool(Module.find([
                ('name', '=', name), ('state', '=', 'activated')]))


def setup_accounting(company):
    """The minimal accounting the charges of out-of-warranty work need

    A chart of accounts from the minimal template of the account module,
    a fiscal year around today with its periods and invoice sequences, a
    direct payment term, the service products charged (labour per hour and
    the call-out fee) in an accounting category with the revenue account.
    Skipped when account_invoice is not activated; each part is created
    only when missing."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from proteus import Model

    if not module_activated('account_invoice'):
        return
    from proteus import config

    from trytond.modules.account.tests.tools import (
        create_chart, create_fiscalyear, get_accounts)
    from trytond.modules.account_invoice.tests.tools import (
        create_payment_term, set_fiscalyear_invoice_sequences)
    Account = Model.get('account.account')
    FiscalYear = Model.get('account.fiscalyear')
    PaymentTerm = Model.get('account.invoice.payment_term')
    Category = Model.get('product.category')
    Template = Model.get('product.template')
    # The tools find the sequence types by their English names
    with config.get_config().set_context(language='en'):
        if not Account.find([('company', '=', company.id)], limit=1):
            log("create the chart of accounts")
            create_chart(company)
        accounts = get_accounts(company)
        today = dt.datetime.now(ZoneInfo(company.timezone or 'UTC')).date()
        if not FiscalYear.find([
                    ('company', '=', company.id),
                    ('start_date', '<=', today),
                    ('end_date', '>=', today),
                    ]):
            log("create the fiscal year")
            fiscalyear = set_fiscalyear_invoice_sequences(
                create_fiscalyear(company, today))
            fiscalyear.save()
            fiscalyear.click('create_period')
        if not PaymentTerm.find([]):
            payment_term = create_payment_term()
            payment_term.name = 'Cash'
            payment_term.save()
            AccountConfiguration = Model.get('account.configuration')
            account_configuration = AccountConfiguration(1)
            if 'default_customer_payment_term' in (
                    AccountConfiguration._fields):
                account_configuration.default_customer_payment_term = (
                    payment_term)
                account_configuration.save()

    categories = Category.find([('name', '=', '服务收费')])
    if categories:
        category, = categories
    else:
        category = Category(name='服务收费', accounting=True)
        category.account_revenue = accounts['revenue']
        category.account_expense = accounts['expense']
        category.save()
    # Every product the service may invoice: the spare parts too
    templates = Template.find([('account_category', '=', None)])
    for template in templates:
        template.account_category = category
    if templates:
        Template.save(templates)

    Configuration = Model.get('appliance.configuration')
    if 'labour_product' not in Configuration._fields:
        return
    configuration = Configuration(1)
    if configuration.labour_product:
        return
    log("create the labour and call-out fee products")
    Uom = Model.get('product.uom')
    ModelData = Model.get('ir.model.data')
    products = {}
    for name, uom, price in [
            ('上门维修工时', 'uom_hour', 80),
            ('上门服务费', 'uom_unit', 50)]:
        template = Template(name=name, type='service',
            default_uom=Uom(ModelData.get_id('product', uom, {})),
            list_price=Decimal(price), account_category=category)
        template.save()
        products[name], = template.products
    configuration.labour_product = products['上门维修工时']
    configuration.call_out_product = products['上门服务费']
    configuration.save()


def group(module, fs_id):
    from proteus import Model
    ModelData = Model.get('ir.model.data')
    Group = Model.get('res.group')
    return Group(ModelData.get_id(module, fs_id, {}))


def setup_users(company):
    from proteus import Model
    User = Model.get('res.user')
    Lang = Model.get('ir.lang')
    Party = Model.get('party.party')
    Employee = Model.get('company.employee')
    langs = {l.code: l for l in Lang.find([('code', 'in', LANGUAGES)])}
    for login, (name, lang, groups, with_employee) in USERS.items():
        users = User.find([('login', '=', login)])
        if users:
            user, = users
        else:
            log(f"create user {login}")
            user = User(login=login)
            user.password = PASSWORD
        # The admin user is part of trytond's base data: its name stays
        if not user.name or login != 'admin':
            user.name = name
        user.language = langs[lang]
        for module, fs_id in groups:
            target = group(module, fs_id)
            if target not in user.groups:
                user.groups.append(target)
        if company not in user.companies:
            user.companies.append(company)
        user.company = company
        if with_employee and not user.employees:
            person = name.split()[-1]
            party = Party(name=person)
            party.save()
            employee = Employee(party=party, company=company)
            employee.save()
            user.employees.append(employee)
            user.employee = employee
        user.save()


def setup_configuration():
    from proteus import Model
    Configuration = Model.get('appliance.configuration')
    configuration = Configuration(1)
    configuration.phone_region = configuration.phone_region or 'CN'
    configuration.warranty_reminder_days = (
        configuration.warranty_reminder_days or 30)
    configuration.save()


def setup_portal_customer(company):
    """The customer portal account of the demo, when the portal is active

    It belongs to a demo customer who owns appliances; company serves the
    customers of the portal.
    """
    from proteus import Model
    Module = Model.get('ir.module')
    if not Module.find([
                ('name', '=', 'appliance_portal'),
                ('state', '=', 'activated'),
                ]):
        return None
    if not company.portal:
        company.portal = True
        company.save()
    WebUser = Model.get('web.user')
    Party = Model.get('party.party')
    users = WebUser.find([('email', '=', PORTAL_EMAIL)])
    if users:
        return users[0]
    parties = Party.find([
            ('customer_source', '!=', None),
            ('appliances', '!=', None),
            ], order=[('id', 'ASC')], limit=1)
    if not parties:
        return None
    party, = parties
    if PORTAL_EMAIL not in {
            m.value for m in party.contact_mechanisms if m.type == 'email'}:
        party.contact_mechanisms.new(type='email', value=PORTAL_EMAIL)
        party.save()
    log(f"create the portal account {PORTAL_EMAIL} of {party.name}")
    user = WebUser(email=PORTAL_EMAIL, party=party, company=company)
    user.password = PASSWORD
    user.email_valid = True
    # The demo customer accepted the privacy policy when signing up
    user.privacy_policy_version = PRIVACY_POLICY_VERSION
    user.privacy_consent_date = datetime.datetime.now(
        datetime.timezone.utc).replace(tzinfo=None)
    user.save()
    return user


def demo_data_loaded():
    from proteus import Model
    Appliance = Model.get('appliance.appliance')
    return bool(Appliance.find([], limit=1))


def print_logins(name, portal_user=None):
    from trytond import config
    listen = config.get('web', 'listen')
    print()
    print(f"Demo database {name!r} ready. Web client: http://{listen}/")
    print(f"Every demo user has the password {PASSWORD!r}:")
    for login in USERS:
        print(f"  {login:<9} {ROLES[login]}")
    if portal_user:
        print(f"Customer portal: http://{listen}/{name}/portal/ "
            f"as {PORTAL_EMAIL} ({portal_user.party.name})")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--database', '-d', default='demo')
    parser.add_argument('--customers', type=int, default=200)
    parser.add_argument('--appliances', type=int, default=400)
    parser.add_argument('--seed', type=int, default=8)
    parser.add_argument('--drop', action='store_true',
        help="drop the database and exit")
    args = parser.parse_args()
    name = args.database
    VAR.mkdir(exist_ok=True)
    os.chdir(ROOT)
    init_trytond()
    started = time.monotonic()

    if args.drop:
        drop_database(name)
        source_stamp(name).unlink(missing_ok=True)
        return

    if not database_exists(name):
        log(f"create database {name!r} ({database_uri()})")
        create_database(name)
    stamp = source_stamp(name)
    if not modules_ready(name):
        run_admin(name)
    elif (not stamp.exists()
            or stamp.read_text().strip() != source_hash()):
        log("the modules changed since the database was set up: update")
        run_admin(name, update=True)
    else:
        log(f"database {name!r}: modules and languages up to date")

    from proteus import config
    proteus_config = config.set_trytond(name, config_file=str(CONFIG_FILE))
    proteus_config.skip_warning = True

    import_china()
    currency = get_currency()
    company = get_company(currency)
    close_config_wizard()
    setup_users(company)
    setup_configuration()
    with proteus_config.set_context(company=company.id):
        setup_accounting(company)

    # No SMTP server in the demo: the reminder and work order emails are
    # not sent
    logging.getLogger('trytond.sendmail').setLevel(logging.CRITICAL)
    if demo_data_loaded():
        log("demo data already loaded")
        import demo_data
        with proteus_config.set_context(company=company.id):
            summary = demo_data.service_desk(proteus_config, seed=args.seed)
        if summary:
            log("service desk data added")
            for key, value in summary.items():
                log(f"  {key}: {value}")
    else:
        import demo_data
        log(f"generate the demo data ({args.customers} customers, "
            f"{args.appliances} appliances)")
        with proteus_config.set_context(company=company.id):
            summary = demo_data.generate(proteus_config,
                customers=args.customers, appliances=args.appliances,
                seed=args.seed)
        for key, value in summary.items():
            log(f"  {key}: {value}")
    portal_user = setup_portal_customer(company)
    log(f"done in {time.monotonic() - started:.0f}s")
    print_logins(name, portal_user)


if __name__ == '__main__':
    main()

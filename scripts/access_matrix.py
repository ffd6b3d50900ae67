#!/usr/bin/env python3
# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
"""Write the access-control matrix of the staff roles: docs/access-matrix.csv

On a database with every module of addons/ activated (the module set of
the demo, scripts/setup_demo.py), one user per staff role is created the
way the demo makes them: the groups of setup_demo.USERS, the groups the demo
data adds by name (demo_data._parts_users) and, for HR, the res.role of
appliance_service_hr.  For each role and every model that stores records
and that clients may call (the relation tables such as res.user-res.group
are not callable: they change through the fields of their parents) it
writes:

- read, write, create, delete: ir.model.access get_access for the groups
  of the user (1 allowed, 0 refused);
- rules: the record rules (ir.rule.group, by XML id) that apply to the
  user, each with the operations it restricts (r, w, c, d);
- buttons: the buttons of the model the user may click: read access and,
  for a button with groups, one of them, else write access.

The rows are sorted by role then model, so the file changes only when the
access changes.  tests/test_access_matrix.py checks every cell against the
running system as each role.

    .venv/bin/python scripts/access_matrix.py            # write the file
    .venv/bin/python scripts/access_matrix.py --check    # compare only

Without TRYTOND_DATABASE__URI it works on an in-memory SQLite database (the
activated modules are kept under var/db_cache/ by trytond's DB_CACHE).
"""
import argparse
import csv
import difflib
import hashlib
import importlib.util
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSV_PATH = ROOT / 'docs' / 'access-matrix.csv'
HEADER = ['role', 'model', 'read', 'write', 'create', 'delete', 'rules',
    'buttons']
MODES = ['read', 'write', 'create', 'delete']
# Every module of addons/, as the demo activates them
MODULES = sorted(p.parent.name for p in (ROOT / 'addons').glob('*/tryton.cfg'))
# The staff roles, in the order of the file
ROLES = ['admin', 'agent', 'clerk', 'engineer', 'hr', 'manager']
# The groups scripts/demo_data.py (_parts_users) adds by name
DEMO_GROUP_NAMES = {
    'clerk': ["Purchase", "Purchase Request", "Stock", "Quality"],
    'manager': ["Purchase", "Stock"],
    }
# The roles (res.role) of the users, as (module, XML id)
USER_ROLES = {
    'hr': [('appliance_service_hr', 'role_hr')],
    }
HR_NAME = "人事 HR"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def demo_users():
    "login: [(module, XML id) of the groups] of scripts/setup_demo.py"
    # setup_demo sets default environment variables when imported: keep
    # the environment as it was
    environ = dict(os.environ)
    try:
        setup_demo = _load(
            'appliance_setup_demo', ROOT / 'scripts' / 'setup_demo.py')
    finally:
        os.environ.clear()
        os.environ.update(environ)
    return {login: (name, groups)
        for login, (name, _, groups, _) in setup_demo.USERS.items()}


def create_role_users():
    """Create the user of each role as the demo does and return
    {role: user id}; the admin is trytond's own user"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    User = pool.get('res.user')
    Group = pool.get('res.group')
    ModelData = pool.get('ir.model.data')
    UserRole = pool.get('res.user.role')
    Role = pool.get('res.role')

    users = {}
    demo = demo_users()
    for role in ROLES:
        if role == 'admin':
            users[role], = [u.id for u in User.search(
                    [('login', '=', 'admin')])]
            continue
        name, groups = demo.get(role, (HR_NAME if role == 'hr' else role, []))
        group_ids = {ModelData.get_id(m, x) for m, x in groups}
        with Transaction().set_context(language='en'):
            group_ids |= {g.id for g in Group.search([
                        ('name', 'in', DEMO_GROUP_NAMES.get(role, [])),
                        ])}
        user, = User.create([{
                    'login': f'{role}-matrix',
                    'name': name,
                    'groups': [('add', sorted(group_ids))],
                    }])
        assignments = [{'user': user.id, 'role': Role(ModelData.get_id(
                        m, x)).id} for m, x in USER_ROLES.get(role, [])]
        if assignments:
            # Saved on its own, an assignment gives its groups at once
            UserRole.create(assignments)
        users[role] = user.id
    return users


def stored_models():
    """The names of the models that store records and that a client may
    read, sorted (the relation tables, e.g. res.user-res.group, are not
    callable: they change through their parents' fields)"""
    from trytond.model import ModelStorage
    from trytond.pool import Pool
    pool = Pool()
    return sorted(name for name, Model in pool.iterobject()
        if issubclass(Model, ModelStorage)
        and 'read' in getattr(Model, '__rpc__', {}))


def xml_ids(model):
    "{record id: 'module.fs_id'} of the records of model made from XML"
    from trytond.pool import Pool
    ModelData = Pool().get('ir.model.data')
    return {d.db_id: f'{d.module}.{d.fs_id}' for d in ModelData.search([
                ('model', '=', model)])}


def rule_label(names, modes):
    "The cell of a rule group: its names and the letters of its modes"
    return f"{names}:{''.join(m[0] for m in MODES if m in modes)}"


def format_rules(rules):
    "rules: {label: set of modes} -> the cell"
    return ' '.join(rule_label(label, modes)
        for label, modes in sorted(rules.items()) if modes)


def matrix_row(role, model, access, rules, buttons):
    return [role, model] + [str(int(bool(access[m]))) for m in MODES] + [
        format_rules(rules), ' '.join(sorted(buttons))]


def data_matrix(users):
    """The rows of the matrix read from the access tables for the groups
    of each user (ir.model.access get_access, ir.rule.group and
    ir.model.button with their groups)"""
    from trytond.ir.rule import _get_access_models
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    pool = Pool()
    User = pool.get('res.user')
    ModelAccess = pool.get('ir.model.access')
    RuleGroup = pool.get('ir.rule.group')
    Button = pool.get('ir.model.button')
    ButtonGroup = pool.get('ir.model.button-res.group')
    transaction = Transaction()

    models = stored_models()
    rule_names = xml_ids('ir.rule.group')
    rule_groups = []
    for rule_group in RuleGroup.search([]):
        rule_groups.append((rule_group.model,
                rule_names.get(rule_group.id, rule_group.name),
                {m for m in MODES if getattr(rule_group, f'perm_{m}')},
                rule_group.global_p or rule_group.default_p,
                {g.id for g in rule_group.groups},
                bool(rule_group.rules)))
    button_groups = {}
    for relation in ButtonGroup.search([]):
        button = relation.button
        button_groups.setdefault((button.model, button.name), set()).add(
            relation.group.id)
    for button in Button.search([]):
        button_groups.setdefault((button.model, button.name), set())

    rows = []
    for role in sorted(users):
        with transaction.set_user(users[role]):
            # The groups of the user with the groups they imply (parents)
            groups = set(User.get_groups())
            accesses = ModelAccess.get_access(models)
        for model in models:
            Model = pool.get(model)
            access = accesses[model]
            names, _ = _get_access_models(Model)
            rules = {}
            for (target, label, modes, for_all, rule_group_groups,
                    has_rules) in rule_groups:
                if target not in names:
                    continue
                if has_rules and (for_all or rule_group_groups & groups):
                    rules.setdefault(label, set()).update(modes)
                elif not has_rules and rule_group_groups & groups:
                    # A rule group without test lets everything through,
                    # for every operation (ir.rule get)
                    rules.setdefault(label, set()).update(MODES)
            buttons = set()
            if access['read']:
                for name in getattr(Model, '_buttons', {}):
                    allowed = button_groups.get((model, name))
                    if allowed:
                        if allowed & groups:
                            buttons.add(name)
                    elif access['write']:
                        buttons.add(name)
            rows.append(matrix_row(role, model, access, rules, buttons))
    return rows


def to_csv(rows):
    output = io.StringIO()
    writer = csv.writer(output, lineterminator='\n')
    writer.writerow(HEADER)
    writer.writerows(sorted(rows))
    return output.getvalue()


def read_csv(path=CSV_PATH):
    "The rows of the file (without the header)"
    with open(path, newline='') as file:
        reader = csv.reader(file)
        header = next(reader)
        if header != HEADER:
            raise ValueError(f"{path}: header {header} is not {HEADER}")
        return [row for row in reader]


def diff(expected, got, expected_name='docs/access-matrix.csv',
        got_name='the running system'):
    """A readable list of the differences between two sets of rows, cell
    by cell, both ways; empty when they are the same"""
    expected = {tuple(r[:2]): r for r in expected}
    got = {tuple(r[:2]): r for r in got}
    lines = []
    for key in sorted(expected.keys() - got.keys()):
        lines.append(f"{key[0]} {key[1]}: in {expected_name}, "
            f"not in {got_name}")
    for key in sorted(got.keys() - expected.keys()):
        lines.append(f"{key[0]} {key[1]}: in {got_name}, "
            f"not in {expected_name}: {','.join(got[key][2:])}")
    for key in sorted(expected.keys() & got.keys()):
        for column, old, new in zip(
                HEADER[2:], expected[key][2:], got[key][2:]):
            if old != new:
                lines.append(f"{key[0]} {key[1]} {column}: "
                    f"{expected_name} {old!r}, {got_name} {new!r}")
    return lines


def set_up_environment():
    "An in-memory SQLite database with DB_CACHE unless told otherwise"
    os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
    os.environ.setdefault('DB_NAME', ':memory:')
    if os.environ['TRYTOND_DATABASE__URI'].startswith('sqlite'):
        digest = hashlib.sha1()
        for path in sorted((ROOT / 'addons').rglob('*')):
            if path.is_file() and '__pycache__' not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
        os.environ.setdefault('DB_CACHE', str(
                ROOT / 'var' / 'db_cache' / digest.hexdigest()[:12]
                / 'sqlite'))


def compute():
    "Activate the modules, create the users and return the rows"
    from trytond.tests.test_tryton import DB_NAME, activate_module
    from trytond.transaction import Transaction
    activate_module(MODULES)
    with Transaction().start(DB_NAME, 0, context={'language': 'en'}) as t:
        try:
            return data_matrix(create_role_users())
        finally:
            t.rollback()


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--check', action='store_true',
        help="compare with the file instead of writing it; non-zero exit "
        "status on a difference")
    parser.add_argument('--output', type=Path, default=CSV_PATH)
    args = parser.parse_args()
    set_up_environment()
    sys.path.insert(0, str(ROOT))
    rows = compute()
    if args.check:
        lines = diff(read_csv(args.output), rows, got_name='the tables')
        for line in lines:
            print(line)
        print(f"{len(rows)} rows, {len(lines)} differences")
        return 1 if lines else 0
    content = to_csv(rows)
    old = args.output.read_text() if args.output.exists() else ''
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(content)
    changed = sum(1 for line in difflib.ndiff(
            old.splitlines(), content.splitlines())
        if line[:1] in '+-')
    print(f"{args.output}: {len(rows)} rows "
        f"({len(set(r[1] for r in rows))} models, {len(ROLES)} roles), "
        f"{changed} lines changed")
    return 0


if __name__ == '__main__':
    sys.exit(main())

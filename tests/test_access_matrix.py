# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
"""The access-control matrix docs/access-matrix.csv is the running system.

Every module of addons/ is activated (trytond's DB_CACHE keeps the
database) and one user per staff role is created the way the demo makes
them (scripts/access_matrix.py create_role_users: the groups of the demo
users, the HR role of appliance_service_hr).  Then, as each of them, with
the access checks of a request on (check_access), every cell is computed
again from what the server itself answers:

- read, write, create, delete: ir.model.access check of the model;
- rules: the rule groups ir.rule get gives for each operation;
- buttons: what the button decorator lets through (read access, the
  button's groups or else write access).

Any difference, in either direction (a row or a cell in the file that the
system does not have, or the reverse), fails with a readable list; run
scripts/access_matrix.py to write the file again after an intended change.

    .venv/bin/python scripts/run_tests.py --backend sqlite \\
        --test test_access_matrix --jobs 1
"""
import importlib.util
import unittest
from pathlib import Path

from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, USER, activate_module, drop_db
from trytond.transaction import Transaction, check_access

ROOT = Path(__file__).resolve().parent.parent


def load_access_matrix():
    spec = importlib.util.spec_from_file_location(
        'access_matrix', ROOT / 'scripts' / 'access_matrix.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


access_matrix = load_access_matrix()


def rule_names():
    "{rule group id: the name of the matrix}"
    pool = Pool()
    RuleGroup = pool.get('ir.rule.group')
    names = access_matrix.xml_ids('ir.rule.group')
    return {r.id: names.get(r.id, r.name) for r in RuleGroup.search([])}


def system_matrix(users):
    """The rows of the matrix as the server answers to each user with the
    access checks on"""
    pool = Pool()
    User = pool.get('res.user')
    ModelAccess = pool.get('ir.model.access')
    Rule = pool.get('ir.rule')
    Button = pool.get('ir.model.button')
    transaction = Transaction()
    names = rule_names()
    models = access_matrix.stored_models()
    rows = []
    for role, user_id in sorted(users.items()):
        with transaction.set_user(user_id), check_access():
            groups = set(User.get_groups())
            for model in models:
                Model = pool.get(model)
                access = {mode: ModelAccess.check(
                        model, mode, raise_exception=False)
                    for mode in access_matrix.MODES}
                rules = {}
                for mode in access_matrix.MODES:
                    clause, clause_global = Rule.get(model, mode)
                    for rule_group in [*clause, *clause_global]:
                        rules.setdefault(
                            names[rule_group.id], set()).add(mode)
                buttons = set()
                for name in getattr(Model, '_buttons', {}):
                    # As ModelView.button checks before it runs
                    if not access['read']:
                        continue
                    button_groups = Button.get_groups(model, name)
                    if button_groups:
                        if groups & button_groups:
                            buttons.add(name)
                    elif access['write']:
                        buttons.add(name)
                rows.append(access_matrix.matrix_row(
                        role, model, access, rules, buttons))
    return rows


class AccessMatrixTestCase(unittest.TestCase):
    "docs/access-matrix.csv is what the server enforces for each role"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        activate_module(access_matrix.MODULES)

    @classmethod
    def tearDownClass(cls):
        drop_db()
        super().tearDownClass()

    def setUp(self):
        self.transaction = Transaction().start(
            DB_NAME, USER, context={'language': 'en'})
        self.addCleanup(self.transaction.stop, False)
        self.users = access_matrix.create_role_users()

    def test_roles(self):
        "Every role has its user, with the groups of the demo"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        self.assertEqual(sorted(self.users), sorted(access_matrix.ROLES))
        demo = access_matrix.demo_users()
        for role, user_id in self.users.items():
            groups = {g.id for g in User(user_id).groups}
            with self.subTest(role=role):
                self.assertTrue(groups, msg=f"{role} has no group")
                for module, fs_id in demo.get(role, ('', []))[1]:
                    self.assertIn(ModelData.get_id(module, fs_id), groups)
        hr = User(self.users['hr'])
        self.assertIn(ModelData.get_id('appliance_service_hr', 'group_hr'),
            {g.id for g in hr.groups})

    def test_matrix(self):
        "Every cell of the file is the running system, both ways"
        expected = access_matrix.read_csv()
        got = system_matrix(self.users)
        lines = access_matrix.diff(expected, got)
        if lines:
            shown = '\n'.join(lines[:200])
            more = (f"\n... and {len(lines) - 200} more"
                if len(lines) > 200 else '')
            self.fail(f"{len(lines)} differences between "
                f"docs/access-matrix.csv and the running system "
                f"(scripts/access_matrix.py writes it again):\n"
                f"{shown}{more}")
        # The file is the system: it has every role and stored model
        self.assertEqual({r[0] for r in expected}, set(access_matrix.ROLES))
        self.assertEqual(len(expected),
            len(access_matrix.ROLES) * len(access_matrix.stored_models()))

    def test_tables_are_the_system(self):
        """The matrix read from the access tables (how the script writes
        the file) is the one the server enforces"""
        self.assertEqual(access_matrix.diff(
                access_matrix.data_matrix(self.users),
                system_matrix(self.users),
                expected_name='the tables'), [])

    def test_diff_both_ways(self):
        "The comparison tells a changed cell, a missing and an extra row"
        header = access_matrix.HEADER
        row = ['agent', 'appliance.appliance', '1', '1', '1', '0', '', 'x']
        self.assertEqual(len(row), len(header))
        changed = row[:5] + ['1'] + row[6:]
        lines = access_matrix.diff([row], [changed])
        self.assertEqual(lines, ["agent appliance.appliance delete: "
                "docs/access-matrix.csv '0', the running system '1'"])
        extra = ['hr', 'appliance.appliance'] + row[2:]
        self.assertEqual(len(access_matrix.diff([row], [row, extra])), 1)
        self.assertEqual(len(access_matrix.diff([row, extra], [row])), 1)

    def test_known_cells(self):
        """A few cells the project relies on, so that an empty or
        permissive file cannot pass"""
        rows = {(r[0], r[1]): dict(zip(access_matrix.HEADER, r))
            for r in access_matrix.read_csv()}
        # Only the administrators manage the users and the groups
        for role in access_matrix.ROLES:
            with self.subTest(role=role):
                cell = rows[(role, 'res.group')]
                self.assertEqual(cell['write'],
                    '1' if role == 'admin' else '0')
        # The engineers do not create users nor change access rights
        self.assertEqual(rows[('engineer', 'ir.model.access')]['write'], '0')
        # The login log is append-only for everyone
        for role in access_matrix.ROLES:
            cell = rows[(role, 'appliance.security.login.log')]
            self.assertEqual(cell['delete'], '0', msg=role)


if __name__ == '__main__':
    unittest.main()

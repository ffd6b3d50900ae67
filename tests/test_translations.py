"""Every user-visible string of the project's modules has a zh_CN translation.

Run from the repository root (DB_CACHE speeds up the module activation):

    DB_CACHE=var/db_cache .venv/bin/python -m unittest tests.test_translations

The strings are those Tryton exports for zh_CN (scripts/update_translations.py
runs the same code): run that script to add new strings to the catalogues,
then translate them in addons/<module>/locale/zh_CN.po.

What each demo role sees is checked too, the Tryton screens the product puts
in its menus included: the menu entries and the tabs of every role, and the
labels, buttons and selection values of the screens of the staff roles.  A
string of a Tryton module is translated in the locale/override/zh_CN.po of
the project's module that depends on it (see ir.Translation in the appliance
module).
"""
import datetime as dt
import importlib.util
import re
import types
import unittest
from collections import defaultdict
from pathlib import Path

from lxml import etree

from trytond.modules import create_graph, load_translations
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, drop_db
from trytond.transaction import Transaction, check_access

ROOT = Path(__file__).resolve().parent.parent


def _load_script(name):
    path = ROOT / 'scripts' / f'{name}.py'
    spec = importlib.util.spec_from_file_location(f'appliance_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_script('update_translations')
# The demo's logins and their groups
DEMO_USERS = _load_script('setup_demo').USERS
MODULES, NOT_INSTALLED = tool.installed_modules()
LANG = tool.LANG
CJK = re.compile('[\u4e00-\u9fff]')
# Python format placeholders, genshi i18n:msg markers ([1:...], [2:]) and
# genshi expressions (${record.number} in notification subjects)
PLACEHOLDER = re.compile(r'%\(\w+\)[sdfr]|%[sdfr]|\[\d+:|\$\{[^}]*\}')
REMINDER_EMAIL = 'appliance.warranty.reminder.email'
# Shown as they are in Chinese too
NEUTRAL = re.compile(r'^([\W\d_]*|SLA|SIP|Skype)$')


def untranslated(text):
    return bool(text) and not CJK.search(text) and not NEUTRAL.match(text)


def view_strings(result):
    """Yield (kind, text) of the labels of a view: its strings, the fields it
    shows with their selection values, and the same of its inline views"""
    arch = etree.fromstring(result['arch'])
    names = set()
    for element in arch.iter():
        if element.tag in {'field', 'label'} and element.get('name'):
            names.add(element.get('name'))
        for attribute in ['string', 'sum']:
            if element.get(attribute):
                yield element.tag, element.get(attribute)
    for name, field in result['fields'].items():
        if name not in names:
            continue
        yield 'field', field.get('string')
        selection = field.get('selection')
        if isinstance(selection, list):
            for value, label in selection:
                if value not in {None, ''}:
                    yield 'selection', label
        for view in (field.get('views') or {}).values():
            yield from view_strings(view)


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text or ''))


def catalogue(module):
    return {tool.entry_key(e): e
        for e in tool.load_catalogue(module) if not e.obsolete}


def msgstr(module, msgctxt, msgid=None):
    for (ctxt, id_, _), entry in catalogue(module).items():
        if ctxt == msgctxt and (msgid is None or id_ == msgid):
            return entry.msgstr
    raise KeyError((module, msgctxt, msgid))


class TranslationTestCase(unittest.TestCase):
    "Test the zh_CN translations"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        drop_db()
        # Like trytond-admin --update MODULES --language zh_CN
        tool.prepare_database(MODULES, languages=['en', LANG])
        cls._load_all_catalogues()

    @classmethod
    def _load_all_catalogues(cls):
        """Load the zh_CN catalogues of every activated module, Tryton's
        own included, in the order of their dependencies, as the demo's
        `trytond-admin --all` does: the overrides of the project's modules
        replace Tryton's strings only when these are loaded first"""
        with Transaction().start(DB_NAME, 0) as transaction:
            pool = Pool()
            Module = pool.get('ir.module')
            activated = [m.name for m in Module.search([
                        ('state', '=', 'activated'),
                        ])]
            for node in create_graph(set(activated)):
                load_translations(pool, node, [LANG])
            transaction.commit()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        drop_db()

    def test_modules_installed(self):
        "Test every module of addons/ is installed to have its strings"
        self.assertEqual(NOT_INSTALLED, [],
            msg='register the modules in pyproject.toml and run '
            '`pip install -e .`')

    def test_all_strings_translated(self):
        "Test every string Tryton exports has a zh_CN translation"
        exported = tool.export_catalogues(MODULES)
        missing = []
        for module in MODULES:
            self.assertTrue(len(exported[module]), msg=module)
            translated = catalogue(module)
            for entry in exported[module]:
                current = translated.get(tool.entry_key(entry))
                if current is None or not tool.is_translated(current):
                    missing.append(f'{module}: {tool.describe(entry)}')
        if missing:
            self.fail('%d strings lack a zh_CN translation (run '
                'scripts/update_translations.py then translate them):\n%s'
                % (len(missing), '\n'.join(missing)))

    def test_visible_strings_translated(self):
        "Test every role sees its menus and screens in zh_CN"
        with Transaction().start(DB_NAME, 0) as transaction:
            try:
                missing = self._untranslated_by_role()
            finally:
                transaction.rollback()
        if missing:
            self.fail('%d strings shown untranslated in zh_CN (translate a '
                "Tryton module's string in the locale/override/zh_CN.po of "
                'the module that depends on it):\n%s' % (
                    len(missing), '\n'.join(
                        f'{text!r} ({kind}) seen by {", ".join(sorted(roles))}'
                        f' in {sorted(where)[0]}'
                        for (kind, text), (roles, where)
                        in sorted(missing.items()))))

    def _untranslated_by_role(self):
        pool = Pool()
        Lang = pool.get('ir.lang')
        language, = Lang.search([('code', '=', LANG)])
        Lang.write([language], {'translatable': True})
        missing = defaultdict(lambda: (set(), set()))
        for login, user_id, staff in self._demo_users():
            for kind, text, where in self._visible_untranslated(
                    user_id, labels=staff):
                roles, places = missing[(kind, text)]
                roles.add(login)
                places.add(where)
        return missing

    def _demo_users(self):
        "Yield (login, id, staff) of a user for each demo login"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        for login, (name, _, groups, _) in DEMO_USERS.items():
            if login == 'admin':
                yield login, ModelData.get_id('res', 'user_admin'), False
                continue
            user, = User.create([{
                        'login': f'walk_{login}',
                        'name': name,
                        'groups': [('add', [
                                    ModelData.get_id(module, fs_id)
                                    for module, fs_id in groups])],
                        }])
            yield login, user.id, True

    def _visible_untranslated(self, user_id, labels):
        """Yield (kind, text, where) of what the user sees untranslated: menu
        entries, their actions and tabs, and with labels the strings of the
        views of the actions"""
        pool = Pool()
        Menu = pool.get('ir.ui.menu')
        User = pool.get('res.user')
        with Transaction().set_user(user_id), check_access():
            context = User.get_preferences(context_only=True)
            with Transaction().set_context(context, language=LANG):
                for menu in Menu.search([]):
                    where = menu.complete_name
                    if untranslated(menu.name):
                        yield 'menu', menu.name, where
                    action = menu.action
                    if not action:
                        continue
                    if untranslated(action.name):
                        yield 'action', action.name, where
                    if action.__name__ != 'ir.action.act_window':
                        continue
                    for domain in action.act_window_domains:
                        if untranslated(domain.name):
                            yield 'tab', domain.name, where
                    if labels and action.res_model:
                        yield from self._views_untranslated(action, where)

    def _views_untranslated(self, action, where):
        Model = Pool().get(action.res_model)
        views = [(v.view.id, v.view.type) for v in action.act_window_views
            ] or [(None, 'tree'), (None, 'form')]
        for view_id, view_type in views:
            result = Model.fields_view_get(view_id, view_type)
            for kind, text in view_strings(result):
                if untranslated(text):
                    yield kind, text, (
                        f'{where} ({action.res_model}, {view_type})')

    def test_placeholders(self):
        "Test translations keep the placeholders of the source"
        errors = []
        for module in MODULES:
            for entry in catalogue(module).values():
                if not entry.msgstr:
                    continue
                if placeholders(entry.msgid) != placeholders(entry.msgstr):
                    errors.append(f'{module}: {entry.msgctxt} | '
                        f'{entry.msgid!r} -> {entry.msgstr!r}')
        if errors:
            self.fail('translations with other placeholders than their '
                'source:\n' + '\n'.join(errors))

    def test_translations_loaded(self):
        "Test the zh_CN catalogues are loaded like trytond-admin does"
        with Transaction().start(DB_NAME, 0) as transaction:
            try:
                self._check_translations_loaded()
            finally:
                transaction.rollback()

    def _check_translations_loaded(self):
        pool = Pool()
        Lang = pool.get('ir.lang')
        language, = Lang.search([('code', '=', LANG)])
        Lang.write([language], {'translatable': True})

        module = 'appliance'
        with Transaction().set_context(language=LANG):
            pool = Pool()
            Appliance = pool.get('appliance.appliance')
            Model = pool.get('ir.model')
            Menu = pool.get('ir.ui.menu')
            ModelData = pool.get('ir.model.data')

            model, = Model.search([('name', '=', 'appliance.appliance')])
            expected = msgstr(module, 'model:appliance.appliance,string:')
            self.assertRegex(expected, CJK)
            self.assertEqual(model.string, expected)

            field = Appliance.fields_get(['serial_number'])['serial_number']
            expected = msgstr(
                module, 'field:appliance.appliance,serial_number:')
            self.assertRegex(expected, CJK)
            self.assertEqual(field['string'], expected)

            menu = Menu(ModelData.get_id(module, 'menu_appliance'))
            expected = msgstr(module, 'model:ir.ui.menu,name:menu_appliance')
            self.assertRegex(expected, CJK)
            self.assertEqual(menu.name, expected)

    def test_reminder_email_zh_CN(self):
        "Test the reminder email renders in zh_CN with its values"
        with Transaction().start(DB_NAME, 0) as transaction:
            try:
                self._check_reminder_email()
            finally:
                transaction.rollback()

    def _check_reminder_email(self):
        pool = Pool()
        ActionReport = pool.get('ir.action.report')
        Lang = pool.get('ir.lang')
        language, = Lang.search([('code', '=', LANG)])
        Lang.write([language], {'translatable': True})

        report, = ActionReport.search([('report_name', '=', REMINDER_EMAIL)])
        Report = pool.get(REMINDER_EMAIL, type='report')
        customer = types.SimpleNamespace(name='王小明', lang=language)
        reminder = types.SimpleNamespace(
            customer=customer,
            coverage=types.SimpleNamespace(rec_name='整机保修'),
            appliance=types.SimpleNamespace(rec_name='变频空调 KFR-35GW'),
            end_date=dt.date(2026, 3, 31))
        with Transaction().set_context(language=LANG):
            content = Report.render(report, {
                    'records': [reminder],
                    'format_date': lambda date, lang: date.isoformat(),
                    })
        if isinstance(content, bytes):
            content = content.decode('utf-8')
        for value in ['王小明', '整机保修', '变频空调 KFR-35GW', '2026-03-31']:
            self.assertIn(value, content)
        self.assertIn(msgstr('appliance',
                'report:%s:' % REMINDER_EMAIL, 'Your warranty ends soon'),
            content)
        self.assertNotIn('Dear', content)
        self.assertNotRegex(content, r'%\(\w+\)s|\[\d+:')


if __name__ == '__main__':
    unittest.main()

"""Every user-visible string of the project's modules has a zh_CN translation.

Run from the repository root (DB_CACHE speeds up the module activation):

    DB_CACHE=var/db_cache .venv/bin/python -m unittest tests.test_translations

The strings are those Tryton exports for zh_CN (scripts/update_translations.py
runs the same code): run that script to add new strings to the catalogues,
then translate them in addons/<module>/locale/zh_CN.po.
"""
import datetime as dt
import importlib.util
import re
import types
import unittest
from pathlib import Path

from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, drop_db
from trytond.transaction import Transaction

ROOT = Path(__file__).resolve().parent.parent


def _load_tool():
    path = ROOT / 'scripts' / 'update_translations.py'
    spec = importlib.util.spec_from_file_location(
        'appliance_update_translations', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()
MODULES, NOT_INSTALLED = tool.installed_modules()
LANG = tool.LANG
CJK = re.compile('[\u4e00-\u9fff]')
# Python format placeholders, genshi i18n:msg markers ([1:...], [2:]) and
# genshi expressions (${record.number} in notification subjects)
PLACEHOLDER = re.compile(r'%\(\w+\)[sdfr]|%[sdfr]|\[\d+:|\$\{[^}]*\}')
REMINDER_EMAIL = 'appliance.warranty.reminder.email'


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

#!/usr/bin/env python3
"""Update the zh_CN translation catalogues of the project's Tryton modules.

The list of strings comes from Tryton itself: the modules are activated in a
throw-away SQLite database, then the same wizards as in the client are run:
"Set Report Translations" (ir.translation.set: view and report strings),
"Clean Translations" (ir.translation.clean), "Update Translations"
(ir.translation.update) for zh_CN and "Export Translations"
(ir.translation.export) for each module.  Every exported (msgctxt, msgid) is
merged into addons/<module>/locale/zh_CN.po:

- the msgstr of an entry already in the catalogue is kept;
- a new entry is added with an empty msgstr, or with a fuzzy suggestion: the
  previous translation when the English source of a field, model, help text
  or record changed, or the translation of the same English text elsewhere
  in the project's catalogues;
- an entry Tryton does not export any more is dropped.

The entries still lacking a translation (empty or fuzzy msgstr) are listed.

Usage, from the repository root:

    .venv/bin/python scripts/update_translations.py [--check] [MODULE ...]

With --check nothing is written and the exit status is 1 when a catalogue is
out of date or an entry lacks a translation.  The activated database is
kept in DB_CACHE (default: var/db_cache) to be reused by the next runs; the
modules are updated after the cache is restored, so a cache made before the
latest code changes is still right.  The first run takes about two minutes,
the next ones about 20 seconds.
"""
import argparse
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
# The project's modules: every folder of addons/ with a tryton.cfg
MODULES = sorted(
    p.parent.name for p in (ROOT / 'addons').glob('*/tryton.cfg'))
LANG = 'zh_CN'
INTERNAL_LANG = 'en'
WRAPWIDTH = 78
# Translations whose msgctxt names a single resource: when its English
# source changes, the previous translation is kept as a fuzzy suggestion
RESOURCE_TYPES = {'field', 'model', 'help'}


def installed_modules(modules=None):
    "Return (installed, missing): the modules trytond can load or not"
    from trytond.modules import get_modules
    available = get_modules()
    modules = MODULES if modules is None else modules
    return ([m for m in modules if m in available],
        [m for m in modules if m not in available])


def po_path(module, lang=LANG):
    return ROOT / 'addons' / module / 'locale' / f'{lang}.po'


def entry_key(entry):
    return (entry.msgctxt or '', entry.msgid, entry.msgid_plural or '')


def is_translated(entry):
    if 'fuzzy' in entry.flags:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(
            entry.msgstr_plural.values())
    return bool(entry.msgstr)


def _run_wizard(name, data, state):
    from trytond.pool import Pool
    Wizard = Pool().get(name, type='wizard')
    session_id, _, _ = Wizard.create()
    try:
        return Wizard.execute(session_id, data, state)
    finally:
        Wizard.delete(session_id)


def prepare_database(modules, languages=(INTERNAL_LANG,)):
    """Activate modules in the test database (trytond.tests.test_tryton's
    DB_NAME), reusing DB_CACHE when set, and load the catalogues of
    languages as `trytond-admin --update ... --language ...` does.

    A restored cache is keyed by the module names only, so the modules are
    updated to follow the current code (activating any new dependency)."""
    from trytond.pool import Pool
    from trytond.tests.test_tryton import (
        DB_NAME, activate_module, db_exist, restore_db_cache)

    modules = list(modules)
    languages = [INTERNAL_LANG] + [
        l for l in languages if l != INTERNAL_LANG]
    if not db_exist(DB_NAME) and restore_db_cache('-'.join(modules)):
        Pool(DB_NAME).init(
            update=modules, lang=languages, activatedeps=True)
    else:
        activate_module(modules)
        if languages != [INTERNAL_LANG]:
            Pool(DB_NAME).init(update=modules, lang=languages)


def export_catalogues(modules, lang=LANG):
    """Return {module: polib.POFile} of the strings Tryton exports for lang.

    The database must have the modules activated (see prepare_database).
    Everything is rolled back at the end."""
    from trytond.pool import Pool
    from trytond.tests.test_tryton import DB_NAME
    from trytond.transaction import Transaction

    modules = list(modules)
    result = {}
    with Transaction().start(DB_NAME, 0) as transaction:
        try:
            pool = Pool()
            Config = pool.get('ir.configuration')
            Lang = pool.get('ir.lang')
            Module = pool.get('ir.module')
            Translation = pool.get('ir.translation')
            assert Config.get_language() == INTERNAL_LANG

            # Strings of the views and of the report templates
            _run_wizard('ir.translation.set', {}, 'set_')

            # Only the source strings of the exported modules matter: the
            # export derives from them alone, and fewer rows keep the next
            # wizards quick
            translation = Translation.__table__()
            cursor = transaction.connection.cursor()
            cursor.execute(*translation.delete(
                    where=~translation.module.in_(modules)
                    | (translation.module == None)  # noqa: E711
                    | (translation.lang != INTERNAL_LANG)))
            Translation._translation_cache.clear()
            Translation._translation_report_cache.clear()

            # Drop the strings of fields, selections, records... that the
            # code does not have any more (e.g. in a restored cache)
            _run_wizard('ir.translation.clean', {}, 'clean')

            language, = Lang.search([('code', '=', lang)])
            if not language.translatable:
                language.translatable = True
                language.save()
            _run_wizard('ir.translation.update',
                {'start': {'language': language.id}}, 'update')

            for name in modules:
                module, = Module.search([
                        ('name', '=', name),
                        ('state', '=', 'activated'),
                        ])
                view = _run_wizard('ir.translation.export', {
                        'start': {
                            'language': language.id,
                            'module': module.id,
                            },
                        }, 'export')
                content = view['view']['defaults']['file']
                content = bytes(content).decode('utf-8') if content else ''
                if content:
                    result[name] = polib.pofile(content, wrapwidth=WRAPWIDTH)
                else:
                    result[name] = new_pofile()
        finally:
            transaction.rollback()
        Translation._translation_cache.clear()
        Translation._translation_report_cache.clear()
    return result


def new_pofile():
    pofile = polib.POFile(wrapwidth=WRAPWIDTH)
    pofile.metadata = {'Content-Type': 'text/plain; charset=utf-8'}
    return pofile


def load_catalogue(module, lang=LANG):
    path = po_path(module, lang)
    if path.exists():
        return polib.pofile(str(path), wrapwidth=WRAPWIDTH)
    return new_pofile()


def suggestions(catalogues):
    "Map English source to its most frequent translation in the catalogues"
    counters = defaultdict(Counter)
    for pofile in catalogues:
        for entry in pofile:
            if (entry.obsolete or entry.msgid_plural
                    or not is_translated(entry)):
                continue
            counters[entry.msgid][entry.msgstr] += 1
    return {
        msgid: counter.most_common(1)[0][0]
        for msgid, counter in counters.items()}


def merge(exported, existing, suggest=None):
    """Return (catalogue, added, dropped) where catalogue has the entries of
    exported with the translations of existing"""
    suggest = suggest or {}
    old = {entry_key(e): e for e in existing if not e.obsolete}
    by_ctxt = {}
    for entry in existing:
        if entry.obsolete:
            continue
        by_ctxt.setdefault(entry.msgctxt, []).append(entry)

    catalogue = new_pofile()
    catalogue.header = existing.header or ''
    added = []
    seen = set()
    for entry in exported:
        key = entry_key(entry)
        flags = [f for f in entry.flags if f != 'fuzzy']
        new = polib.POEntry(
            msgctxt=entry.msgctxt, msgid=entry.msgid, flags=flags)
        if entry.msgid_plural:
            new.msgid_plural = entry.msgid_plural
            new.msgstr_plural = {0: ''}
        previous = old.get(key)
        if previous is not None:
            if entry.msgid_plural:
                new.msgstr_plural = dict(previous.msgstr_plural)
            else:
                new.msgstr = previous.msgstr
            if 'fuzzy' in previous.flags:
                new.flags.append('fuzzy')
            new.tcomment = previous.tcomment
        else:
            added.append(new)
            type_ = (entry.msgctxt or '').split(':', 1)[0]
            candidates = by_ctxt.get(entry.msgctxt, [])
            value = None
            if (type_ in RESOURCE_TYPES and len(candidates) == 1
                    and candidates[0].msgstr):
                value = candidates[0].msgstr
            elif not entry.msgid_plural:
                value = suggest.get(entry.msgid)
            if value and not entry.msgid_plural:
                new.msgstr = value
                new.flags.append('fuzzy')
        seen.add(key)
        catalogue.append(new)
    dropped = [e for k, e in old.items() if k not in seen]
    return catalogue, added, dropped


def missing_entries(catalogue):
    return [e for e in catalogue if not e.obsolete and not is_translated(e)]


def describe(entry):
    flag = ' (fuzzy)' if 'fuzzy' in entry.flags else ''
    return f'{entry.msgctxt} | {entry.msgid!r}{flag}'


def update(modules, check=False, lang=LANG, out=sys.stdout):
    "Update the catalogues; return the exit status"
    prepare_database(modules)
    exported = export_catalogues(modules, lang=lang)

    existing = {m: load_catalogue(m, lang) for m in modules}
    other = [load_catalogue(m, lang) for m in MODULES if m not in existing]
    suggest = suggestions(list(existing.values()) + other)

    status = 0
    for module in modules:
        path = po_path(module, lang)
        catalogue, added, dropped = merge(
            exported[module], existing[module], suggest)
        missing = missing_entries(catalogue)
        content = str(catalogue) + '\n'
        current = path.read_text(encoding='utf-8') if path.exists() else None
        changed = content != current
        print(f'{module}: {len(catalogue)} strings, '
            f'{len(catalogue) - len(missing)} translated, '
            f'{len(added)} new, {len(dropped)} obsolete', file=out)
        for entry in dropped:
            print(f'  obsolete: {describe(entry)}', file=out)
        for entry in missing:
            print(f'  missing: {describe(entry)}', file=out)
        if check:
            if changed:
                print(f'  {path.relative_to(ROOT)} is out of date', file=out)
                status = 1
        elif changed:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding='utf-8')
            print(f'  wrote {path.relative_to(ROOT)}', file=out)
        if missing:
            status = 1 if check else status
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('modules', nargs='*', metavar='MODULE',
        help='default: %s' % ' '.join(MODULES))
    parser.add_argument('--check', action='store_true',
        help="write nothing; exit 1 when a catalogue is out of date or "
        "a string lacks a translation")
    args = parser.parse_args(argv)
    modules = args.modules or MODULES
    unknown = set(modules) - set(MODULES)
    if unknown:
        parser.error('unknown module: %s' % ', '.join(sorted(unknown)))

    # A throw-away SQLite database in memory, whatever the environment says
    os.environ['TRYTOND_DATABASE__URI'] = 'sqlite://'
    os.environ['TRYTOND_DATABASE_URI'] = 'sqlite://'
    os.environ['DB_NAME'] = ':memory:'
    os.environ.pop('TRYTOND_CONFIG', None)
    os.environ.setdefault('DB_CACHE', str(ROOT / 'var' / 'db_cache'))
    modules, missing = installed_modules(modules)
    for module in missing:
        print(f'{module} is skipped: it is not installed (register it in '
            'pyproject.toml and run `pip install -e .`)', file=sys.stderr)
    if args.modules and missing:
        return 2
    status = update(modules, check=args.check) if modules else 0
    if args.check and missing:
        status = 1
    return status


if __name__ == '__main__':
    sys.exit(main())

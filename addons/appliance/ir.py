# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
import polib

from trytond.pool import Pool, PoolMeta

# The types whose translations are told apart by their source text
SOURCE_TYPES = {'report', 'view', 'wizard_button', 'selection'}


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('appliance.warranty.reminder|create_reminders',
                "Create Warranty Reminders"))


class Translation(metaclass=PoolMeta):
    __name__ = 'ir.translation'

    @classmethod
    def translation_import(cls, lang, module, po_path):
        """Import also the modules' overrides of other modules' strings

        A catalogue of locale/override/ translates the strings of the Tryton
        modules the product shows (msgctxt ending with <module>.<xml id> or
        <module>.).  Tryton replaces the value of the overridden module's
        translation, which exists only when that module's own catalogue
        lists the string: the missing ones are created first, empty.  A
        fuzzy one with the same value (Tryton leaves it fuzzy, so unused)
        is made plain."""
        paths = [po_path] if isinstance(po_path, str) else po_path
        cls._create_override_targets(lang, paths)
        return super().translation_import(lang, module, po_path)

    @classmethod
    def _create_override_targets(cls, lang, paths):
        to_create, to_unfuzzy = [], []
        for path in paths:
            for entry in polib.pofile(path):
                if entry.obsolete:
                    continue
                translation, res_id = cls.from_poentry(entry)
                if '.' not in res_id:
                    continue
                values = cls._override_target(lang, translation, res_id)
                if isinstance(values, cls):
                    if (values.fuzzy and not translation.fuzzy
                            and values.value == translation.value):
                        to_unfuzzy.append(values)
                elif values and values not in to_create:
                    to_create.append(values)
        if to_create:
            cls.create(to_create)
        if to_unfuzzy:
            cls.write(to_unfuzzy, {'fuzzy': False})

    @classmethod
    def _override_target(cls, lang, translation, res_id):
        """Return the overridden translation, or its values when it is
        missing"""
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        target_module, fs_id = res_id.split('.')
        record_id = -1
        if fs_id:
            data = ModelData.search([
                    ('module', '=', target_module),
                    ('fs_id', '=', fs_id),
                    ], limit=1)
            if not data:
                return
            record_id = data[0].db_id
        domain = [
            ('name', '=', translation.name),
            ('res_id', '=', record_id),
            ('lang', '=', lang),
            ('type', '=', translation.type),
            ('module', '=', target_module),
            ]
        if translation.type in SOURCE_TYPES:
            domain.append(('src', '=', translation.src))
        existing = cls.search(domain, limit=1)
        if existing:
            return existing[0]
        return {
            'name': translation.name,
            'res_id': record_id,
            'lang': lang,
            'type': translation.type,
            'src': translation.src,
            'value': '',
            'module': target_module,
            'fuzzy': False,
            }

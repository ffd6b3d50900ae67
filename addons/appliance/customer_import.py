# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
import csv
import io
import re

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import CustomerImportError
from .party import normalize_mobile

COLUMNS = [
    'name', 'mobile', 'email', 'province', 'city', 'district', 'street',
    'postal_code', 'language', 'notification_consent', 'marketing_consent',
    ]
EMAIL_RE = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')
TRUE_VALUES = {'1', 'true', 'yes', 'y', 'x', '是'}
FALSE_VALUES = {'', '0', 'false', 'no', 'n', '否'}


class RowError(Exception):
    pass


class ImportStart(ModelView):
    __name__ = 'appliance.customer.import.start'

    file = fields.Binary("CSV File", required=True, filename='filename')
    filename = fields.Char("File Name")
    columns = fields.Text("Columns", readonly=True)

    @classmethod
    def default_columns(cls):
        return ', '.join(COLUMNS)


class ImportResult(ModelView):
    __name__ = 'appliance.customer.import.result'

    imported = fields.Integer("Imported", readonly=True)
    rejected = fields.Integer("Rejected", readonly=True)
    report = fields.Text("Rejected Rows", readonly=True)


class Import(Wizard):
    "Import customers from a CSV file, rejecting bad rows one by one"
    __name__ = 'appliance.customer.import'

    start = StateView(
        'appliance.customer.import.start',
        'appliance.customer_import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateTransition()
    result = StateView(
        'appliance.customer.import.result',
        'appliance.customer_import_result_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def transition_import_(self):
        parties, errors = import_customers(self.start.file)
        self.result.imported = len(parties)
        self.result.rejected = len(errors)
        self.result.report = '\n'.join(
            gettext('appliance.msg_import_row_error',
                row=row, error=error)
            for row, error in errors)
        return 'result'

    def default_result(self, fields):
        return {
            'imported': self.result.imported,
            'rejected': self.result.rejected,
            'report': self.result.report,
            }


def read_rows(data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            data = bytes(data).decode('utf-8-sig')
        except UnicodeDecodeError as exception:
            raise CustomerImportError(gettext(
                    'appliance.msg_import_encoding')) from exception
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = {'name', 'mobile'} - set(header)
    if missing:
        raise CustomerImportError(gettext(
                'appliance.msg_import_missing_columns',
                columns=', '.join(sorted(missing))))
    reader.fieldnames = header
    # The header is line 1 of the file
    for line, row in enumerate(reader, start=2):
        yield line, {k: (v or '').strip() for k, v in row.items() if k}


def import_customers(data):
    """Create a customer for each valid row of the CSV data.

    Returns the created parties and the list of (line, reason) rejected.
    Rows are checked first so that a bad row never leaves a partial
    customer; the valid rows are then created together.
    """
    pool = Pool()
    Party = pool.get('party.party')
    context = _ImportContext()
    vlist, errors = [], []
    for line, row in read_rows(data):
        try:
            vlist.append(context.party_values(row))
        except RowError as error:
            errors.append((line, str(error)))
    parties = Party.create(vlist) if vlist else []
    return parties, errors


class _ImportContext:
    "Lookups shared by all the rows of one import"

    def __init__(self):
        pool = Pool()
        self.Party = pool.get('party.party')
        Subdivision = pool.get('country.subdivision')
        Country = pool.get('country.country')
        Lang = pool.get('ir.lang')
        self.countries = Country.search([('code', '=', 'CN')], limit=1)
        self.subdivisions = {}
        if self.countries:
            for subdivision in Subdivision.search([
                        ('country', '=', self.countries[0].id),
                        ('parent', '=', None),
                        ]):
                for key in {subdivision.code, subdivision.name}:
                    self.subdivisions[key.lower()] = subdivision
        self.langs = {l.code.lower(): l for l in Lang.search([
                    ('translatable', '=', True)])}
        self.langs.update({l.code.lower(): l for l in Lang.search([
                    ('code', 'in', ['en', 'zh_CN'])])})
        self.seen_mobiles = set()

    def party_values(self, row):
        name = row.get('name')
        if not name:
            raise RowError(gettext('appliance.msg_import_name'))
        mobile = normalize_mobile(row.get('mobile'))
        if not mobile:
            raise RowError(gettext('appliance.msg_import_mobile',
                    mobile=row.get('mobile') or ''))
        if mobile in self.seen_mobiles:
            raise RowError(gettext(
                    'appliance.msg_import_mobile_repeated',
                    mobile=mobile))
        existing = self.Party.find_by_mobile(mobile)
        if existing:
            raise RowError(gettext(
                    'appliance.msg_import_mobile_exists',
                    mobile=mobile, customer=existing[0].rec_name))
        values = {
            'name': name,
            'mobile_number': mobile,
            'customer_source': 'import',
            'notification_consent': self.boolean(
                row, 'notification_consent', True),
            'marketing_consent': self.boolean(
                row, 'marketing_consent', False),
            'addresses': [('create', [self.address_values(row)])],
            }
        email = row.get('email')
        if email:
            if not EMAIL_RE.match(email):
                raise RowError(gettext('appliance.msg_import_email',
                        email=email))
            values['contact_mechanisms'] = [('create', [{
                            'type': 'email', 'value': email}])]
        language = row.get('language')
        if language:
            lang = self.langs.get(language.lower().replace('-', '_'))
            if not lang:
                raise RowError(gettext(
                        'appliance.msg_import_language',
                        language=language))
            values['lang'] = lang.id
        self.seen_mobiles.add(mobile)
        return values

    def address_values(self, row):
        values = {
            'street': row.get('street') or None,
            'city': row.get('city') or None,
            'district': row.get('district') or None,
            'postal_code': row.get('postal_code') or None,
            }
        if self.countries:
            values['country'] = self.countries[0].id
        province = row.get('province')
        if province:
            subdivision = self.subdivisions.get(province.lower())
            if not subdivision:
                raise RowError(gettext(
                        'appliance.msg_import_province',
                        province=province))
            values['subdivision'] = subdivision.id
        return values

    @staticmethod
    def boolean(row, name, default):
        value = row.get(name)
        if value is None or value == '':
            return default
        value = value.lower()
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        raise RowError(gettext('appliance.msg_import_boolean',
                column=name, value=value))

# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
from collections import defaultdict

import phonenumbers
from sql import Null

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from .exceptions import DuplicatePhoneWarning, PhoneValidationError

CUSTOMER_SOURCES = [
    (None, ""),
    ('agent', "Agent Entry"),
    ('portal', "Portal Sign-up"),
    ('import', "Import"),
    ('api', "API"),
    ]


def phone_region():
    pool = Pool()
    Configuration = pool.get('appliance.configuration')
    return Configuration(1).phone_region or 'CN'


def mask_mobile(value):
    """Return the national form of the mobile with its middle digits hidden:
    enough to tell two customers apart without showing the number"""
    if '*' in value:
        # Already masked for the user who reads it
        return value
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    national = phonenumbers.national_significant_number(number)
    if len(national) < 7:
        return None
    return national[:3] + '*' * (len(national) - 7) + national[-4:]


def normalize_mobile(value, region=None):
    "Return the E.164 form of value or None if it is not a valid number"
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, region or phone_region())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.E164)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    mobile_number = fields.Char(
        "Mobile Phone",
        help="Normalised to the international E.164 form when saved.")
    duplicate_customer = fields.Function(fields.Many2One(
            'party.party', "Customer with Same Mobile",
            states={
                'invisible': ~Eval('duplicate_customer'),
                },
            help="Another customer already uses this mobile phone."),
        'on_change_with_duplicate_customer')
    customer_source = fields.Selection(
        CUSTOMER_SOURCES, "Customer Source")
    notification_consent = fields.Boolean(
        "Service Notifications",
        help="The customer agrees to receive service notifications.")
    marketing_consent = fields.Boolean(
        "Marketing Messages",
        help="The customer agrees to receive marketing messages.")
    appliances = fields.One2Many(
        'appliance.appliance', 'customer', "Appliances", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.mobile_number, Index.Equality(cardinality='high')),
                where=t.mobile_number != Null))

    def get_rec_name(self, name):
        rec_name = super().get_rec_name(name)
        if self.customer_source and self.name:
            # Customers share names: add what tells them apart
            distinction = (
                mask_mobile(self.mobile_number) if self.mobile_number
                else self.code)
            if distinction:
                rec_name = f'{rec_name} ({distinction})'
        return rec_name

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        # The mobile is stored in E.164: what is typed matches inside it
        return domain + [('mobile_number', *clause[1:])]

    @classmethod
    def default_notification_consent(cls):
        return True

    @classmethod
    def default_marketing_consent(cls):
        return False

    @fields.depends('mobile_number')
    def on_change_mobile_number(self):
        normalized = normalize_mobile(self.mobile_number)
        if normalized:
            self.mobile_number = normalized

    @fields.depends('mobile_number', 'id')
    def on_change_with_duplicate_customer(self, name=None):
        duplicates = self.find_by_mobile(self.mobile_number)
        for duplicate in duplicates:
            if duplicate.id != self.id:
                return duplicate.id

    @classmethod
    def find_by_mobile(cls, mobile, exclude=None):
        normalized = normalize_mobile(mobile)
        if not normalized:
            return []
        domain = [('mobile_number', '=', normalized)]
        if exclude:
            domain.append(('id', 'not in', [p.id for p in exclude]))
        return cls.search(domain, order=[('id', 'ASC')])

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('mobile_number'):
            normalized = normalize_mobile(values['mobile_number'])
            if normalized:
                values['mobile_number'] = normalized
        return values

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        cls.check_mobile_number(parties, field_names)

    @classmethod
    def check_mobile_number(cls, parties, field_names=None):
        if field_names and 'mobile_number' not in field_names:
            return
        for party in parties:
            if not party.mobile_number:
                continue
            if normalize_mobile(party.mobile_number) != party.mobile_number:
                raise PhoneValidationError(gettext(
                        'appliance.msg_party_invalid_mobile',
                        mobile=party.mobile_number,
                        party=party.rec_name))

    @classmethod
    def on_modification(cls, mode, parties, field_names=None):
        super().on_modification(mode, parties, field_names=field_names)
        if mode == 'create' or (
                mode == 'write' and 'mobile_number' in field_names):
            cls.check_duplicate_mobile(parties)

    @classmethod
    def check_duplicate_mobile(cls, parties):
        pool = Pool()
        Warning = pool.get('res.user.warning')
        # One search for all the parties: a bulk import creates thousands
        ids = {p.id for p in parties}
        mobiles = {p.mobile_number for p in parties if p.mobile_number}
        duplicates = defaultdict(list)
        for sub_mobiles in grouped_slice(mobiles, backend.MAX_QUERY_PARAMS):
            for other in cls.search([
                        ('mobile_number', 'in', list(sub_mobiles)),
                        ], order=[('id', 'ASC')]):
                if other.id not in ids:
                    duplicates[other.mobile_number].append(other)
        for party in parties:
            others = duplicates.get(party.mobile_number)
            if not others:
                continue
            warning_name = Warning.format('party_duplicate_mobile', others)
            if Warning.check(warning_name):
                raise DuplicatePhoneWarning(warning_name, gettext(
                        'appliance.msg_party_duplicate_mobile',
                        mobile=party.mobile_number,
                        customer=others[0].name,
                        code=others[0].code))


class Address(metaclass=PoolMeta):
    __name__ = 'party.address'

    district = fields.Char(
        "District", help="The county or district of the city.")
    latitude = fields.Float("Latitude", digits=(9, 6))
    longitude = fields.Float("Longitude", digits=(9, 6))

    def _get_address_substitutions(self):
        substitutions = super()._get_address_substitutions()
        if self.district and self.country and self.country.code == 'CN':
            # The formats of China write the district after the city
            for key in ['city', 'CITY']:
                substitutions[key] += self.district
        return substitutions

    def get_rec_name(self, name):
        if not (self.country and self.country.code == 'CN'):
            return super().get_rec_name(name)
        # Chinese order: province, city, district, street; the postal
        # code apart
        subdivision = self.subdivision.name if self.subdivision else ''
        parts = [subdivision, self.city, self.district,
            self.street_single_line]
        if (Transaction().language or '').startswith('zh'):
            rec_name = ''.join(filter(None, parts))
        else:
            rec_name = ', '.join(filter(None, reversed(parts)))
        return ', '.join(filter(None, [rec_name, self.postal_code]))

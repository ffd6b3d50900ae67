# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Customers' personal data encrypted at rest.

Each encrypted field is a Function field over two columns: ``<name>_enc``
holds the AES-GCM ciphertext and ``<name>_bidx`` a keyed HMAC of the
normalised value (the blind index) that exact searches use.  The values are
encrypted in ``preprocess_values`` so that a bulk create or write stays one
query; the setter does the same for the other paths.

Who sees the clear value: internal code (no request, or the validation and
duplicate checks), the users of the group "Customer Personal Data", the
customer on the portal for their own records and the engineers for the
customers of their open work orders.  Everyone else reads a masked value.
"""
import contextvars
import datetime as dt
from contextlib import contextmanager

from sql import Column, Literal, Null
from sql.operators import Like, Not

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, fields
from trytond.modules.appliance.party import mask_mobile, normalize_mobile
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction

from . import crypto
from .exceptions import FieldKeyConfigError, IdCardValidationError

# Set while the checks and the preprocessing of the model run: they compare
# and copy clear values whoever the user is
_CLEAR = contextvars.ContextVar('appliance_personal_data_clear', default=False)
MASK = '****'
_in = fields.SQL_OPERATORS['in']
ID_CARD_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CARD_CHECK = '10X98765432'


def normalize(value, kind):
    "Return the form of value that the blind index hashes"
    if not value:
        return None
    if kind == 'mobile':
        return normalize_mobile(value) or value.strip()
    elif kind == 'id_card':
        return ''.join(value.split()).upper()
    return ' '.join(value.split())


def mask(value, kind):
    "Return value with what identifies the person hidden"
    if not value:
        return value
    if kind == 'mobile':
        return mask_mobile(value) or MASK
    elif kind == 'id_card':
        if len(value) < 8:
            return MASK
        return value[:3] + '*' * (len(value) - 7) + value[-4:]
    return value[:3] + MASK


def is_masked(value):
    return isinstance(value, str) and '**' in value


def id_card_valid(value):
    "Check the 18 characters of a resident identity card (GB 11643-1999)"
    if (not value or len(value) != 18 or not value[:17].isdigit()
            or value[17] not in '0123456789X'):
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], ID_CARD_WEIGHTS))
    return ID_CARD_CHECK[total % 11] == value[17]


def personal_data_group_member():
    "Return True if the user of the transaction sees personal data in clear"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')
    group = ModelData.get_id('appliance_security', 'group_personal_data')
    return group in User.get_groups()


def all_clear():
    "Return True if the values are read by internal code or a trusted user"
    transaction = Transaction()
    context = transaction.context
    if _CLEAR.get() or not transaction.user:
        return True
    if context.get('_request') is None:
        # Cron, queue and scripts: no person reads the values
        return True
    return personal_data_group_member()


def portal_user_id():
    "Return the id of the portal's technical user, None without the portal"
    ModelData = Pool().get('ir.model.data')
    try:
        return ModelData.get_id('appliance_portal', 'user_portal')
    except KeyError:
        return None


def portal_party():
    """Return the customer the portal serves in this transaction

    The context says it only when the portal's technical user runs: a staff
    user cannot unmask a customer by putting it in the context."""
    transaction = Transaction()
    party = transaction.context.get('portal_party')
    if party is None or not transaction.user:
        return None
    if transaction.user != portal_user_id():
        return None
    return party


@contextmanager
def clear_values():
    "Internal code reads the clear values in this block"
    token = _CLEAR.set(True)
    try:
        yield
    finally:
        _CLEAR.reset(token)


def _crypto(func, *args):
    try:
        return func(*args)
    except crypto.FieldKeyError as error:
        raise FieldKeyConfigError(gettext(
                f'appliance_security.msg_field_key_{error.code}',
                **error.params)) from error


def _encrypted_function(field):
    return fields.Function(
        field, 'get_encrypted', setter='set_encrypted',
        searcher='search_encrypted')


class EncryptedFieldsMixin:
    "Store the fields of _encrypted_fields encrypted with a blind index"
    __slots__ = ()
    # field name: kind of value ('mobile', 'id_card' or 'text')
    _encrypted_fields = {}

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        names = set(cls._encrypted_fields)
        for name in names:
            # Tryton keeps the first definition of a field: replace it here
            field = getattr(cls, name)
            if not isinstance(field, fields.Function):
                setattr(cls, name, _encrypted_function(field))
        # The plain columns are gone: so are their indexes
        cls._sql_indexes = {
            i for i in cls._sql_indexes
            if not any(isinstance(e, Column) and e.name in names
                for e, _ in i.expressions)}
        for name in names:
            column = Column(t, name + '_bidx')
            cls._sql_indexes.add(Index(
                    t, (column, Index.Equality(cardinality='high')),
                    where=column != Null))

    @classmethod
    def __register__(cls, module_name):
        table_h = cls.__table_handler__(module_name)
        plain = [n for n in cls._encrypted_fields if table_h.column_exist(n)]
        super().__register__(module_name)
        for name in plain:
            cls._encrypt_plain_column(name)

    @classmethod
    def _encrypt_plain_column(cls, name):
        "Encrypt the values written in the plain column before the module"
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        plain = Column(table, name)
        while True:
            cursor.execute(*table.select(table.id, plain,
                    where=(plain != Null) & (plain != ''),
                    order_by=[table.id.asc], limit=1000))
            rows = cursor.fetchall()
            if not rows:
                break
            for id_, value in rows:
                values = cls._encrypted_values(name, value)
                cursor.execute(*table.update(
                        [Column(table, k) for k in values] + [plain],
                        list(values.values()) + [Null],
                        where=table.id == id_))

    @classmethod
    def _aad(cls, name):
        return f'{cls.__name__}.{name}'.encode('utf-8')

    @classmethod
    def _encrypted_values(cls, name, value):
        "Return the column values that store value for the field name"
        kind = cls._encrypted_fields[name]
        if not value:
            return {name + '_enc': None, name + '_bidx': None}
        return {
            name + '_enc': _crypto(crypto.encrypt, value, cls._aad(name)),
            name + '_bidx': _crypto(
                crypto.blind_index, normalize(value, kind), kind),
            }

    @classmethod
    def preprocess_values(cls, mode, values):
        with clear_values():
            values = super().preprocess_values(mode, values)
        for name in cls._encrypted_fields:
            if name in values:
                value = values.pop(name)
                if is_masked(value):
                    # The masked value the client shows is sent back unchanged
                    continue
                values.update(cls._encrypted_values(name, value))
        return values

    @classmethod
    def _validate(cls, records, field_names=None):
        # The checks compare the clear values
        with clear_values():
            super()._validate(records, field_names=field_names)

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        with clear_values():
            super().on_modification(mode, records, field_names=field_names)

    @classmethod
    def get_encrypted(cls, records, names):
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        result = {n: {} for n in names}
        ids = [r.id for r in records]
        columns = [Column(table, n + '_enc') for n in names]
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(table.id, *columns,
                    where=_in(table.id, sub_ids)))
            for id_, *values in cursor:
                for name, value in zip(names, values):
                    result[name][id_] = _crypto(
                        crypto.decrypt, value, cls._aad(name))
        if not all_clear():
            clear = cls._personal_data_own_ids(ids)
            for name in names:
                kind = cls._encrypted_fields[name]
                values = result[name]
                for id_, value in values.items():
                    if id_ not in clear:
                        values[id_] = mask(value, kind)
        return result

    @classmethod
    def _personal_data_own_ids(cls, ids):
        """Return the ids among ids whose values the user needs in clear
        without being of the group: the portal customer's own records"""
        return set()

    @classmethod
    def _ids_of_portal_party(cls, ids, party_column):
        "The ids among ids whose party_column is the portal customer"
        party = portal_party()
        if party is None:
            return set()
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        own = set()
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.select(table.id,
                    where=_in(table.id, sub_ids)
                    & (Column(table, party_column) == party)))
            own.update(i for i, in cursor)
        return own

    @classmethod
    def set_encrypted(cls, records, name, value):
        if is_masked(value):
            return
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        values = cls._encrypted_values(name, value)
        for sub_records in grouped_slice(records, backend.MAX_QUERY_PARAMS):
            cursor.execute(*table.update(
                    [Column(table, k) for k in values],
                    list(values.values()),
                    where=_in(table.id, [r.id for r in sub_records])))

    @classmethod
    def search_encrypted(cls, name, clause):
        "Exact search through the blind index; no search inside the value"
        _, operator, value = clause[:3]
        kind = cls._encrypted_fields[name]
        enc, bidx = name + '_enc', name + '_bidx'
        negative = operator.startswith('!') or operator.startswith('not ')
        if operator in {'=', '!='} and value is None:
            return [(enc, operator, None)]
        if operator.endswith('in'):
            values = list(value or [])
        else:
            values = [value]
        hashes = []
        has_null = False
        for value in values:
            if value is None:
                has_null = True
                continue
            if not isinstance(value, str):
                value = str(value)
            if operator.endswith('like'):
                value = value.strip('%')
                if '%' in value or '_' in value:
                    # A pattern inside the value cannot use the blind index
                    continue
            normalized = normalize(value, kind)
            if normalized:
                hashes.extend(_crypto(crypto.blind_indexes, normalized, kind))
        if negative:
            domain = ['OR', (bidx, 'not in', hashes), (bidx, '=', None)]
            if has_null:
                domain = [domain, (enc, '!=', None)]
            return domain
        domain = ['OR', (bidx, 'in', hashes)]
        if has_null:
            domain.append((enc, '=', None))
        return domain

    @classmethod
    def rotate_field_key(cls, name, batch_size=500):
        """Encrypt again with the current key a batch of the values of name
        that another key encrypted (or that are plain), recompute their
        blind index and return how many"""
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        enc = Column(table, name + '_enc')
        key = _crypto(crypto.current_key)
        prefix = crypto.SEP.join([crypto.PREFIX, key.id, ''])
        cursor.execute(*table.select(table.id, enc,
                where=(enc != Null) & Not(Like(enc, Literal(prefix + '%'))),
                order_by=[table.id.asc], limit=batch_size))
        rows = cursor.fetchall()
        for id_, value in rows:
            clear = _crypto(crypto.decrypt, value, cls._aad(name))
            values = cls._encrypted_values(name, clear)
            cursor.execute(*table.update(
                    [Column(table, k) for k in values],
                    list(values.values()),
                    where=table.id == id_))
        return len(rows)

    @classmethod
    def count_field_key(cls, name):
        "Return the number of values of name not under the current key"
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        enc = Column(table, name + '_enc')
        key = _crypto(crypto.current_key)
        prefix = crypto.SEP.join([crypto.PREFIX, key.id, ''])
        cursor.execute(*table.select(Literal(1),
                where=(enc != Null) & Not(Like(enc, Literal(prefix + '%')))))
        return len(cursor.fetchall())


def encrypted_models():
    "Return the models of the pool that have encrypted fields"
    pool = Pool()
    return sorted(
        (Model for _, Model in pool.iterobject()
            if issubclass(Model, EncryptedFieldsMixin)
            and Model._encrypted_fields),
        key=lambda M: M.__name__)


def rotate_field_key(batch_size=500, commit=None, max_batches=None):
    """Encrypt every value again with the current key, batch after batch

    commit is called after each batch (the script commits there), so that an
    interrupted rotation keeps what it did; run again, it goes on with what
    is left.  Returns the number of values encrypted again."""
    total, batches = 0, 0
    for Model in encrypted_models():
        for name in sorted(Model._encrypted_fields):
            while max_batches is None or batches < max_batches:
                count = Model.rotate_field_key(name, batch_size=batch_size)
                if not count:
                    break
                total += count
                batches += 1
                if commit:
                    commit(Model, name, count)
    return total


class Party(EncryptedFieldsMixin, metaclass=PoolMeta):
    __name__ = 'party.party'

    _encrypted_fields = {
        'mobile_number': 'mobile',
        'id_card_number': 'id_card',
        }

    mobile_number_enc = fields.Char("Mobile Phone Ciphertext", readonly=True)
    mobile_number_bidx = fields.Char(
        "Mobile Phone Blind Index", readonly=True)
    id_card_number = _encrypted_function(fields.Char(
            "ID Card Number",
            help="The 18 characters of the resident identity card."))
    id_card_number_enc = fields.Char("ID Card Ciphertext", readonly=True)
    id_card_number_bidx = fields.Char("ID Card Blind Index", readonly=True)

    @classmethod
    def _personal_data_own_ids(cls, ids):
        own = super()._personal_data_own_ids(ids)
        party = portal_party()
        if party in ids:
            own.add(party)
        return own

    @classmethod
    def preprocess_values(cls, mode, values):
        if values.get('id_card_number') and not is_masked(
                values['id_card_number']):
            values = values.copy()
            values['id_card_number'] = normalize(
                values['id_card_number'], 'id_card')
        return super().preprocess_values(mode, values)

    @classmethod
    def validate_fields(cls, parties, field_names):
        super().validate_fields(parties, field_names)
        cls.check_id_card_number(parties, field_names)

    @classmethod
    def check_id_card_number(cls, parties, field_names=None):
        if field_names and 'id_card_number' not in field_names:
            return
        for party in parties:
            if party.id_card_number and not id_card_valid(
                    party.id_card_number):
                raise IdCardValidationError(gettext(
                        'appliance_security.msg_party_invalid_id_card',
                        number=party.id_card_number,
                        party=party.rec_name))

    @classmethod
    def copy(cls, parties, default=None):
        # Two customers do not share an identity card
        default = default.copy() if default is not None else {}
        default.setdefault('id_card_number_enc', None)
        default.setdefault('id_card_number_bidx', None)
        return super().copy(parties, default=default)


class Address(EncryptedFieldsMixin, metaclass=PoolMeta):
    __name__ = 'party.address'

    _encrypted_fields = {
        'street_unstructured': 'text',
        }

    street_unstructured_enc = fields.Text("Street Ciphertext", readonly=True)
    street_unstructured_bidx = fields.Char(
        "Street Blind Index", readonly=True)

    @classmethod
    def _personal_data_own_ids(cls, ids):
        return (super()._personal_data_own_ids(ids)
            | cls._ids_of_portal_party(ids, 'party'))


class ServiceRequest(EncryptedFieldsMixin, metaclass=PoolMeta):
    __name__ = 'appliance.service.request'

    _encrypted_fields = {
        'contact_mobile': 'mobile',
        }

    contact_mobile_enc = fields.Char("Contact Phone Ciphertext", readonly=True)
    contact_mobile_bidx = fields.Char(
        "Contact Phone Blind Index", readonly=True)

    @fields.depends('contact_mobile')
    def on_change_customer(self):
        super().on_change_customer()
        if is_masked(self.contact_mobile):
            # Filled from the customer when saved: the user does not see it
            self.contact_mobile = None

    @classmethod
    def _personal_data_own_ids(cls, ids):
        return (super()._personal_data_own_ids(ids)
            | cls._ids_of_portal_party(ids, 'customer'))


class _EngineerOrdersMixin:
    """The engineers read in clear the personal data of the customers of
    their open work orders: they call them and drive to them"""
    __slots__ = ()

    @classmethod
    def _engineer_open_orders(cls):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        User = pool.get('res.user')
        # The user's own employees, as the record rules: not the context
        employees = User.get_employees()
        if not employees:
            return None
        order = WorkOrder.__table__()
        return order, (order.engineer.in_(list(employees))
            & order.state.in_([
                    'scheduled', 'dispatched', 'on_the_way',
                    'in_progress', 'waiting']))

    @classmethod
    def _personal_data_own_ids(cls, ids):
        own = super()._personal_data_own_ids(ids)
        orders = cls._engineer_open_orders()
        if orders is None:
            return own
        order, where = orders
        column = Column(order, cls._engineer_order_column)
        cursor = Transaction().connection.cursor()
        for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
            cursor.execute(*order.select(column,
                    where=where & _in(column, sub_ids)))
            own.update(i for i, in cursor)
        return own


class PartyEngineer(_EngineerOrdersMixin, metaclass=PoolMeta):
    __name__ = 'party.party'
    _engineer_order_column = 'customer'


class AddressEngineer(_EngineerOrdersMixin, metaclass=PoolMeta):
    __name__ = 'party.address'
    _engineer_order_column = 'address'


class ServiceRequestEngineer(_EngineerOrdersMixin, metaclass=PoolMeta):
    __name__ = 'appliance.service.request'
    _engineer_order_column = 'request'

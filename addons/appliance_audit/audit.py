# This file is part of the appliance_audit module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and
# license terms.
"""The audit trail: who changed which field of which record, when, from what
to what, kept append-only.

The audited models inherit AuditMixin through their PoolMeta classes.  A write
reads the old values of the audited fields it touches in one query for all
its records, writes, reads the new values the same way and inserts the
changes with one multi-row INSERT (on SQLite as many as its limit of
variables requires).  The values are kept as they are displayed: translated
selection labels, the names of the related records, dates and times in the
company's time zone."""
import datetime as dt
import functools
import json
import sqlite3
from collections import defaultdict

from sql import Cast, Column, Literal, Select
from sql.functions import Function

from trytond.cache import Cache
from trytond.i18n import gettext
from trytond.ir.resource import ResourceAccessMixin
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.model.fields import SQL_OPERATORS
from trytond.modules.appliance_service.local_time import (
    company_timezone, local_string)
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .exceptions import AuditLogAppendOnlyError

ACTIONS = [
    ('create', "Created"),
    ('write', "Changed"),
    ('button', "Changed by an Action"),
    ('delete', "Deleted"),
    ]
# Context keys: leading underscores, so that no client can set them
DISABLED = '_appliance_audit_disabled'
BUTTON = '_appliance_audit_button'
# The fields never audited
METADATA = {'id', 'create_uid', 'create_date', 'write_uid', 'write_date'}
# What the values are cut to
VALUE_SIZE = 4000
NOT_AUDITED = (
    fields.Function, fields.One2Many, fields.Many2Many, fields.Binary)
SECONDS_FORMAT = '%Y-%m-%d %H:%M:%S'
# The SQL types of the columns of a row of AuditLog.insert
ROW_TYPES = [
    'VARCHAR[]', 'VARCHAR[]', 'INTEGER[]', 'INTEGER[]', 'TEXT[]', 'TEXT[]',
    'VARCHAR[]']


class Unnest(Function):
    __slots__ = ()
    _function = 'UNNEST'


def audit_enabled():
    return not Transaction().context.get(DISABLED)


def utc_now():
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class AuditLog(ResourceAccessMixin, ModelSQL, ModelView):
    __name__ = 'appliance.audit.log'
    __string__ = "Audit Log"

    resource = fields.Reference(
        "Record", selection='get_models', required=True, readonly=True)
    model = fields.Char("Model", required=True, readonly=True)
    record_id = fields.Integer("Record ID", required=True, readonly=True)
    field = fields.Many2One(
        'ir.model.field', "Field", readonly=True, ondelete='SET NULL')
    old_value = fields.Text("Old Value", readonly=True)
    new_value = fields.Text("New Value", readonly=True)
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='RESTRICT')
    timestamp = fields.DateTime("Date", required=True, readonly=True)
    action = fields.Selection(ACTIONS, "Action", required=True, readonly=True)
    action_string = action.translated('action')

    _field_ids_cache = Cache('appliance.audit.log.field_ids', context=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t,
                    (t.model, Index.Equality()),
                    (t.record_id, Index.Equality())),
                Index(t, (t.timestamp, Index.Range())),
                Index(t, (t.user, Index.Equality())),
                })
        cls._order = [('timestamp', 'DESC'), ('id', 'DESC')]

    def get_rec_name(self, name):
        what = self.field.string if self.field else self.action_string
        return '%s @ %s' % (what, self.timestamp)

    # Append-only: nobody writes, deletes or creates through the ORM, not
    # even the administrator or root; the audited models insert the rows.
    @classmethod
    def _refuse(cls):
        raise AuditLogAppendOnlyError(gettext(
                'appliance_audit.msg_audit_log_append_only'))

    @classmethod
    def create(cls, vlist):
        if vlist:
            cls._refuse()
        return []

    @classmethod
    def write(cls, *args):
        if any(records for records in args[::2]):
            cls._refuse()

    @classmethod
    def delete(cls, records):
        if records:
            cls._refuse()

    @classmethod
    def copy(cls, records, default=None):
        if records:
            cls._refuse()
        return []

    # Reading: who reads the record reads its trail (ResourceAccessMixin);
    # the administrators read every trail, also of deleted records.
    @classmethod
    def _reads_all(cls):
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        transaction = Transaction()
        if not transaction.user or not transaction.check_access:
            return True
        groups = set(User.get_groups())
        return any(
            ModelData.get_id(module, fs_id) in groups
            for module, fs_id in [
                ('res', 'group_admin'),
                ('appliance', 'group_appliance_admin'),
                ('appliance_audit', 'group_audit'),
                ])

    @classmethod
    def check_access(cls, ids, mode='read'):
        if mode == 'read' and cls._reads_all():
            return
        super().check_access(ids, mode=mode)

    @classmethod
    def search(cls, domain, offset=0, limit=None, order=None, count=False,
            **kwargs):
        if cls._reads_all():
            return super(ResourceAccessMixin, cls).search(
                domain, offset=offset, limit=limit, order=order, count=count,
                **kwargs)
        if not kwargs.get('query'):
            # Only the trails of the models the user may read
            domain = [domain, ('model', 'in', cls._readable_models())]
        return super().search(
            domain, offset=offset, limit=limit, order=order, count=count,
            **kwargs)

    @classmethod
    def _readable_models(cls):
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        models = {
            M._audit_model() for _, M in pool.iterobject()
            if issubclass(M, AuditMixin)}
        access = ModelAccess.get_access(list(models))
        return sorted(m for m in models if access[m]['read'])

    @classmethod
    def field_ids(cls, model):
        "Return the ids of the ir.model.field of model by name"
        ids = cls._field_ids_cache.get(model)
        if ids is None:
            Field = Pool().get('ir.model.field')
            table = Field.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.select(
                    table.name, table.id, where=table.model == model))
            ids = dict(cursor)
            cls._field_ids_cache.set(model, ids)
        return ids

    @classmethod
    def insert(cls, rows):
        """Insert rows of (resource, model, record_id, field, old_value,
        new_value, action) for the user of the transaction, now, with one
        query"""
        if not rows:
            return
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        table = cls.__table__()
        user, now = transaction.user, utc_now()
        columns = [
            table.resource, table.model, table.record_id, table.field,
            table.old_value, table.new_value, table.action,
            table.create_uid, table.create_date, table.user, table.timestamp]
        # The form shows the seconds: a stored fraction would read as a
        # change to the web client
        constants = [user, now, user, now.replace(microsecond=0)]
        if transaction.database.has_array():
            # One array a column, whatever the number of rows: PostgreSQL
            # takes at most 65,535 parameters
            arrays = [Unnest(Cast(Literal(list(values)), type_))
                for values, type_ in zip(zip(*rows), ROW_TYPES)]
            cursor.execute(*table.insert(columns, Select(
                        arrays + [Literal(c) for c in constants])))
            return
        values = [list(row) + constants for row in rows]
        size = len(values)
        limit = cls._variable_limit()
        if limit:
            size = max(limit // len(columns), 1)
        for i in range(0, len(values), size):
            cursor.execute(*table.insert(columns, values[i:i + size]))

    @classmethod
    def _variable_limit(cls):
        "The number of parameters one query may have"
        transaction = Transaction()
        getlimit = getattr(transaction.connection, 'getlimit', None)
        if getlimit is not None:
            # SQLite
            return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return 65535


class AuditMixin:
    """Record the changes of the records in appliance.audit.log.

    _audit_fields: the names of the fields audited, by default every stored
    field but the creation and modification metadata.
    _audit_owner: the name of a Many2One whose target the changes are logged
    on (e.g. the template of a list price), so its trail shows them."""
    __slots__ = ()
    _audit_fields = None
    _audit_owner = None

    @classmethod
    def __post_setup__(cls):
        super().__post_setup__()
        names = cls._audit_fields
        if names is None:
            names = [n for n, f in cls._fields.items()
                if n not in METADATA and not isinstance(f, NOT_AUDITED)
                # Totals kept for speed, not entered by anybody
                and not n.endswith('_cache')]
        cls.__audit_names = frozenset(names)
        # The writes of a button are logged as such
        for name in getattr(cls, '_buttons', {}):
            method = getattr(cls, name, None)
            function = getattr(method, '__func__', None)
            if function is None or getattr(function, '_audit_button', False):
                continue
            setattr(cls, name, classmethod(_button_wrapper(function)))

    @classmethod
    def _audit_names(cls):
        return cls.__audit_names

    @classmethod
    def _audit_model(cls):
        if cls._audit_owner:
            return cls._fields[cls._audit_owner].model_name
        return cls.__name__

    @classmethod
    def _audit_read(cls, ids, names):
        """Return {id: (owner id, value...)} of the columns names of ids in
        one query"""
        pool = Pool()
        Log = pool.get('appliance.audit.log')
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        owner = (Column(table, cls._audit_owner) if cls._audit_owner
            else Literal(None))
        columns = [table.id, owner] + [Column(table, n) for n in names]
        # One query, but for the limit of parameters of SQLite
        limit = Log._variable_limit()
        size = max(limit - len(columns), 1) if limit else max(len(ids), 1)
        result = {}
        for i in range(0, len(ids), size):
            cursor.execute(*table.select(*columns,
                    where=SQL_OPERATORS['in'](table.id, ids[i:i + size])))
            result.update((row[0], row[1:]) for row in cursor)
        return result

    @classmethod
    def create(cls, vlist):
        records = super().create(vlist)
        if audit_enabled():
            if cls._audit_owner:
                # The values of an owned record are changes of its owner
                names = sorted(cls._audit_names() - {cls._audit_owner})
                new = cls._audit_read([r.id for r in records], names)
                old = {i: (v[0],) + (None,) * len(names)
                    for i, v in new.items()}
                cls._audit_log_changes('create', names, old, new)
            else:
                cls._audit_log_records(records, 'create')
        return records

    @classmethod
    def write(cls, *args):
        if not audit_enabled():
            return super().write(*args)
        audited = cls._audit_names()
        names, ids = set(), []
        for records, values in zip(args[::2], args[1::2]):
            names.update(n for n in values if n in audited)
            ids.extend(map(int, records))
        names = sorted(names)
        if not names or not ids:
            return super().write(*args)
        ids = list(dict.fromkeys(ids))
        old = cls._audit_read(ids, names)
        result = super().write(*args)
        new = cls._audit_read(ids, names)
        action = 'write'
        if Transaction().context.get(BUTTON) == cls.__name__:
            action = 'button'
        cls._audit_log_changes(action, names, old, new)
        return result

    @classmethod
    def delete(cls, records):
        if audit_enabled():
            cls._audit_log_records(records, 'delete')
        super().delete(records)

    @classmethod
    def _audit_log_records(cls, records, action):
        "Log the creation or deletion of records, with their names"
        pool = Pool()
        Log = pool.get('appliance.audit.log')
        if not records:
            return
        owners = {}
        if cls._audit_owner:
            owners = {k: v[0] for k, v in cls._audit_read(
                    [r.id for r in records], []).items()}
        with without_check_access():
            names = {r.id: _cut(r.rec_name) for r in cls.browse(records)}
        rows = []
        for record in records:
            model, record_id, field = cls._audit_target(
                record.id, owners.get(record.id))
            rows.append((
                    f'{model},{record_id}', model, record_id, field,
                    names[record.id] if action == 'delete' else None,
                    names[record.id] if action == 'create' else None,
                    action))
        Log.insert(rows)

    @classmethod
    def _audit_target(cls, record_id, owner_id):
        "Return the model, id and field the changes of record_id go to"
        if cls._audit_owner and owner_id is not None:
            return cls._audit_model(), owner_id, None
        return cls.__name__, record_id, None

    @classmethod
    def _audit_log_changes(cls, action, names, old, new):
        pool = Pool()
        Log = pool.get('appliance.audit.log')
        changes = []
        for record_id, before in old.items():
            after = new.get(record_id)
            if after is None:
                continue
            for i, name in enumerate(names, 1):
                if before[i] != after[i]:
                    changes.append((record_id, after[0], name,
                            before[i], after[i]))
        if not changes:
            return
        display = _Display(cls, names)
        display.prepare(changes)
        field_ids = Log.field_ids(cls.__name__)
        rows = []
        for record_id, owner_id, name, before, after in changes:
            model, target_id, _ = cls._audit_target(record_id, owner_id)
            rows.append((
                    f'{model},{target_id}', model, target_id,
                    field_ids.get(name),
                    display(name, before), display(name, after), action))
        Log.insert(rows)


class AuditTrailMixin(AuditMixin):
    "An audited model whose form shows its trail"
    __slots__ = ()

    audit_logs = fields.Function(fields.Many2Many(
            'appliance.audit.log', None, None, "Audit Trail",
            readonly=True,
            help="Who changed what and when, the latest first."),
        'get_audit_logs')

    @classmethod
    def get_audit_logs(cls, records, name):
        pool = Pool()
        Log = pool.get('appliance.audit.log')
        log = Log.__table__()
        cursor = Transaction().connection.cursor()
        model = cls._audit_model()
        result = {r.id: [] for r in records}
        cursor.execute(*log.select(log.record_id, log.id,
                where=(log.model == model)
                & SQL_OPERATORS['in'](log.record_id, list(result)),
                order_by=[log.timestamp.desc, log.id.desc]))
        for record_id, log_id in cursor:
            result[record_id].append(log_id)
        return result


def _cut(value):
    if value is not None and len(value) > VALUE_SIZE:
        value = value[:VALUE_SIZE - 1] + '…'
    return value


def _button_wrapper(function):
    @functools.wraps(function)
    def wrapper(cls, *args, **kwargs):
        with Transaction().set_context(**{BUTTON: cls.__name__}):
            return function(cls, *args, **kwargs)
    wrapper._audit_button = True
    return wrapper


class _Display:
    "The values of the fields of Model as the users read them"

    def __init__(self, Model, names):
        self.Model = Model
        self.fields = {n: Model._fields[n] for n in names}
        self.labels = {}
        self.names = {}
        self._timezone = None

    @property
    def timezone(self):
        if self._timezone is None:
            self._timezone = company_timezone()
        return self._timezone

    def prepare(self, changes):
        "Fetch in bulk the labels and names the changes need"
        selections = [n for n, f in self.fields.items()
            if isinstance(f, fields.Selection)
            and not isinstance(f, fields.Reference)]
        if selections:
            with without_check_access():
                definitions = self.Model.fields_get(selections)
            for name in selections:
                selection = definitions.get(name, {}).get('selection')
                if isinstance(selection, (list, tuple)):
                    self.labels[name] = {
                        k: v for k, v in selection if k is not None}
        references = defaultdict(set)
        for _, _, name, before, after in changes:
            field = self.fields[name]
            for value in (before, after):
                if value is None:
                    continue
                if isinstance(field, fields.Many2One):
                    references[field.model_name].add(value)
                elif isinstance(field, fields.Reference):
                    model, _, id_ = str(value).partition(',')
                    try:
                        references[model].add(int(id_))
                    except ValueError:
                        continue
        pool = Pool()
        with without_check_access():
            for model, ids in references.items():
                try:
                    Target = pool.get(model)
                except KeyError:
                    continue
                for record in Target.browse(list(ids)):
                    try:
                        self.names[model, record.id] = record.rec_name
                    except Exception:
                        # A deleted record of a Reference
                        self.names[model, record.id] = str(record.id)

    def __call__(self, name, value):
        if value is None:
            return None
        field = self.fields[name]
        if isinstance(field, fields.Boolean):
            if value:
                return gettext('appliance_audit.msg_yes')
            return gettext('appliance_audit.msg_no')
        if isinstance(field, fields.Reference):
            model, _, id_ = str(value).partition(',')
            try:
                return _cut(self.names.get((model, int(id_)), value))
            except ValueError:
                return _cut(str(value))
        if isinstance(field, fields.Selection):
            return _cut(str(self.labels.get(name, {}).get(value, value)))
        if isinstance(field, fields.Many2One):
            return _cut(self.names.get((field.model_name, value), str(value)))
        if isinstance(field, fields.DateTime):
            if isinstance(value, str):
                value = dt.datetime.fromisoformat(value)
            return local_string(value, self.timezone, SECONDS_FORMAT)
        if isinstance(field, fields.Dict):
            if not isinstance(value, str):
                value = json.dumps(value, ensure_ascii=False, sort_keys=True)
            return _cut(value)
        if isinstance(value, (dt.date, dt.time)):
            return value.isoformat()
        return _cut(str(value))

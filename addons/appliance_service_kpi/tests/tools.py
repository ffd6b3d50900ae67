# This file is part of the appliance_service_kpi module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""Tools to test the queries that PostgreSQL materialises
(``[table_query_materialized]``): they must read no context, and the reports
on top of them must give the same figures as on the live query."""
from contextlib import contextmanager

from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.config import config
from trytond.pool import Pool
from trytond.tools.immutabledict import ImmutableDict
from trytond.transaction import Transaction

SECTION = 'table_query_materialized'


class _RecordingContext(ImmutableDict):
    "A context that records the keys read from it"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys_read = set()

    def __getitem__(self, key):
        self.keys_read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.keys_read.add(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self.keys_read.add(key)
        return super().get(key, default)

    def copy(self):
        # set_context() copies the context: whatever runs under it reads
        # the copy, so the copy counts as read
        self.keys_read.add('*')
        return super().copy()


def table_query_context_reads(model):
    """The keys of the context that the table query of model reads, with
    '*' when it sets a context of its own, and the query"""
    Model = Pool().get(model)
    transaction = Transaction()
    context = transaction.context
    recording = _RecordingContext(context)
    transaction.context = recording
    try:
        query = Model.table_query()
    finally:
        transaction.context = context
    return recording.keys_read, query


@contextmanager
def materialised(models):
    """Materialise the table queries of models, in that order, as trytond
    does at the update of the module with [table_query_materialized], and
    fill them; on leaving, the live queries come back.

    Only on a database with materialised views (PostgreSQL); the views are
    dropped with the transaction."""
    pool = Pool()
    transaction = Transaction()
    assert backend.name == 'postgresql'
    if not config.has_section(SECTION):
        config.add_section(SECTION)
    try:
        for model in models:
            Model = pool.get(model)
            config.set(SECTION, model, '3600')
            # As ModelSQL.__register__ does
            query = Model.table_query()
            query.columns += (CurrentTimestamp().as_('_refreshed'),)
            transaction.database.create_materialized_view(
                transaction.connection, Model._table, query)
            Model._table_query_refresh(concurrently=False, force=True)
        yield
    finally:
        for model in models:
            config.set(SECTION, model, '0')

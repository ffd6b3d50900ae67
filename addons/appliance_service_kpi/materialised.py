# This file is part of the appliance_service_kpi module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""Table queries that PostgreSQL can materialise.

With ``[table_query_materialized]`` in the configuration, trytond creates a
materialised view from the table query of the model.  PostgreSQL refuses
bound parameters in the definition of a view ("materialized views may not
be defined using bound parameters"), and every python-sql literal is one.
So the query of a materialised model is given with its parameters written
into the SQL, quoted by psycopg as ``ClientCursor.mogrify`` does.  The query
must read no context either: the view is made once for every user."""
from trytond import backend
from trytond.transaction import Transaction

_INLINED = {}


class _Inlined:
    "A query whose parameters are written into its SQL"
    __slots__ = ()

    def __str__(self):
        from psycopg import ClientCursor
        cursor = ClientCursor(Transaction().connection)
        sql = cursor.mogrify(super().__str__(), super().params)
        # The view is created, and the query used, with (no) parameters:
        # a % of the SQL is a placeholder for psycopg
        return sql.replace('%', '%%')

    @property
    def params(self):
        return ()


def _inlined_class(class_):
    if class_ not in _INLINED:
        _INLINED[class_] = type(
            'Inlined' + class_.__name__, (_Inlined, class_),
            {'__slots__': ()})
    return _INLINED[class_]


class MaterialisableMixin:
    """A model whose table query PostgreSQL can materialise

    The model gives its query by _table_query(), which must read no
    context."""
    __slots__ = ()

    @classmethod
    def table_query(cls):
        return cls.materialisable(cls._table_query())

    @classmethod
    def _table_query(cls):
        raise NotImplementedError

    @classmethod
    def materialisable(cls, query):
        """Return query, the table query of the model, as PostgreSQL can
        materialise it when the configuration asks to"""
        if (backend.name == 'postgresql'
                and cls._table_query_materialized()):
            query.__class__ = _inlined_class(query.__class__)
        return query

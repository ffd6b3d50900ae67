# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The record rules of the portal: the customer routes run as the technical
user of the Portal group with the signed-in customer in the context; its
rules read the customer as ``Eval('portal_party', -1)`` and the account as
``Eval('portal_web_user', -1)``."""
from trytond.pool import PoolMeta
from trytond.transaction import Transaction


def portal_keys():
    "The party and the web user of the customer routes, -1 outside them"
    context = Transaction().context
    return (context.get('portal_party') or -1,
        context.get('portal_web_user') or -1)


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_cache_key(cls, model_names):
        # The domain of another customer must never come from the cache
        return (*super()._get_cache_key(model_names), *portal_keys())

    @classmethod
    def _get_context(cls, model_name):
        context = super()._get_context(model_name)
        context['portal_party'], context['portal_web_user'] = portal_keys()
        return context

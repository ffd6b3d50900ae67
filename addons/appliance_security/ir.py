# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .common import current_session_key


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        if model_name == 'res.user.device':
            user = Transaction().user
            context['user_login'] = User(user).login if user else None
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        if 'res.user.device' in model_names:
            key = (*key, Transaction().user)
        return key


class Session(metaclass=PoolMeta):
    __name__ = 'ir.session'

    @classmethod
    def clear(cls, users, domain=None):
        "Keep the session of the user who changes their own password"
        key = current_session_key()
        if key and Transaction().user in {int(u) for u in users}:
            domain = [domain or [], ('key', '!=', key)]
        super().clear(users, domain=domain)

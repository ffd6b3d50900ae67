# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import re

import trytond.config as config
from trytond.i18n import gettext
from trytond.transaction import Transaction

from . import wsgi
from .exceptions import AppendOnlyError

SECTION = 'appliance_security'


def demo_mode():
    "The demo keeps its known passwords: no change forced at first login"
    return config.getboolean(SECTION, 'demo', default=False)


def configured_methods():
    "Return the login methods of [session] authentications"
    return set(re.split('[,+]', config.get(
                'session', 'authentications', default='password')))


def remote_address():
    "Return the IP address and network of the request as strings"
    ip_address, ip_network = Transaction().remote_address()
    return (
        str(ip_address) if ip_address else None,
        str(ip_network) if ip_network else None)


def user_agent():
    request = Transaction().context.get('_request') or {}
    return request.get('user_agent') or wsgi.current().user_agent


def current_session_key():
    "Return the key of the session the request authenticates with"
    return wsgi.current().session_key


class AppendOnlyMixin:
    "Records are only ever created: no write, no delete"
    __slots__ = ()

    @classmethod
    def _refuse_change(cls, records):
        if records:
            raise AppendOnlyError(gettext(
                    'appliance_security.msg_append_only', **cls.__names__()))

    @classmethod
    def write(cls, *args):
        cls._refuse_change([r for records in args[::2] for r in records])

    @classmethod
    def delete(cls, records):
        cls._refuse_change(records)

    @classmethod
    def copy(cls, records, default=None):
        cls._refuse_change(records)
        return []

# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt

from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.transaction import Transaction, without_check_access

from .common import AppendOnlyMixin, remote_address, user_agent
from .login_log import KINDS

EVENTS = [
    ('changed', "Changed"),
    ('reset_requested', "Reset Requested"),
    ('mfa_enabled', "Second Factor Set Up"),
    ('mfa_disabled', "Second Factor Turned Off"),
    ('mfa_reset', "Second Factor Reset"),
    ('recovery_codes', "New Recovery Codes"),
    ]
HOWS = [
    ('self', "By the user"),
    ('admin', "By an administrator"),
    ('system', "By the system"),
    ('first_login', "At the first login"),
    ('reset_email', "Reset by email"),
    ('reset_sms', "Reset by SMS"),
    ]


class PasswordLog(AppendOnlyMixin, ModelSQL, ModelView):
    __name__ = 'appliance.security.password.log'
    __string__ = "Password Log"

    date = fields.DateTime("Date", required=True, readonly=True)
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    user = fields.Many2One(
        'res.user', "User", readonly=True, ondelete='SET NULL')
    web_user = fields.Many2One(
        'web.user', "Web User", readonly=True, ondelete='SET NULL')
    login = fields.Char("Login", readonly=True)
    event = fields.Selection(EVENTS, "Event", required=True, readonly=True)
    how = fields.Selection(HOWS, "How", required=True, readonly=True)
    author = fields.Many2One(
        'res.user', "Author", readonly=True, ondelete='SET NULL',
        help="The user who made the change, empty for the system "
        "and the web users.")
    ip_address = fields.Char("IP Address", readonly=True)
    user_agent = fields.Char("User Agent", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.date, Index.Range(order='DESC'))),
                Index(t, (t.user, Index.Equality())),
                Index(t, (t.web_user, Index.Equality())),
                })

    @classmethod
    def add(cls, event, how, users=(), web_users=()):
        author = Transaction().user or None
        ip_address, _ = remote_address()
        common = {
            'date': dt.datetime.now(),
            'event': event,
            'how': how,
            'author': author,
            'ip_address': ip_address,
            'user_agent': user_agent(),
            }
        values = [{
                **common, 'kind': 'staff', 'user': u.id, 'login': u.login}
            for u in users]
        values += [{
                **common, 'kind': 'web', 'web_user': u.id, 'login': u.email}
            for u in web_users]
        if values:
            with without_check_access():
                cls.create(values)

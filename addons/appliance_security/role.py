# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Role assignments that change over time.

user_role synchronises the groups daily by cron and when a user is saved;
the assignments saved on their own apply at once too.
"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, Id, If
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import RoleMoveError

# user_role's validity is inclusive at both ends
TICK = dt.timedelta(seconds=1)


class UserRole(metaclass=PoolMeta):
    __name__ = 'res.user.role'

    @classmethod
    def on_write(cls, records, values):
        pool = Pool()
        User = pool.get('res.user')
        callback = super().on_write(records, values)
        if 'user' in values:
            # The previous users lose the role
            previous = {r.user.id for r in records}
            callback.append(lambda: User.sync_roles(
                    User.browse(previous), clear=True))
        return callback

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        User = pool.get('res.user')
        super().on_modification(mode, records, field_names=field_names)
        if mode in {'create', 'write'}:
            User.sync_roles(User.browse({r.user.id for r in records}))

    @classmethod
    def on_delete(cls, records):
        pool = Pool()
        User = pool.get('res.user')
        callback = super().on_delete(records)
        if users := {r.user.id for r in records}:
            callback.append(lambda: User.sync_roles(
                    User.browse(users), clear=True))
        return callback


class RoleMoveStart(ModelView):
    __name__ = 'res.user.role.move.start'

    user = fields.Many2One(
        'res.user', "User", required=True,
        domain=[('id', '!=', Id('res', 'user_admin'))])
    from_role = fields.Many2One(
        'res.role', "From Role",
        help="The role the user leaves for the period, if any.")
    to_role = fields.Many2One(
        'res.role', "To Role", required=True,
        domain=[If(Eval('from_role'),
                ('id', '!=', Eval('from_role', -1)),
                ())])
    from_date = fields.DateTime("From Date", required=True)
    to_date = fields.DateTime(
        "To Date",
        domain=[If(Eval('to_date') & Eval('from_date'),
                ('to_date', '>', Eval('from_date')),
                ())],
        help="Leave empty for a lasting move.")

    @classmethod
    def default_from_date(cls):
        return dt.datetime.now().replace(microsecond=0)


class RoleMove(Wizard):
    "Move a user from one role to another for a period"
    __name__ = 'res.user.role.move'

    start = StateView('res.user.role.move.start',
        'appliance_security.role_move_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Move", 'move', 'tryton-ok', default=True),
            ])
    move = StateTransition()

    def default_start(self, fields):
        if self.model and self.model.__name__ == 'res.user':
            return {'user': self.record.id if self.record else None}
        return {}

    def transition_move(self):
        pool = Pool()
        User = pool.get('res.user')
        start = self.start
        User.move_role(
            start.user, start.from_role, start.to_role,
            start.from_date, start.to_date)
        return 'end'


class User(metaclass=PoolMeta):
    __name__ = 'res.user'

    @classmethod
    def move_role(cls, user, from_role, to_role, from_date, to_date=None):
        """Suspend from_role and give to_role between the dates

        The assignments of from_role that overlap the period are split around
        it."""
        pool = Pool()
        UserRole = pool.get('res.user.role')
        if from_role == to_role:
            raise RoleMoveError(gettext('appliance_security.msg_role_same'))
        if to_date and to_date <= from_date:
            raise RoleMoveError(gettext(
                    'appliance_security.msg_role_move_dates'))
        to_create, to_delete = [], []
        if from_role:
            for assignment in UserRole.search([
                        ('user', '=', user.id),
                        ('role', '=', from_role.id),
                        ]):
                start = assignment.from_date or dt.datetime.min
                end = assignment.to_date or dt.datetime.max
                if end < from_date or (to_date and start > to_date):
                    continue
                to_delete.append(assignment)
                if start < from_date:
                    to_create.append({
                            'user': user.id, 'role': from_role.id,
                            'from_date': assignment.from_date,
                            'to_date': from_date - TICK,
                            })
                if to_date and end > to_date:
                    to_create.append({
                            'user': user.id, 'role': from_role.id,
                            'from_date': to_date + TICK,
                            'to_date': assignment.to_date,
                            })
        to_create.append({
                'user': user.id, 'role': to_role.id,
                'from_date': from_date, 'to_date': to_date,
                })
        UserRole.delete(to_delete)
        UserRole.create(to_create)

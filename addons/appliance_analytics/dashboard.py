# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The dashboards of the roles: the dashboard module keeps the actions of
each user, so the actions of a role are given to each of its users when
the role is given (and to its users when the action is added to it)."""
from trytond.model import ModelSQL, ModelView, fields, sequence_ordered
from trytond.pool import Pool, PoolMeta


class RoleAction(sequence_ordered(), ModelSQL, ModelView):
    "Dashboard action of a role"
    __name__ = 'appliance.analytics.dashboard.action'

    group = fields.Many2One(
        'res.group', "Role", required=True, ondelete='CASCADE')
    act_window = fields.Many2One(
        'ir.action.act_window', "Action", required=True, ondelete='CASCADE',
        domain=[
            ('res_model', '!=', None),
            ('res_model', '!=', ''),
            ('usage', '=', 'dashboard'),
            ])

    @classmethod
    def on_modification(cls, mode, actions, field_names=None):
        super().on_modification(mode, actions, field_names=field_names)
        if mode in {'create', 'write'}:
            cls.seed({u for a in actions for u in a.group.users})

    @classmethod
    def seed(cls, users):
        """Add to the dashboard of each user the actions of their roles that
        it lacks, in the order of the roles' actions"""
        pool = Pool()
        DashboardAction = pool.get('dashboard.action')
        users = list(users)
        if not users:
            return
        group_ids = {g.id for u in users for g in u.groups}
        actions = cls.search([('group', 'in', list(group_ids))])
        existing = {(a.user.id, a.act_window.id)
            for a in DashboardAction.search([
                    ('user', 'in', [u.id for u in users]),
                    ])}
        to_create = []
        for user in users:
            groups = {g.id for g in user.groups}
            for action in actions:
                key = (user.id, action.act_window.id)
                if action.group.id in groups and key not in existing:
                    existing.add(key)
                    to_create.append(DashboardAction(
                            user=user, act_window=action.act_window,
                            sequence=action.sequence))
        DashboardAction.save(to_create)


class UserGroup(metaclass=PoolMeta):
    __name__ = 'res.user-res.group'

    @classmethod
    def on_modification(cls, mode, records, field_names=None):
        pool = Pool()
        RoleAction = pool.get('appliance.analytics.dashboard.action')
        super().on_modification(mode, records, field_names=field_names)
        if mode in {'create', 'write'}:
            RoleAction.seed({r.user for r in records})

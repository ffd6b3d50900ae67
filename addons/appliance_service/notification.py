# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.transaction import Transaction


def notify_users(users, message_id, records, icon='tryton-notification',
        **variables):
    """Post an in-app notification about records to each user.

    The label is translated in the language of each user.
    """
    pool = Pool()
    Notification = pool.get('res.notification')
    notifications = []
    for user in users:
        if not user or not user.active:
            continue
        with Transaction().set_context(language=user.language.code
                if user.language else None):
            label = gettext(message_id, **variables)
        notifications.append(Notification(
                user=user,
                label=label,
                icon=icon,
                model=records[0].__name__ if records else None,
                records=(
                    str([r.id for r in records]) if records else None),
                ))
    Notification.save(notifications)
    return notifications


def users_of_employees(employees):
    pool = Pool()
    User = pool.get('res.user')
    ids = [e.id for e in employees if e]
    if not ids:
        return []
    return User.search([('employees', 'in', ids)])


def users_in_group(xml_id):
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Group = pool.get('res.group')
    group = Group(ModelData.get_id(*xml_id.split('.')))
    return [u for u in group.users if u.active]

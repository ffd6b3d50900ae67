# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Tell customers and engineers what happens to work orders.

The customer emails (visit booked, engineer on the way, work done) and the
engineer's assignment email are sent by triggers of notification_email
(work_order_notification.xml); the engineer also gets an in-app
notification."""
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from .notification import notify_users, users_of_employees


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    email_recipient = fields.Function(
        fields.Many2One('party.party', "Email Recipient",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'},
            help="The customer, when they accept notifications."),
        'get_email_recipient')
    engineer_recipient = fields.Function(
        fields.Many2One('party.party', "Engineer Recipient",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'}),
        'get_engineer_recipient')

    def get_email_recipient(self, name):
        if self.customer and self.customer.notification_consent:
            return self.customer.id

    def get_engineer_recipient(self, name):
        if self.engineer:
            return self.engineer.party.id

    def get_done_email_notes(self):
        """Return the paragraphs the email of the work done adds for the
        order, in the language of the context (the customer's)"""
        return []

    @classmethod
    def notify_assignment(cls, orders):
        super().notify_assignment(orders)
        for order in orders:
            if not order.engineer:
                continue
            users = users_of_employees([order.engineer])
            start = order.appointment_start
            notify_users(
                users, 'appliance_service.msg_notify_assignment', [order],
                icon='tryton-board',
                order=order.rec_name,
                customer=order.customer.rec_name,
                start=f'{start:%Y-%m-%d %H:%M}' if start else '',
                address=order.address.rec_name if order.address else '')

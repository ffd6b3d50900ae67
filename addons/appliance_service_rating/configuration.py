# This file is part of the appliance_service_rating module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
from trytond.model import fields
from trytond.pool import PoolMeta

from .follow_up import FOLLOW_UP_KINDS


class Configuration(metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    rating_link_days = fields.Integer(
        "Rating Link Validity", required=True,
        domain=[('rating_link_days', '>', 0)],
        help="In days: how long the customer may use the link "
        "sent to rate a finished visit.")
    follow_up_days = fields.Integer(
        "Follow-up Delay", required=True,
        domain=[('follow_up_days', '>=', 0)],
        help="In days after a work order is done: "
        "when customer service follows up with the customer.")
    follow_up_kind = fields.Selection(
        FOLLOW_UP_KINDS, "Follow-up Kind", required=True)

    @classmethod
    def default_rating_link_days(cls):
        return 14

    @classmethod
    def default_follow_up_days(cls):
        return 3

    @classmethod
    def default_follow_up_kind(cls):
        return 'call'

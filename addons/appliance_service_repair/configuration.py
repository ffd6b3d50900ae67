# This file is part of the appliance_service_repair module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    rework_days = fields.Integer(
        "Rework Days", required=True,
        domain=[('rework_days', '>', 0)],
        help="A repair of an appliance repaired less than so many days "
        "before counts as rework (usually 30 or 90).")
    completion_photo_required = fields.Boolean(
        "Photo Required at Completion",
        help="Work orders can be completed only with at least one photo "
        "attached.")

    @classmethod
    def default_rework_days(cls):
        return 30

    @classmethod
    def default_completion_photo_required(cls):
        return False

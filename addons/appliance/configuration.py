# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields


class Configuration(ModelSingleton, ModelSQL, ModelView):
    "Appliance configuration"
    __name__ = 'appliance.configuration'

    phone_region = fields.Char(
        "Default Phone Region", required=True, size=2,
        help="The ISO country code used for phone numbers "
        "entered without a country prefix.")
    warranty_reminder_days = fields.Integer(
        "Warranty Reminder Days", required=True,
        domain=[('warranty_reminder_days', '>', 0)],
        help="How many days before a coverage ends "
        "the customer is reminded.")

    @classmethod
    def default_phone_region(cls):
        return 'CN'

    @classmethod
    def default_warranty_reminder_days(cls):
        return 30

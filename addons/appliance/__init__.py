# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
"""The appliance registry of after-sales service.

Customers on party (mobile phone in E.164 with a duplicate warning, source,
notification and marketing consents; addresses with district and
coordinates) and their CSV import, brands with serial number formats,
appliance categories, appliance models (product templates), the registry of
appliances, warranty policies, the coverages computed from them and the
extended warranties, the warranty-expiry reminders, the configuration, the
groups of the service staff and the "Appliance Service" menu the other
modules fill.
"""

# This file is part of the appliance_service_rating module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""Ratings and follow-ups of finished visits.

When a work order is done the customer gets a single-use link to rate the
visit (overall, punctuality, attitude, quality) on a page that needs no
login (rating_routes.py); the rating can also be given on the engineer's
device or on the portal.  A follow-up call or visit is due a few days later
for customer service.
"""

# The routes are registered on trytond's WSGI application when the module is
# imported; they answer only on the databases where the module is activated.
from . import rating_routes  # noqa: F401

# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Analytics of the after-sales service: fault distribution, trends,
regional rates, repair quality, satisfaction, engineer performance, the
batch-defect alert, failure curves, the parts demand forecast, the role
dashboards and the wall screen."""

# The routes are registered on trytond's WSGI application when the module is
# imported; they answer only on the databases where the module is activated.
from . import wall_routes  # noqa: F401

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.

# The routes are registered on trytond's WSGI application when the module is
# imported; they answer only on the databases where the module is activated.
from . import (  # noqa: F401
    account, api, appliance, booking, engineer_pages, openapi, portal, staff)

api.install()

# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.

from . import rating_routes  # noqa: F401 the public rating page

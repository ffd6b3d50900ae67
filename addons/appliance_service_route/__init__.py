# This file is part of the appliance_service_route module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"""Route-aware dispatch: each engineer's day planned as a route.

The pure planner is appliance_service_dispatch/routing.py (PyVRP); this
module feeds it the engineers and work orders of a date and region, stores
the routes, their stops and times, dispatches the orders it served and
re-plans on demand or every evening for the next day."""

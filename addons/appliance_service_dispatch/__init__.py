# This file is part of the appliance_service_dispatch module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
"""Dispatch of work orders to the service engineers.

The Dispatch wizard ranks the eligible engineers of an order (skill, region,
working days and leave, workload and appointment window, distance) and
explains each cost; Auto Dispatch assigns many orders at once at the least
total cost (solver.py, a linear assignment per date); Reschedule moves
visits to another slot.  The weights of the costs are set per company in
the appliance configuration.
"""

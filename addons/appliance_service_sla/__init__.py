# This file is part of the appliance_service_sla module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Service level agreements of service requests and work orders.

Working calendars (hours per weekday, holidays) read in the company's time
zone; policies with response and resolution targets in working hours by
kind, priority, region and warranty status; the deadlines of each request
and order, the resolution clock paused while an order waits, the SLA status
(on track, at risk, breached, met) and a cron that alerts the owners once
per level.
"""

# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The service desk: service requests and work orders.

Service requests (consultations, complaints, repair, installation and
maintenance) with their categories, response due time and complaint
escalation; work orders with their workflow and the timeline the customer
sees; service regions and appointment slots booked without overbooking;
service engineers (employees with skills, regions, working days, leaves and
their own orders only); the customer emails and the engineers'
notifications.  Dispatch, repair, SLA, ratings and invoicing are in the
appliance_service_* modules.
"""

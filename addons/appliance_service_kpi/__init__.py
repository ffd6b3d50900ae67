# This file is part of the appliance_service_kpi module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""The one definition of each key performance indicator over work orders.

kpi.py holds the formulas as python-sql building blocks, fact.py the
read-only model with one row of facts per work order and the aggregation
used by the appraisals, the scorecards, the reports and the dashboards."""

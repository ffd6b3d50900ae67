# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The drill-down from a figure of a report to the work orders behind it."""
import datetime as dt

from trytond.pyson import PYSONEncoder
from trytond.tools.timezone import get_tzinfo
from trytond.wizard import StateAction, Wizard


def utc_bounds(company, start, end):
    """The UTC timestamps of the local midnights that start the day start
    and end the day end in the time zone of the company"""
    tz = get_tzinfo(company.timezone if company and company.timezone
        else 'UTC')
    utc = get_tzinfo('UTC')

    def midnight(date):
        local = dt.datetime.combine(date, dt.time()).replace(tzinfo=tz)
        return local.astimezone(utc).replace(tzinfo=None)
    return midnight(start), midnight(end + dt.timedelta(days=1))


def repairs_done_domain(company, start, end):
    "The done repairs of the company completed from the day start to end"
    domain = [
        ('company', '=', company.id),
        ('kind', '=', 'repair'),
        ('state', '=', 'done'),
        ]
    if start:
        domain.append(('done_at', '>=', utc_bounds(company, start, start)[0]))
    if end:
        domain.append(('done_at', '<', utc_bounds(company, end, end)[1]))
    return domain


def fault_type_domain(fault_type_id):
    "The orders whose actual fault, else reported fault, is the fault type"
    return ['OR',
        ('actual_fault_type', '=', fault_type_id),
        [
            ('actual_fault_type', '=', None),
            ('fault_type', '=', fault_type_id),
            ],
        ]


class DrillDownMixin:
    "A report whose rows open the work orders behind their figures"
    __slots__ = ()

    def work_order_domain(self):
        "The domain of the work orders behind the row"
        raise NotImplementedError


class OpenWorkOrders(Wizard):
    "Open the work orders behind report rows"
    __name__ = 'appliance.analytics.work_order.open'
    start_state = 'open_'
    open_ = StateAction('appliance_service.act_work_order_form')

    def do_open_(self, action):
        domain = ['OR'] + [r.work_order_domain() for r in self.records]
        action['pyson_domain'] = PYSONEncoder().encode(domain)
        action['name'] += ' (%s)' % ', '.join(
            r.rec_name for r in self.records[:3])
        return action, {}

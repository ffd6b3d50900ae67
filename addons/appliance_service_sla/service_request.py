# This file is part of the appliance_service_sla module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.model import fields
from trytond.modules.appliance_service.local_time import (
    company_timezone, local_date)
from trytond.pool import Pool, PoolMeta


class ServiceRequest(metaclass=PoolMeta):
    __name__ = 'appliance.service.request'

    sla_policy = fields.Many2One(
        'appliance.sla.policy', "SLA Policy", readonly=True,
        ondelete='RESTRICT')

    @classmethod
    def copy(cls, requests, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('sla_policy', None)
        return super().copy(requests, default=default)

    def get_sla_policy(self):
        pool = Pool()
        Policy = pool.get('appliance.sla.policy')
        Region = pool.get('appliance.service.region')
        region = None
        if self.address:
            region = Region.find_for_address(self.address)
        warranty_status = None
        if self.appliance:
            received = self.received_at or self._now()
            warranty_status = self.appliance.warranty_status_on(
                local_date(received, company_timezone(self.company)))
        return Policy.find(
            self.company, self.kind, self.priority, region, warranty_status)

    def compute_response_due(self):
        """Return when the first response is due.

        With an SLA policy, the response target counts working hours of its
        calendar; the policy found is kept on the request.
        """
        self.sla_policy = policy = self.get_sla_policy()
        if policy:
            start = self.received_at or self._now()
            return policy.working_time(company_timezone(self.company)).add(
                start, policy.response_hours)
        return super().compute_response_due()

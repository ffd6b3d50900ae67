# This file is part of the appliance_service_sla module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The SLA policies: response and resolution targets in working hours by
kind, priority, region and warranty status."""
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.modules.appliance.warranty import WARRANTY_STATUSES
from trytond.modules.appliance_service.service_request import KINDS, PRIORITIES
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .calendar import WorkingTime
from .exceptions import SlaPolicyError


class Policy(sequence_ordered(), DeactivableMixin, ModelSQL, ModelView):
    "SLA policy"
    __name__ = 'appliance.sla.policy'

    name = fields.Char("Name", required=True, translate=True)
    company = fields.Many2One('company.company', "Company", required=True)
    kind = fields.Selection(
        [(None, "")] + KINDS, "Kind",
        help="The kind of request or work order; leave empty for any.")
    priority = fields.Selection(
        [(None, "")] + PRIORITIES, "Priority", sort=False,
        help="Leave empty for any priority.")
    region = fields.Many2One(
        'appliance.service.region', "Region", ondelete='CASCADE',
        help="Leave empty for any region.")
    warranty = fields.Selection(
        WARRANTY_STATUSES, "Warranty Status", sort=False,
        help="Leave empty for appliances in and out of warranty.")
    response_hours = fields.Float(
        "Response Target", required=True, digits=(16, 2),
        help="Working hours within which an engineer must be assigned "
        "(for a work order) or the customer answered (for a request).")
    resolution_hours = fields.Float(
        "Resolution Target", digits=(16, 2),
        help="Working hours within which the work must be done; "
        "the time waiting for parts or the customer does not count.")
    calendar = fields.Many2One(
        'appliance.sla.calendar', "Calendar", ondelete='RESTRICT',
        help="Leave empty for the calendar of the configuration.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @property
    def specificity(self):
        "The number of criteria the policy sets"
        return sum(1 for c in [
                self.kind, self.priority, self.region, self.warranty] if c)

    @classmethod
    def validate_fields(cls, policies, field_names):
        super().validate_fields(policies, field_names)
        if field_names and not field_names & {
                'response_hours', 'resolution_hours'}:
            return
        for policy in policies:
            if (policy.response_hours <= 0
                    or (policy.resolution_hours is not None
                        and policy.resolution_hours <= 0)):
                raise SlaPolicyError(gettext(
                        'appliance_service_sla.msg_sla_policy_hours',
                        policy=policy.rec_name))
            if (policy.resolution_hours is not None
                    and policy.resolution_hours < policy.response_hours):
                raise SlaPolicyError(gettext(
                        'appliance_service_sla.msg_sla_policy_targets',
                        policy=policy.rec_name))

    @classmethod
    def find(cls, company, kind, priority, region=None,
            warranty_status=None):
        """Return the policy for the criteria or None.

        The policy matching the most criteria wins, then the first by
        sequence.  warranty_status is a key of WARRANTY_STATUSES; None means
        the status is unknown: only policies for any status match.
        """
        if not company:
            return None
        with without_check_access():
            policies = cls.search([
                    ('company', '=', company.id),
                    ('kind', 'in', [None, kind]),
                    ('priority', 'in', [None, priority]),
                    ('region', 'in', [None, region.id if region else None]),
                    ('warranty', 'in', [None, warranty_status]),
                    ],
                order=[('sequence', 'ASC NULLS LAST'), ('id', 'ASC')])
        if policies:
            # search returns them by sequence and sorted is stable
            return sorted(policies, key=lambda p: -p.specificity)[0]

    def working_time(self, timezone=None):
        pool = Pool()
        Calendar = pool.get('appliance.sla.calendar')
        calendar = self.calendar or Calendar.get_default()
        if calendar:
            return calendar.working_time(timezone)
        return WorkingTime(timezone=timezone)

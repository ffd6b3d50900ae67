# This file is part of the appliance_service_sla module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.model.exceptions import ValidationError


class SlaCalendarError(ValidationError):
    pass


class SlaPolicyError(ValidationError):
    pass

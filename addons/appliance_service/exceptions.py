# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import ValidationError


class EngineerLeaveError(ValidationError):
    pass


class SlotFullError(UserError):
    pass


class SlotPastError(UserError):
    pass


class WorkOrderStateError(UserError):
    pass


class BeforeAppointmentError(UserError):
    pass


class BeforeAppointmentWarning(UserWarning):
    pass

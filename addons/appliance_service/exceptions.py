# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import ValidationError


class PhoneValidationError(ValidationError):
    pass


class DuplicatePhoneWarning(UserWarning):
    pass


class DuplicatePhoneError(ValidationError):
    pass


class SerialValidationError(ValidationError):
    pass


class ApplianceDateError(ValidationError):
    pass


class CustomerImportError(UserError):
    pass


class EngineerLeaveError(ValidationError):
    pass


class SlotFullError(UserError):
    pass


class SlotPastError(UserError):
    pass


class WorkOrderStateError(UserError):
    pass


class DispatchError(UserError):
    pass


class CompletionError(UserError):
    pass


class RatingError(UserError):
    pass


class QuoteError(UserError):
    pass


class RepairPlanError(UserError):
    pass


class SlaCalendarError(ValidationError):
    pass


class SlaPolicyError(ValidationError):
    pass


class ChargeError(UserError):
    pass


class FollowUpError(UserError):
    pass

# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import ValidationError


class PhoneValidationError(ValidationError):
    pass


class DuplicatePhoneWarning(UserWarning):
    pass


class SerialValidationError(ValidationError):
    pass


class ApplianceDateError(ValidationError):
    pass


class CustomerImportError(UserError):
    pass

# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.exceptions import LoginException, UserError
from trytond.model.exceptions import AccessError, ValidationError
from trytond.res.user import PasswordError


class PasswordStrengthError(PasswordError):
    pass


class AppendOnlyError(AccessError):
    pass


class TOTPError(UserError):
    pass


class SecondFactorRequired(LoginException):
    "The password is right and a second factor must be given"

    def __init__(self, message):
        super().__init__('totp_code', message, type='char')


class ConfigurationValidationError(ValidationError):
    pass


class RoleMoveError(UserError):
    pass


class FieldKeyConfigError(UserError):
    pass


class IdCardValidationError(ValidationError):
    pass

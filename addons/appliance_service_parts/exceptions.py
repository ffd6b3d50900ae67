# This file is part of the appliance_service_parts module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class PartFitError(ValidationError):
    pass


class PartsIssueError(UserError):
    pass


class PartsCompletionError(UserError):
    pass


class DefectivePartError(ValidationError):
    pass


class ClaimError(UserError):
    pass

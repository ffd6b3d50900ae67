# This file is part of the appliance_service_hr module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class CertificateError(ValidationError):
    pass


class TrainingError(UserError):
    pass


class AppraisalError(UserError):
    pass

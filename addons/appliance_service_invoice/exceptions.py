# This file is part of the appliance_service_invoice module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
from trytond.exceptions import UserError


class ChargeError(UserError):
    pass


class QuoteError(UserError):
    pass

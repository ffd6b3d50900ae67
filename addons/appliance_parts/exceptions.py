# This file is part of the appliance_parts module.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license
# terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class PartCategoryError(ValidationError):
    pass


class PartSubstituteError(ValidationError):
    pass


class SerialError(UserError):
    pass


class PartShortageError(UserError):
    pass


class VanError(UserError):
    pass


class PurchaseApprovalError(UserError):
    pass


class ReceiptError(UserError):
    pass


class InventoryCountError(ValidationError):
    pass


class LocationError(ValidationError):
    pass

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The company that serves the customers of the portal: the one of their
account, set when they sign up to the company flagged Customer Portal.  The
customer routes run in it (api.as_customer)."""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Company(metaclass=PoolMeta):
    __name__ = 'company.company'

    portal = fields.Boolean(
        "Customer Portal",
        help="The company serves the customers who sign up on the portal; "
        "one company at most.")

    @classmethod
    def default_portal(cls):
        return False

    @classmethod
    def validate_fields(cls, companies, field_names):
        super().validate_fields(companies, field_names)
        if 'portal' in field_names:
            cls.check_portal()

    @classmethod
    def check_portal(cls):
        if cls.search([('portal', '=', True)], count=True) > 1:
            raise ValidationError(gettext(
                    'appliance_portal.msg_portal_company_unique'))

    @classmethod
    def portal_company(cls):
        "Return the company of the portal's sign-ups, or None"
        companies = cls.search([('portal', '=', True)], limit=1)
        return companies[0] if companies else None


class User(metaclass=PoolMeta):
    __name__ = 'web.user'

    company = fields.Many2One(
        'company.company', "Company", required=True, ondelete='RESTRICT',
        help="The company that serves the customer of the account.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # The language and the consents of the customer are the company's
        for name in ['party', 'secondary_parties']:
            field = getattr(cls, name)
            field.context = {
                **(field.context or {}),
                'company': Eval('company', -1),
                }
            field.depends = set(field.depends or ()) | {'company'}

    @classmethod
    def default_company(cls):
        return (Transaction().context.get('company')
            or cls.portal_company_id())

    @classmethod
    def portal_company_id(cls):
        "The id of the company of the portal's sign-ups, or None"
        Company = Pool().get('company.company')
        company = Company.portal_company()
        return company.id if company else None

    @classmethod
    def sign_up(cls, email, password, party_values):
        "Refuse the sign-up when no company serves the portal's customers"
        if not cls.default_company():
            raise ValidationError(gettext(
                    'appliance_portal.msg_error_no_company'))
        return super().sign_up(email, password, party_values)

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The customer accounts of the portal: sign-up and the messages that tell
an owner they already have an account."""
import trytond.config as config
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.appliance_security.sms import send_sms
from trytond.modules.appliance_service.local_time import utc_now
from trytond.pool import Pool, PoolMeta
from trytond.report import get_email
from trytond.sendmail import send_message_transactional
from trytond.tools.email_ import set_from_header
from trytond.transaction import Transaction, without_check_access

# The version of the privacy policy the portal shows; a new text gets a new
# version so that the consent of each account tells which text it accepted
PRIVACY_POLICY_VERSION = '2026-01'


def privacy_policy_version():
    return config.get('appliance_portal', 'privacy_policy_version',
        default=PRIVACY_POLICY_VERSION)


class User(metaclass=PoolMeta):
    __name__ = 'web.user'

    privacy_policy_version = fields.Char(
        "Privacy Policy Version", readonly=True,
        help="The version of the privacy policy the customer accepted.")
    privacy_consent_date = fields.DateTime(
        "Privacy Policy Accepted", readonly=True,
        help="When the customer accepted the privacy policy.")

    def get_email_validation_url(self, url=None):
        "Link to the portal page when no URL is configured"
        if url is None and not config.get('web', 'email_validation_url'):
            portal = Transaction().context.get('portal_url')
            if portal:
                url = portal + '#/validate'
        return super().get_email_validation_url(url=url)

    def get_email_reset_password_url(self, url=None):
        "Link to the portal page when no URL is configured"
        if url is None and not config.get('web', 'reset_password_url'):
            portal = Transaction().context.get('portal_url')
            if portal:
                url = portal + '#/reset'
        return super().get_email_reset_password_url(url=url)

    @property
    def portal_url(self):
        return Transaction().context.get('portal_url') or ''

    @classmethod
    def sign_up(cls, email, password, party_values):
        """Create the account of email with its customer of party_values and
        send the link that confirms the address"""
        pool = Pool()
        Party = pool.get('party.party')
        party = Party(**party_values)
        party.contact_mechanisms = [{'type': 'email', 'value': email}]
        party.save()
        cls.set_mobile(party, party.mobile_number)
        user = cls(email=email, party=party)
        user.password = password
        user.save()
        cls.record_privacy_consent([user])
        cls.validate_email([user])
        return user

    @classmethod
    def record_privacy_consent(cls, users):
        "Record that users accept the current privacy policy, and when"
        cls.write(users, {
                'privacy_policy_version': privacy_policy_version(),
                'privacy_consent_date': utc_now(),
                })

    @classmethod
    def set_mobile(cls, party, mobile):
        """Set the mobile number of party, where the SMS of the password
        reset and of the second factor go; a mobile contact of the party
        would keep it in clear, so it is removed"""
        pool = Pool()
        ContactMechanism = pool.get('party.contact_mechanism')
        party.mobile_number = mobile
        party.save()
        ContactMechanism.delete([m for m in party.contact_mechanisms
                if m.type == 'mobile'])

    @classmethod
    def send_account_exists(cls, users):
        "Email the owners of users that they already have an account"
        from_ = config.get('email', 'from')
        for user in users:
            message, title = get_email(
                'web.user.email_account_exists', user, user.languages)
            set_from_header(message, from_, from_)
            message['To'] = user.email
            message['Subject'] = title
            send_message_transactional(message)

    @classmethod
    def send_account_exists_sms(cls, users, mobile):
        "Tell by SMS the owner of mobile that they already have an account"
        for user in users:
            with Transaction().set_context(language=(user.party.lang.code
                        if user.party and user.party.lang else None)):
                send_sms(gettext('appliance_portal.msg_sms_account_exists'),
                    mobile)

    @classmethod
    @without_check_access
    def find_by_mobile(cls, mobile):
        "Return the one active account whose customer has mobile, or None"
        users = cls.search([
                ('party.mobile_number', '=', mobile),
                ('active', '=', True),
                ], limit=2)
        if len(users) == 1:
            return users[0]

# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields
from trytond.pool import Pool

MINUTES = "In minutes."


def _positive(name):
    return [(name, '>', 0)]


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'appliance.security.configuration'
    __string__ = "Security Configuration"

    password_min_score = fields.Integer(
        "Minimum Password Strength", required=True,
        domain=[
            ('password_min_score', '>=', 0),
            ('password_min_score', '<=', 4),
            ],
        help="The zxcvbn score a password must reach, "
        "from 0 (anything) to 4 (very hard to guess).")

    mfa_groups = fields.Many2Many(
        'appliance.security.configuration-mfa-res.group',
        'configuration', 'group', "Two-Factor Mandatory For",
        help="The users of these groups must use a second factor "
        "after the grace period.")
    mfa_grace_days = fields.Integer(
        "Grace Days", required=True,
        domain=[('mfa_grace_days', '>=', 0)],
        help="Days a user of these groups may still log in "
        "without a second factor, counted from the user's creation "
        "or from the policy date when later.")
    mfa_policy_date = fields.Date(
        "Policy Date",
        help="When the mandatory second factor was introduced.")

    throttle_window = fields.Integer(
        "Throttle Window", required=True, domain=_positive('throttle_window'),
        help=MINUTES)
    throttle_account = fields.Integer(
        "Failures per Account", required=True,
        domain=_positive('throttle_account'),
        help="Login attempts on an account are refused once it had that "
        "many failures within the window.")
    throttle_ip = fields.Integer(
        "Failures per IP Address", required=True,
        domain=_positive('throttle_ip'),
        help="Login attempts from an address are refused once it had that "
        "many failures within the window.")

    alert_window = fields.Integer(
        "Alert Window", required=True, domain=_positive('alert_window'),
        help=MINUTES)
    alert_account = fields.Integer(
        "Alert on Failures per Account", required=True,
        domain=_positive('alert_account'))
    alert_ip = fields.Integer(
        "Alert on Failures per IP Address", required=True,
        domain=_positive('alert_ip'))
    alert_groups = fields.Many2Many(
        'appliance.security.configuration-alert-res.group',
        'configuration', 'group', "Alert",
        help="The users of these groups are notified of a burst of "
        "failed logins.")

    reset_code_ttl = fields.Integer(
        "SMS Reset Code Validity", required=True,
        domain=_positive('reset_code_ttl'), help=MINUTES)
    reset_code_attempts = fields.Integer(
        "SMS Reset Code Attempts", required=True,
        domain=_positive('reset_code_attempts'))

    @classmethod
    def default_password_min_score(cls):
        return 3

    @classmethod
    def default_mfa_groups(cls):
        "Administrators and Service Managers must use a second factor"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        return [ModelData.get_id(module, fs_id) for module, fs_id in [
                ('res', 'group_admin'),
                ('appliance', 'group_appliance_admin'),
                ('appliance', 'group_manager'),
                ]]

    @classmethod
    def default_mfa_grace_days(cls):
        return 14

    @classmethod
    def default_throttle_window(cls):
        return 15

    @classmethod
    def default_throttle_account(cls):
        return 10

    @classmethod
    def default_throttle_ip(cls):
        return 50

    @classmethod
    def default_alert_window(cls):
        return 10

    @classmethod
    def default_alert_account(cls):
        return 5

    @classmethod
    def default_alert_ip(cls):
        return 20

    @classmethod
    def default_alert_groups(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        return [ModelData.get_id('res', 'group_admin')]

    @classmethod
    def default_reset_code_ttl(cls):
        return 15

    @classmethod
    def default_reset_code_attempts(cls):
        return 5


class ConfigurationMFAGroup(ModelSQL):
    __name__ = 'appliance.security.configuration-mfa-res.group'
    configuration = fields.Many2One(
        'appliance.security.configuration', "Configuration",
        required=True, ondelete='CASCADE')
    group = fields.Many2One(
        'res.group', "Group", required=True, ondelete='CASCADE')


class ConfigurationAlertGroup(ModelSQL):
    __name__ = 'appliance.security.configuration-alert-res.group'
    configuration = fields.Many2One(
        'appliance.security.configuration', "Configuration",
        required=True, ondelete='CASCADE')
    group = fields.Many2One(
        'res.group', "Group", required=True, ondelete='CASCADE')

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import trytond.config as config
from trytond.pool import PoolMeta
from trytond.transaction import Transaction


class User(metaclass=PoolMeta):
    __name__ = 'web.user'

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

# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The SMS adapter: a small interface and a stand-in that logs the messages.

authentication_sms calls the function named by [authentication_sms] function
with (text, to, from_): point it at trytond.modules.appliance_security.sms.
send_sms.  The adapter class comes from [appliance_security] sms_adapter
(default: LoggingSMSAdapter) until the project's real SMS gateway exists.
"""
import logging
from collections import deque

import trytond.config as config
from trytond.tools import resolve

from .common import SECTION

logger = logging.getLogger(__name__)


class SMSAdapter:
    "Send a text message to a phone number"

    def send(self, text, to, from_=None):
        raise NotImplementedError


class LoggingSMSAdapter(SMSAdapter):
    """Stand-in adapter: log the message instead of sending it.

    The last messages stay in `sent` for the tests and the demo."""
    sent = deque(maxlen=100)

    def send(self, text, to, from_=None):
        self.sent.append({'text': text, 'to': to, 'from': from_})
        logger.info("SMS to %s from %s: %s", to, from_, text)


def get_adapter():
    name = config.get(SECTION, 'sms_adapter', default=None)
    adapter = resolve(name) if name else LoggingSMSAdapter
    return adapter()


def send_sms(text, to, from_=None):
    "The [authentication_sms] function"
    if from_ is None:
        from_ = config.get('authentication_sms', 'from', default=None)
    return get_adapter().send(text, to, from_)

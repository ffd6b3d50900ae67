# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The password strength rule shared by staff and web users.

trytond keeps checking the [password] length and forbidden list, and refuses
a password equal to the name, login or email; this adds a zxcvbn score and
refuses a password that contains them.
"""
from zxcvbn import zxcvbn

from trytond.i18n import gettext
from trytond.pool import Pool

from .exceptions import PasswordStrengthError

# Shorter personal values are found by chance in good passwords
MIN_CONTAINED = 3
# zxcvbn is slow on very long inputs and they are strong anyway; it refuses
# more than 72 characters
MAX_SCORED = 72


def personal_values(user):
    "Yield (kind, value) of what a password must not contain"
    # getattr as trytond does: web users have no name nor login
    for kind in ['login', 'name', 'email']:
        value = getattr(user, kind, None)
        if value:
            yield kind, value
    email = getattr(user, 'email', None)
    if email and '@' in email:
        yield 'email', email.split('@', 1)[0]
    party = getattr(user, 'party', None)
    if party is not None and getattr(party, 'name', None):
        yield 'name', party.name


def check_strength(password, users=()):
    pool = Pool()
    Configuration = pool.get('appliance.security.configuration')
    lowered = password.lower()
    inputs = []
    for user in users:
        for kind, value in personal_values(user):
            value = value.strip().lower()
            if len(value) >= MIN_CONTAINED and value in lowered:
                raise PasswordStrengthError(gettext(
                        'appliance_security.msg_password_contains_%s' % kind))
            inputs.append(value)
    minimum = Configuration(1).password_min_score
    if minimum:
        score = zxcvbn(password[:MAX_SCORED], user_inputs=inputs)['score']
        if score < minimum:
            raise PasswordStrengthError(gettext(
                    'appliance_security.msg_password_weak',
                    score=score, minimum=minimum))

# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.

# trytond does not pass the user agent nor the session key along to the
# models: the middleware keeps them for the login log, the trusted devices and
# the revocation of the other sessions.
from . import wsgi

wsgi.install()

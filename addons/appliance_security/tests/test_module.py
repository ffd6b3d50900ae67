# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.tests.test_tryton import ModuleTestCase


class ApplianceSecurityTestCase(ModuleTestCase):
    "Test Appliance Security module"
    module = 'appliance_security'


del ModuleTestCase

# This file is part of the appliance_service_parts module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class TestCase(CompanyTestMixin, ModuleTestCase):
    "Test appliance_service_parts module"
    module = 'appliance_service_parts'


del ModuleTestCase

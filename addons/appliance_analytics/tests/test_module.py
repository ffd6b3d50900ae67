# This file is part of the appliance service project.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices
# and license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class TestCase(CompanyTestMixin, ModuleTestCase):
    "Test appliance_analytics module"
    module = 'appliance_analytics'


del ModuleTestCase

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase

from .tools import FEATURES


class AppliancePortalTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Appliance Portal module"
    module = 'appliance_portal'
    extras = FEATURES
    # The database of the API tests: one activation for all the classes
    language = 'zh_CN'


del ModuleTestCase

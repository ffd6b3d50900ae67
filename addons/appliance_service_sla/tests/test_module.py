# This file is part of the appliance_service_sla module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class ApplianceServiceSlaTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Appliance Service SLA module"
    module = 'appliance_service_sla'


del ModuleTestCase

# This file is part of the appliance_service_dispatch module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
from trytond.modules.appliance_service_dispatch.solver import WEIGHTS, Weights
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction


class ApplianceServiceDispatchTestCase(CompanyTestMixin, ModuleTestCase):
    "Test Appliance Service Dispatch module"
    module = 'appliance_service_dispatch'

    @with_transaction()
    def test_weights_default(self):
        "Test the dispatch weights default to those of the solver"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        company = create_company()
        with set_company(company):
            config = Configuration(1)
            self.assertEqual(config.dispatch_weights(company), WEIGHTS)

    @with_transaction()
    def test_weights_per_company(self):
        "Test each company has its own dispatch weights"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        company = create_company()
        other = create_company(name="Other")
        with set_company(company):
            config = Configuration(1)
            config.dispatch_distance_weight = 2.5
            config.dispatch_unassigned_weight = 500
            config.save()
        with set_company(other):
            config = Configuration(1)
            self.assertEqual(config.dispatch_weights(other), WEIGHTS)
            self.assertEqual(
                config.dispatch_weights(company),
                Weights(distance=2.5, skill=WEIGHTS.skill,
                    workload=WEIGHTS.workload, window=WEIGHTS.window,
                    unknown_distance_km=WEIGHTS.unknown_distance_km,
                    unassigned=500))


del ModuleTestCase

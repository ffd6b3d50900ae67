# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Property-based run of schemathesis against the OpenAPI document.

Every operation of the document is called with generated valid and invalid
data, as a customer, as an agent or anonymously; no answer may be a server
error (5xx).  SCHEMATHESIS_EXAMPLES sets the examples per operation and
mode (default 14: 1,008 requests).  The answers are also checked against
the document (status codes, content types, bodies): with
SCHEMATHESIS_STRICT=1 a mismatch fails the test, else it is printed.
"""
import os
import unittest

from trytond.tests.test_tryton import RouteTestCase
from trytond.wsgi import app

from .api_client import ApiMixin
from .tools import PortalTestMixin

try:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance, response_schema_conformance,
        status_code_conformance)
    CHECKS = [status_code_conformance, content_type_conformance,
        response_schema_conformance]
except ImportError:
    schemathesis = None

EXAMPLES = int(os.environ.get('SCHEMATHESIS_EXAMPLES', 14))
MINIMUM_REQUESTS = 1000
# Fail on answers that do not match the document (always on 5xx)
STRICT = bool(int(os.environ.get('SCHEMATHESIS_STRICT', 0)))


@unittest.skipIf(schemathesis is None, "schemathesis is not installed")
class SchemathesisTestCase(PortalTestMixin, ApiMixin, RouteTestCase):
    "Fuzz the API from its OpenAPI document"

    def test_no_server_error(self):
        "No generated request gets a 5xx answer"
        token, _ = self.signup()
        appliance = self.register(token)
        self.book(token, appliance['id'])
        agent = self.staff_token('agent')
        customer = {'Authorization': f'Bearer {token}'}

        schema = schemathesis.openapi.from_wsgi(
            f'/{self.db_name}/api/v1/openapi.json', app)
        count = 0
        failures = []
        # The answers match the document: status codes, types and bodies
        mismatches = set()
        for result in schema.get_all_operations():
            operation = result.ok()
            if 'Trytond REST' in (operation.tags or []):
                continue
            path = operation.path
            if path.startswith('/staff/'):
                headers = agent
            elif operation.definition.raw.get('security'):
                headers = customer
            else:
                headers = {}
            if path in {'/auth/logout', '/staff/logout'}:
                # Do not end the sessions the other operations use
                headers = {}
            for mode in [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]:
                strategy = operation.as_strategy(generation_mode=mode)

                @settings(max_examples=EXAMPLES, deadline=None,
                    database=None, phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck))
                @given(case=strategy)
                def run(case):
                    nonlocal count
                    response = case.call(headers=dict(headers))
                    count += 1
                    if response.status_code >= 500:
                        failures.append(
                            f'{case.method} {case.formatted_path} '
                            f'{case.query} {case.body!r:.200} -> '
                            f'{response.status_code} {response.text:.300}')
                    try:
                        case.validate_response(response, checks=CHECKS)
                    except (Exception, BaseExceptionGroup):
                        mismatches.add(
                            f'{case.method} {operation.path} '
                            f'{response.status_code}: '
                            f'{response.text:.200}')
                try:
                    run()
                except Unsatisfiable:
                    # No invalid data for an operation without input
                    pass
        self.assertEqual(failures, [])
        if mismatches:
            report = '\n'.join(sorted(mismatches))
            print(f"\nschemathesis: answers outside the document:\n{report}")
            if STRICT:
                self.fail(report)
        self.assertGreaterEqual(count, MINIMUM_REQUESTS * EXAMPLES // 20)
        print(f"\nschemathesis: {count} requests, no server error")

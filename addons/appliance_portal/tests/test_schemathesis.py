# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Property-based run of schemathesis against the OpenAPI document.

Every operation of the document is called with generated valid and invalid
data, as a customer, as an agent or anonymously; no answer may be a server
error (5xx).  SCHEMATHESIS_EXAMPLES sets the examples per operation and
mode (default 50 on PostgreSQL: about 4,000 requests; 14 on SQLite).  A
stateful phase then chains the operations by the links schemathesis infers
from the document (a created appliance or request is read, cancelled,
rescheduled, rated...) for SCHEMATHESIS_SCENARIOS scenarios of at most 10
steps (default 100 on PostgreSQL, 30 on SQLite); on PostgreSQL both phases
together make at least 5,000 requests.  The answers are also checked against
the document (status codes, content types, bodies): with
SCHEMATHESIS_STRICT=1 a mismatch fails the test, else it is printed.
"""
import os
import unittest

import trytond.config as config
from trytond.tests.test_tryton import RouteTestCase
from trytond.wsgi import app

from .api_client import ApiMixin
from .tools import PortalTestMixin

try:
    import hypothesis
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Flaky, Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance, response_schema_conformance,
        status_code_conformance)
    CHECKS = [status_code_conformance, content_type_conformance,
        response_schema_conformance]
except ImportError:
    schemathesis = None

# The full run on PostgreSQL, the production database, whose types are the
# strictest (integer ranges, text encodings); a shorter one on SQLite
POSTGRESQL = (config.get('database', 'uri') or '').startswith('postgresql')
EXAMPLES = int(os.environ.get(
        'SCHEMATHESIS_EXAMPLES', 50 if POSTGRESQL else 14))
SCENARIOS = int(os.environ.get(
        'SCHEMATHESIS_SCENARIOS', 100 if POSTGRESQL else 30))
# Steps of a stateful scenario at most
STEPS = 10
MINIMUM_REQUESTS = 5000
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

        def headers_of(operation):
            path = operation.path
            if path in {'/auth/logout', '/staff/logout'}:
                # Do not end the sessions the other operations use
                return {}
            if path.startswith('/staff/'):
                return agent
            if operation.definition.raw.get('security'):
                return customer
            return {}

        def check(case, response):
            nonlocal count
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
                    f'{case.method} {case.operation.path} '
                    f'{response.status_code}: {response.text:.200}')

        for result in schema.get_all_operations():
            operation = result.ok()
            if 'Trytond REST' in (operation.tags or []):
                continue
            headers = headers_of(operation)
            for mode in [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]:
                strategy = operation.as_strategy(generation_mode=mode)

                @settings(max_examples=EXAMPLES, deadline=None,
                    database=None, phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck))
                @given(case=strategy)
                def run(case):
                    check(case, case.call(headers=dict(headers)))
                try:
                    run()
                except Unsatisfiable:
                    # No invalid data for an operation without input
                    pass
        stateless = count

        workflows = schema.exclude(tag='Trytond REST').as_state_machine()

        class Workflow(workflows):
            "Chains of calls along the links inferred from the document"

            def get_call_kwargs(self, case):
                return {'headers': dict(headers_of(case.operation))}

            def validate_response(self, response, case, **kwargs):
                check(case, response)

        target = SCENARIOS * 5
        if EXAMPLES >= 50:
            target = max(target, MINIMUM_REQUESTS - stateless)
        suites = 0
        while count - stateless < target and suites < 50:
            suites += 1
            try:
                # The data lives in the database: a scenario replayed meets
                # another state, so only the generation phase runs
                hypothesis.seed(suites)(Workflow).run(settings=settings(
                        max_examples=SCENARIOS, stateful_step_count=STEPS,
                        deadline=None, database=None, phases=[Phase.generate],
                        suppress_health_check=list(HealthCheck)))
            except Flaky:
                # As schemathesis' own runner does: the database answered
                # differently to a scenario drawn again, so another suite
                # goes on with another seed (the answers were checked)
                continue
        stateful = count - stateless
        self.assertEqual(failures, [])
        if mismatches:
            report = '\n'.join(sorted(mismatches))
            print(f"\nschemathesis: answers outside the document:\n{report}")
            if STRICT:
                self.fail(report)
        self.assertGreaterEqual(stateful, target)
        self.assertGreaterEqual(count,
            MINIMUM_REQUESTS if EXAMPLES >= 50 else 1000)
        print(f"\nschemathesis: {count} requests ({stateless} generated per "
            f"operation, {stateful} in {suites} stateful suites), "
            "no server error")

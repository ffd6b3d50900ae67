# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The OpenAPI 3.1 document, generated from the routes of api.ROUTES and
the JSON schemas of their pydantic models."""
import re
from typing import List

from pydantic import BaseModel, TypeAdapter

from trytond.pool import Pool

from .api import ROUTES, route

VERSION = '1.1.0'
REF = '#/components/schemas/{model}'
ERROR_DESCRIPTIONS = {
    400: "Malformed request: not JSON, nested too deep, not an object or "
    "no body",
    401: "Not authenticated, wrong credentials, or a second factor or a "
    "new password is needed",
    403: "Forbidden to this user, or a browser request from an Origin the "
    "server does not allow ([web] cors)",
    404: "Not found, or belongs to someone else",
    405: "Method not allowed (see Allow)",
    409: "Slot full, already rated or wrong state",
    413: "Request too large",
    415: "The body is not JSON",
    422: "Refused by the schema (unknown, missing or ill-typed field) or by "
    "the validation rules",
    429: "Too many attempts (see Retry-After)",
    501: "Not available on this server",
    503: "Busy: try again after Retry-After seconds",
    }
# Every operation may answer these (403 for a foreign Origin)
COMMON_ERRORS = {403, 404, 405, 503}
CUSTOMER_SECURITY = [{'customerToken': []}]
STAFF_SECURITY = [{'staffKey': []}, {'staffSession': []}, {'staffBasic': []}]


def _path(path):
    return '/' + re.sub(r'<(?:\w+:)?(\w+)>', r'{\1}', path)


def _path_parameters(path):
    parameters = []
    for converter, name in re.findall(r'<(?:(\w+):)?(\w+)>', path):
        schema = ({'type': 'integer', 'minimum': 1, 'maximum': 2 ** 31 - 1}
            if converter == 'int' else {'type': 'string'})
        parameters.append({
                'name': name,
                'in': 'path',
                'required': True,
                'schema': schema,
                })
    return parameters


def json_schema(type_, mode, components):
    """Return the JSON schema of type_ with its definitions in components;
    a model is a reference to its definition"""
    model = isinstance(type_, type) and issubclass(type_, BaseModel)
    schema = TypeAdapter(List[type_] if model else type_).json_schema(
        mode=mode, ref_template=REF)
    components.update(schema.pop('$defs', {}))
    return schema['items'] if model else schema


def _not_null(schema):
    "A parameter of the query is absent rather than null"
    options = [o for o in schema.get('anyOf', []) if o != {'type': 'null'}]
    if len(options) == 1:
        schema = {**{k: v for k, v in schema.items() if k != 'anyOf'},
            **options[0]}
    if schema.get('default', 0) is None:
        del schema['default']
    return schema


def _query_parameters(model, components):
    schema = model.model_json_schema(mode='validation', ref_template=REF)
    components.update(schema.pop('$defs', {}))
    required = set(schema.get('required', []))
    parameters = []
    for name, property_ in schema.get('properties', {}).items():
        description = property_.pop('description', None)
        property_.pop('title', None)
        property_ = _not_null(property_)
        parameter = {
            'name': name,
            'in': 'query',
            'required': name in required,
            'schema': property_,
            }
        if description:
            parameter['description'] = description
        parameters.append(parameter)
    return parameters


def _operation(entry, components):
    operation = {
        'operationId': entry.operation_id,
        'summary': entry.summary,
        'tags': entry.tags,
        'responses': {},
        }
    if entry.description:
        operation['description'] = entry.description
    parameters = _path_parameters(entry.path)
    if entry.query is not None:
        parameters += _query_parameters(entry.query, components)
    if parameters:
        operation['parameters'] = parameters
    if entry.body is not None:
        operation['requestBody'] = {
            'required': True,
            'content': {
                'application/json': {
                    'schema': json_schema(
                        entry.body, 'validation', components)},
                },
            }
    status = str(entry.status)
    if entry.response is not None:
        operation['responses'][status] = {
            'description': "Success",
            'content': {
                'application/json': {
                    'schema': json_schema(
                        entry.response, 'serialization', components)},
                },
            }
    else:
        operation['responses'][status] = {'description': "Success"}
    if entry.status == 201 and entry.location:
        operation['responses'][status]['headers'] = {
            'Location': {'description': "The address of the new record",
                'schema': {'type': 'string', 'format': 'uri'}}}
    errors = set(entry.errors) | COMMON_ERRORS
    if entry.auth != 'none':
        errors.add(401)
        operation['security'] = (CUSTOMER_SECURITY
            if entry.auth == 'customer' else STAFF_SECURITY)
    else:
        operation['security'] = []
    if entry.body is not None or entry.query is not None:
        errors.add(422)
    if entry.body is not None:
        errors |= {400, 413, 415}
    for code in sorted(errors):
        operation['responses'][str(code)] = {
            '$ref': f'#/components/responses/E{code}'}
    return operation


def _trytond_rest():
    "trytond's built-in model API, documented beside ours"
    servers = [{'url': '../../rest', 'description': "trytond REST API"}]
    name = {'name': 'name', 'in': 'path', 'required': True,
        'schema': {'type': 'string'}, 'example': 'appliance.work_order'}
    id_ = {'name': 'id', 'in': 'path', 'required': True,
        'schema': {'type': 'integer', 'minimum': 1}}
    common = {
        'tags': ['Trytond REST'],
        'security': [{'staffKey': []}],
        'responses': {
            '200': {'description': "JSON of the records"},
            '401': {'description': "Missing or wrong user application key"},
            '403': {'description': "Forbidden"},
            '404': {'description': "Not found"},
            },
        }
    search_params = [name,
        {'name': 'd', 'in': 'query', 'schema': {'type': 'string'},
            'description': "Domain as URL-safe base64 of JSON"},
        {'name': 'f', 'in': 'query', 'schema': {
                'type': 'array', 'items': {'type': 'string'}},
            'description': "Fields to read (repeat)"},
        {'name': 's', 'in': 'query', 'schema': {'type': 'integer'},
            'description': "Size (limit)"},
        {'name': 'p', 'in': 'query', 'schema': {'type': 'integer'},
            'description': "Offset"},
        {'name': 'o', 'in': 'query', 'schema': {'type': 'string'},
            'description': "Order as URL-safe base64 of JSON"},
        ]
    return {
        '/model/{name}': {
            'servers': servers,
            'get': {**common, 'operationId': 'rest_search',
                'summary': "Search and read records, e.g. work orders "
                "filtered by a domain",
                'parameters': search_params},
            'post': {**common, 'operationId': 'rest_create',
                'summary': "Create a record",
                'parameters': [name],
                'requestBody': {'content': {'application/json': {
                                'schema': {'type': 'object'}}}}},
            },
        '/model/{name}/{id}': {
            'servers': servers,
            'get': {**common, 'operationId': 'rest_read',
                'summary': "Read a record", 'parameters': [name, id_]},
            'put': {**common, 'operationId': 'rest_write',
                'summary': "Write a record", 'parameters': [name, id_],
                'requestBody': {'content': {'application/json': {
                                'schema': {'type': 'object'}}}}},
            'delete': {**common, 'operationId': 'rest_delete',
                'summary': "Delete a record", 'parameters': [name, id_]},
            },
        '/model/{name}/{id}/{action}': {
            'servers': servers,
            'post': {**common, 'operationId': 'rest_action',
                'summary': "Call a button, e.g. dispatch or start of "
                "appliance.work_order",
                'parameters': [name, id_, {'name': 'action', 'in': 'path',
                        'required': True, 'schema': {'type': 'string'},
                        'example': 'start'}]},
            },
        }


ERROR_SCHEMA = {
    'type': 'object',
    'required': ['error'],
    'additionalProperties': False,
    'properties': {
        'error': {
            'type': 'object',
            'required': ['code', 'message'],
            'additionalProperties': False,
            'properties': {
                'code': {'type': 'string', 'example': 'not_found'},
                'message': {'type': 'string',
                    'description': "Translated by Accept-Language"},
                'field': {'type': 'string',
                    'description': "The refused field, as a dotted path",
                    'example': 'address.city'},
                },
            },
        },
    }
DESCRIPTION = (
    "Customer endpoints authenticate with the bearer token of POST "
    "/auth/login.  Staff endpoints take a user application key of trytond's "
    "REST API as bearer token, the session of POST /staff/login "
    "(`Authorization: Session <token>`) or the login and password (Basic).  "
    "Bodies are JSON objects (Content-Type application/json) nested at most "
    "200 levels; unknown fields are refused (422), as are numbers sent as "
    "strings.  Errors are `{\"error\": {\"code\", \"message\", \"field\"}}` "
    "with the message in the language of Accept-Language (en, zh-CN).  "
    "List endpoints page with limit and offset and take updated_since.  "
    "Date times are in the time zone of the company with their offset (ISO "
    "8601, e.g. 2026-12-02T09:00:00+08:00); sent without offset they are "
    "read in that time zone.  Texts may not hold control characters, C1 "
    "included (multi-line texts take line breaks and tabs).  A failed "
    "login makes the next answer for that account wait longer (2^n - 1 "
    "seconds after n failures), and more than [session] max_attempt "
    "failures within [session] timeout seconds answer 429 with "
    "Retry-After.")


def build(base_url):
    components = {}
    paths = {}
    for entry in ROUTES:
        if not entry.public:
            continue
        item = paths.setdefault(_path(entry.path), {})
        item[entry.method.lower()] = _operation(entry, components)
    paths.update(_trytond_rest())
    components['Error'] = ERROR_SCHEMA
    return {
        'openapi': '3.1.0',
        'info': {
            'title': "Appliance after-sales service API",
            'version': VERSION,
            'description': DESCRIPTION,
            },
        'servers': [{'url': base_url}],
        'paths': paths,
        'components': {
            'schemas': dict(sorted(components.items())),
            'responses': {
                f'E{code}': {
                    'description': description,
                    'content': {'application/json': {
                            'schema': {'$ref': '#/components/schemas/Error'},
                            }},
                    } for code, description in ERROR_DESCRIPTIONS.items()},
            'securitySchemes': {
                'customerToken': {'type': 'http', 'scheme': 'bearer',
                    'description': "Session token of a customer"},
                'staffKey': {'type': 'http', 'scheme': 'bearer',
                    'description': "User application key (REST API)"},
                'staffSession': {'type': 'apiKey', 'in': 'header',
                    'name': 'Authorization',
                    'description': "`Session <token>` of POST /staff/login"},
                'staffBasic': {'type': 'http', 'scheme': 'basic'},
                },
            },
        }


@route('openapi.json', 'GET', auth='none', tags=['Reference'],
    summary="This document", public=False)
def openapi(call):
    request = call.request
    base_url = f'{request.host_url}{Pool().database_name}/api/v1'
    return build(base_url)

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The OpenAPI 3 document, generated from the route table of api.ROUTES."""
import re

from trytond.pool import Pool

from .api import ROUTES, Object, Schema, route

VERSION = '1.0.0'
ERROR_DESCRIPTIONS = {
    400: "Malformed request: invalid JSON, missing or ill-typed field",
    401: "Not authenticated, or wrong credentials",
    403: "Forbidden to this user",
    404: "Not found, or belongs to someone else",
    409: "Slot full, already rated or wrong state",
    413: "Request too large",
    422: "Refused by the validation rules",
    429: "Too many login attempts",
    501: "Not available on this server",
    }
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


def _collect(schema, components):
    "Add the named object schemas under schema to components"
    if isinstance(schema, Object):
        if schema.name and schema.name not in components:
            components[schema.name] = None
            components[schema.name] = schema.definition()
        for value in schema.properties.values():
            _collect(value, components)
    elif hasattr(schema, 'items') and isinstance(schema.items, Schema):
        _collect(schema.items, components)


def _operation(entry, components):
    operation = {
        'operationId': entry['operation_id'],
        'summary': entry['summary'],
        'tags': entry['tags'],
        'responses': {},
        }
    if entry['description']:
        operation['description'] = entry['description']
    parameters = _path_parameters(entry['path'])
    for name, schema in entry['query'].items():
        parameters.append({
                'name': name,
                'in': 'query',
                'required': False,
                'schema': schema.openapi(),
                **({'description': schema.description}
                    if schema.description else {}),
                })
    if parameters:
        operation['parameters'] = parameters
    if entry['body'] is not None:
        _collect(entry['body'], components)
        operation['requestBody'] = {
            'required': True,
            'content': {
                'application/json': {'schema': entry['body'].openapi()},
                },
            }
    status = str(entry['status'])
    if entry['response'] is not None:
        _collect(entry['response'], components)
        operation['responses'][status] = {
            'description': "Success",
            'content': {
                'application/json': {
                    'schema': entry['response'].openapi()},
                },
            }
    else:
        operation['responses'][status] = {'description': "Success"}
    errors = set(entry['errors'])
    if entry['auth'] != 'none':
        errors.add(401)
        operation['security'] = (CUSTOMER_SECURITY
            if entry['auth'] == 'customer' else STAFF_SECURITY)
    else:
        operation['security'] = []
    if entry['body'] is not None or entry['query']:
        errors.add(400)
    errors.add(404)
    errors.add(413) if entry['body'] is not None else None
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


def build(base_url):
    components = {}
    paths = {}
    for entry in ROUTES:
        if not entry['public']:
            continue
        item = paths.setdefault(_path(entry['path']), {})
        item[entry['method'].lower()] = _operation(entry, components)
    paths.update(_trytond_rest())
    error = {
        'type': 'object',
        'required': ['error'],
        'properties': {
            'error': {
                'type': 'object',
                'required': ['code', 'message'],
                'properties': {
                    'code': {'type': 'string', 'example': 'not_found'},
                    'message': {'type': 'string',
                        'description': "Translated by Accept-Language"},
                    },
                },
            },
        }
    components['Error'] = error
    return {
        'openapi': '3.1.0',
        'info': {
            'title': "Appliance after-sales service API",
            'version': VERSION,
            'description': (
                "Customer endpoints authenticate with the bearer token of "
                "POST /auth/login.  Staff endpoints take a user application "
                "key of trytond's REST API as bearer token, the session of "
                "POST /staff/login (`Authorization: Session <token>`) or the "
                "login and password (Basic).  Errors are "
                "`{\"error\": {\"code\", \"message\"}}` with the message in "
                "the language of Accept-Language (en, zh-CN).  List "
                "endpoints page with limit and offset and take "
                "updated_since.  Texts may not hold control characters "
                "(multi-line texts take line breaks and tabs)."),
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

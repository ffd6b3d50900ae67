# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The JSON API framework of the portal.

Every endpoint is declared with :func:`route`, which registers it on
trytond's WSGI application under ``/<database>/api/v1/`` and records its
description in :data:`ROUTES` so the OpenAPI document is generated from the
same table.  The request body and the query are checked against the declared
schemas before the handler runs; errors are answered as
``{"error": {"code": ..., "message": ...}}`` in the language asked by
Accept-Language.

The routes run as the root user without record rules: customer handlers must
filter every query by the party of the signed-in web user (``call.party``).
Staff handlers run as the Tryton user with access rights and record rules.
"""
import base64
import binascii
import datetime as dt
import decimal
import inspect
import json
import logging
import math
import re
import xml.etree.ElementTree as ET
from functools import wraps
from http import HTTPStatus
from pathlib import Path

from werkzeug.exceptions import HTTPException

from trytond import backend
from trytond import config as tryton_config
from trytond.exceptions import (
    LoginException, RateLimitException, TrytonException, UserError,
    UserWarning)
from trytond.i18n import gettext
from trytond.model.exceptions import AccessButtonError, AccessError
from trytond.pool import Pool
from trytond.protocols.wrappers import (
    Response, set_max_request_size, with_transaction)
from trytond.transaction import Transaction, check_access
from trytond.wsgi import app

logger = logging.getLogger(__name__)

MODULE = 'appliance_portal'
PREFIX = '/<database_name>/api/v1'
DEFAULT_MAX_SIZE = 1024 * 1024
ROUTES = []

ERROR_STATUS = {
    'malformed': HTTPStatus.BAD_REQUEST,
    'not_authenticated': HTTPStatus.UNAUTHORIZED,
    'invalid_credentials': HTTPStatus.UNAUTHORIZED,
    'forbidden': HTTPStatus.FORBIDDEN,
    'not_found': HTTPStatus.NOT_FOUND,
    'method_not_allowed': HTTPStatus.METHOD_NOT_ALLOWED,
    'slot_full': HTTPStatus.CONFLICT,
    'wrong_state': HTTPStatus.CONFLICT,
    'already_rated': HTTPStatus.CONFLICT,
    'conflict': HTTPStatus.CONFLICT,
    'too_large': HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    'validation': HTTPStatus.UNPROCESSABLE_ENTITY,
    'too_many_attempts': HTTPStatus.TOO_MANY_REQUESTS,
    'unavailable': HTTPStatus.SERVICE_UNAVAILABLE,
    'not_implemented': HTTPStatus.NOT_IMPLEMENTED,
    'internal_error': HTTPStatus.INTERNAL_SERVER_ERROR,
    }


class ApiError(Exception):
    """An error answered to the client.

    The message is the ir.message ``appliance_portal.msg_error_<code>``
    unless message_id or an already translated message is given.
    """

    def __init__(self, code, /, message_id=None, message=None, status=None,
            **variables):
        super().__init__(code)
        self.code = code
        self.status = status or ERROR_STATUS[code]
        self.message_id = message_id or f'{MODULE}.msg_error_{code}'
        self.variables = variables
        self.message = message
        if self.message is None and _in_transaction():
            try:
                self.message = gettext(self.message_id, **variables)
            except Exception:
                # Not in a transaction of a database of the module
                self.message = None


def _in_transaction():
    transactions = Transaction._local.transactions
    return bool(transactions) and transactions[-1].database is not None


_fallback_messages = None


def _fallback_message(message_id, **variables):
    "The English text of message_id read from message.xml"
    global _fallback_messages
    if _fallback_messages is None:
        path = Path(__file__).with_name('message.xml')
        root = ET.parse(path).getroot()
        _fallback_messages = {
            f'{MODULE}.{r.get("id")}': r.find('field').text
            for r in root.iter('record')}
    text = _fallback_messages.get(message_id, message_id)
    try:
        return text % variables
    except (KeyError, TypeError, ValueError):
        return text


def classify(exception, pool=None):
    """Return the ApiError that answers exception; the work orders of pool
    tell the errors that are conflicts"""
    if isinstance(exception, HTTPException):
        description = exception.description
        if isinstance(description, Exception):
            # trytond's with_pool wraps the errors of the handlers
            return classify(description, pool)
        code = {
            400: 'malformed',
            401: 'not_authenticated',
            403: 'forbidden',
            404: 'not_found',
            405: 'method_not_allowed',
            413: 'too_large',
            429: 'too_many_attempts',
            503: 'unavailable',
            }.get(exception.code, 'malformed' if exception.code < 500
            else 'internal_error')
        return ApiError(code, status=exception.code)
    if isinstance(exception, ApiError):
        return exception
    if isinstance(exception, RateLimitException):
        return ApiError('too_many_attempts')
    if isinstance(exception, LoginException):
        return ApiError('not_authenticated')
    if isinstance(exception, (AccessError, AccessButtonError)):
        return ApiError('forbidden', message=exception.message)
    if pool is not None:
        PortalWorkOrder = pool.get('appliance.portal.work_order')
        for class_, code in PortalWorkOrder.conflict_errors():
            if isinstance(exception, class_):
                return ApiError(code, message=exception.message)
    if isinstance(exception, (UserError, UserWarning)):
        # ValidationError, SlotPastError, DispatchError, CompletionError...
        return ApiError('validation', message=exception.message)
    if isinstance(exception, backend.DatabaseOperationalError):
        return ApiError('unavailable')
    if isinstance(exception, TrytonException):
        return ApiError('validation', message=str(exception))
    logger.error("API error", exc_info=exception)
    return ApiError('internal_error')


def error_response(request, error, database_name=None):
    message = error.message
    if message is None:
        message = _translate(
            database_name, request_language(request),
            error.message_id, **error.variables)
    response = json_response(
        {'error': {'code': error.code, 'message': message}}, error.status)
    if error.status == HTTPStatus.UNAUTHORIZED:
        response.headers['WWW-Authenticate'] = 'Bearer realm="api"'
    return response


def _translate(database_name, language, message_id, **variables):
    # Never connect to a database that is not served (it may not exist)
    if database_name and database_name in Pool.database_list():
        try:
            with Transaction().start(database_name, 0, readonly=True,
                    context={'language': language}):
                return gettext(message_id, **variables)
        except Exception:
            logger.debug("Fail to translate %s", message_id, exc_info=True)
    return _fallback_message(message_id, **variables)


class _Encoder(json.JSONEncoder):

    def default(self, value):
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                # trytond stores UTC naive timestamps
                return value.replace(microsecond=0).isoformat() + 'Z'
            return value.isoformat()
        if isinstance(value, (dt.date, dt.time)):
            return value.isoformat()
        if isinstance(value, dt.timedelta):
            return value.total_seconds()
        if isinstance(value, decimal.Decimal):
            return str(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return base64.b64encode(bytes(value)).decode('ascii')
        return super().default(value)


def json_response(data, status=HTTPStatus.OK, headers=None):
    if status == HTTPStatus.NO_CONTENT:
        return Response(status=status, headers=headers)
    return Response(
        json.dumps(data, cls=_Encoder, ensure_ascii=False),
        status=status, headers=headers,
        content_type='application/json; charset=utf-8')


def selection_string(record, field):
    "The label of the value of the selection field of record"
    value = getattr(record, field)
    selection = dict(record.__class__.fields_get([field])[field]['selection'])
    return selection.get(value, value)


def local_datetime(value):
    "Serialise a wall-clock datetime (appointment windows) without zone"
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat()


# Schemas: they check the input and describe it in the OpenAPI document.

class Schema:
    nullable = False

    def __init__(self, description=None, nullable=False, example=None):
        self.description = description
        self.nullable = nullable
        self.example = example

    def openapi(self):
        schema = self._openapi()
        if self.description:
            schema['description'] = self.description
        if self.example is not None:
            schema['example'] = self.example
        if self.nullable:
            if 'type' in schema:
                schema['type'] = [schema['type'], 'null']
            else:
                schema = {'anyOf': [schema, {'type': 'null'}]}
        return schema

    def _openapi(self):
        return {}

    def check(self, value, name):
        if value is None:
            if self.nullable:
                return None
            raise _malformed(name)
        return self._check(value, name)

    def _check(self, value, name):
        return value

    def parse(self, text, name):
        "Convert a query string value"
        return self.check(text, name)


# Control characters: refused in single-line texts (Tryton refuses them in
# Char fields), only line breaks and tabs are allowed in multi-line texts
CONTROLS = re.compile('[\x00-\x1f\x7f]')
MULTILINE_CONTROLS = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')


def _malformed(name, reason='invalid'):
    return ApiError('malformed', message_id=f'{MODULE}.msg_error_field_'
        + reason, field=name)


def _clean_string(value, name):
    if not isinstance(value, str):
        raise _malformed(name)
    if '\x00' in value:
        raise _malformed(name)
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        raise _malformed(name)
    return value


class String(Schema):

    def __init__(self, min_length=None, max_length=None, pattern=None,
            format=None, strip=True, multiline=False, **kwargs):
        super().__init__(**kwargs)
        self.min_length = min_length
        self.max_length = max_length
        self.pattern = pattern
        self.format = format
        self.strip = strip
        self.multiline = multiline

    def _openapi(self):
        schema = {'type': 'string'}
        if self.min_length is not None:
            schema['minLength'] = self.min_length
        if self.max_length is not None:
            schema['maxLength'] = self.max_length
        if self.pattern:
            schema['pattern'] = self.pattern
        if self.format:
            schema['format'] = self.format
        return schema

    def _check(self, value, name):
        value = _clean_string(value, name)
        controls = MULTILINE_CONTROLS if self.multiline else CONTROLS
        if controls.search(value):
            raise _malformed(name)
        if self.max_length is not None and len(value) > self.max_length:
            raise _malformed(name, 'too_long')
        if self.min_length is not None and len(value) < self.min_length:
            raise _malformed(name, 'too_short')
        if self.pattern and not re.search(self.pattern, value):
            raise _malformed(name)
        if self.strip:
            value = value.strip()
        return value


class Enum(String):

    def __init__(self, values, **kwargs):
        kwargs.setdefault('max_length', None)
        super().__init__(**kwargs)
        self.values = list(values)

    def _openapi(self):
        return {'type': 'string', 'enum': self.values}

    def _check(self, value, name):
        value = _clean_string(value, name)
        if value not in self.values:
            raise _malformed(name)
        return value


class Integer(Schema):

    def __init__(self, minimum=None, maximum=2 ** 31 - 1, **kwargs):
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def _openapi(self):
        schema = {'type': 'integer'}
        if self.minimum is not None:
            schema['minimum'] = self.minimum
        if self.maximum is not None:
            schema['maximum'] = self.maximum
        return schema

    def _check(self, value, name):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _malformed(name)
        if self.minimum is not None and value < self.minimum:
            raise _malformed(name)
        if self.maximum is not None and value > self.maximum:
            raise _malformed(name)
        return value

    def parse(self, text, name):
        try:
            value = int(_clean_string(text, name).strip())
        except ValueError:
            raise _malformed(name)
        return self.check(value, name)


class Id(Integer):

    def __init__(self, **kwargs):
        kwargs.setdefault('minimum', 1)
        super().__init__(**kwargs)


class Number(Schema):

    def __init__(self, minimum=None, maximum=None, **kwargs):
        super().__init__(**kwargs)
        self.minimum = minimum
        self.maximum = maximum

    def _openapi(self):
        schema = {'type': 'number'}
        if self.minimum is not None:
            schema['minimum'] = self.minimum
        if self.maximum is not None:
            schema['maximum'] = self.maximum
        return schema

    def _check(self, value, name):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _malformed(name)
        if not math.isfinite(value):
            raise _malformed(name)
        if self.minimum is not None and value < self.minimum:
            raise _malformed(name)
        if self.maximum is not None and value > self.maximum:
            raise _malformed(name)
        return decimal.Decimal(str(value))


class Boolean(Schema):

    def _openapi(self):
        return {'type': 'boolean'}

    def _check(self, value, name):
        if not isinstance(value, bool):
            raise _malformed(name)
        return value

    def parse(self, text, name):
        text = _clean_string(text, name).strip().lower()
        if text in {'1', 'true', 'yes'}:
            return True
        if text in {'0', 'false', 'no'}:
            return False
        raise _malformed(name)


class Date(Schema):

    def _openapi(self):
        return {'type': 'string', 'format': 'date'}

    def _check(self, value, name):
        value = _clean_string(value, name)
        if not re.fullmatch(r'\d{4}-\d{2}-\d{2}', value):
            raise _malformed(name)
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            raise _malformed(name)
        if date.year < 1900:
            raise _malformed(name)
        return date


class DateTime(Schema):
    "An instant; returned as naive UTC"

    def _openapi(self):
        return {'type': 'string', 'format': 'date-time'}

    def _check(self, value, name):
        value = _clean_string(value, name).strip()
        if value.endswith(('Z', 'z')):
            value = value[:-1] + '+00:00'
        if not re.fullmatch(
                r'\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?'
                r'([+-]\d{2}:?\d{2})?)?', value):
            raise _malformed(name)
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise _malformed(name)
        if value.tzinfo is not None:
            try:
                value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
            except OverflowError:
                raise _malformed(name)
        if value.year < 1900:
            raise _malformed(name)
        return value


class Binary(String):
    "Base64 encoded content"

    def __init__(self, max_bytes=5 * 1024 * 1024, **kwargs):
        kwargs.setdefault('max_length', None)
        kwargs['format'] = 'byte'
        kwargs['strip'] = False
        super().__init__(**kwargs)
        self.max_bytes = max_bytes

    def _check(self, value, name):
        value = super()._check(value, name)
        if ',' in value[:100] and value.startswith('data:'):
            value = value.split(',', 1)[1]
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise _malformed(name)
        if len(data) > self.max_bytes:
            raise _malformed(name, 'too_long')
        return data


class Array(Schema):

    def __init__(self, items, max_items=100, **kwargs):
        super().__init__(**kwargs)
        self.items = items
        self.max_items = max_items

    def _openapi(self):
        schema = {'type': 'array', 'items': self.items.openapi()}
        if self.max_items is not None:
            schema['maxItems'] = self.max_items
        return schema

    def _check(self, value, name):
        if not isinstance(value, list):
            raise _malformed(name)
        if self.max_items is not None and len(value) > self.max_items:
            raise _malformed(name, 'too_long')
        return [self.items.check(v, f'{name}[{i}]')
            for i, v in enumerate(value)]


class Object(Schema):

    def __init__(self, properties=None, required=(), name=None, **kwargs):
        super().__init__(**kwargs)
        self.properties = properties or {}
        self.required = list(required)
        self.name = name

    def _openapi(self):
        if self.name:
            return {'$ref': f'#/components/schemas/{self.name}'}
        return self.definition()

    def definition(self):
        schema = {
            'type': 'object',
            'properties': {
                k: v.openapi() for k, v in self.properties.items()},
            }
        if self.required:
            schema['required'] = self.required
        return schema

    def _check(self, value, name):
        if not isinstance(value, dict):
            raise _malformed(name or 'body')
        result = {}
        for key in self.required:
            if key not in value:
                raise _malformed(
                    f'{name}.{key}' if name else key, 'missing')
        for key, schema in self.properties.items():
            if key in value:
                result[key] = schema.check(
                    value[key], f'{name}.{key}' if name else key)
        return result


class Any(Schema):
    pass


# Appointment windows are wall-clock times of the service region
LOCAL_TIME = String(
    nullable=True, pattern=r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$',
    description="Local time of the service region, without zone")


def reply_schema(properties, name=None, required=None):
    "An Object that describes a response (not checked)"
    return Object(properties, required=(
            required if required is not None else list(properties)),
        name=name)


def page_of(item):
    return Object({
            'items': Array(item, max_items=None),
            'total': Integer(minimum=0),
            'limit': Integer(minimum=1),
            'offset': Integer(minimum=0),
            }, required=['items', 'total', 'limit', 'offset'])


PAGE_QUERY = {
    'limit': Integer(minimum=1, maximum=100,
        description="Page size (default 20)"),
    'offset': Integer(minimum=0, description="Records to skip"),
    'updated_since': DateTime(
        description="Only the records created or changed since then"),
    }


def paginate(call, Model, domain, serialize, order=None):
    "Search Model with the pagination of the query and serialise the page"
    limit = call.query.get('limit') or 20
    offset = call.query.get('offset') or 0
    if since := call.query.get('updated_since'):
        domain = [domain, ['OR',
                ('write_date', '>=', since),
                ('create_date', '>=', since),
                ]]
    total = Model.search(domain, count=True)
    records = Model.search(
        domain, offset=offset, limit=limit, order=order)
    return {
        'items': [serialize(r) for r in records],
        'total': total,
        'limit': limit,
        'offset': offset,
        }


# Requests

class Call:
    "What a handler is given"

    def __init__(self, request, pool, body, query, language):
        self.request = request
        self.pool = pool
        self.body = body
        self.query = query
        self.language = language
        self.web_user = None
        self.session_key = None
        self.user = None
        self.language_asked = False

    @property
    def party(self):
        return self.web_user.party if self.web_user else None

    @property
    def database_name(self):
        return self.pool.database_name


def accept_languages(request):
    "The language codes of Accept-Language, best first"
    header = request.headers.get('Accept-Language', '')
    pairs = []
    for position, part in enumerate(header.split(',')):
        part = part.strip()
        if not part:
            continue
        code, _, params = part.partition(';')
        quality = 1.0
        for param in params.split(';'):
            key, _, value = param.strip().partition('=')
            if key == 'q':
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0
        if quality > 0:
            pairs.append((-quality, position, code.strip()))
    return [c.replace('-', '_') for _, _, c in sorted(pairs)]


def match_language(candidates, available):
    available = list(available)
    lower = {a.lower(): a for a in available}
    for candidate in candidates:
        candidate = candidate.lower()
        if candidate in lower:
            return lower[candidate]
        prefix = candidate.split('_')[0]
        for code in available:
            if code.lower().split('_')[0] == prefix:
                return code
    return None


def request_language(request):
    language = getattr(request, 'api_language', None)
    if language:
        return language
    return match_language(accept_languages(request), ['en', 'zh_CN']) or 'en'


def bearer_token(request):
    header = request.headers.get('Authorization', '')
    scheme, _, token = header.partition(' ')
    if scheme.lower() == 'bearer' and token.strip():
        return token.strip()
    return None


def authenticate_customer(call):
    pool = call.pool
    Session = pool.get('web.user.session')
    token = bearer_token(call.request)
    if not token or len(token) > 256:
        raise ApiError('not_authenticated')
    user = Session.get_user(token)
    if not user or not user.active or not user.party:
        raise ApiError('not_authenticated')
    call.web_user = user
    call.session_key = token


def authenticate_staff(call, user_id):
    "Return the res.user of the request or raise 401"
    pool = call.pool
    if not user_id:
        token = bearer_token(call.request)
        if token and len(token) <= 256:
            UserApplication = pool.get('res.user.application')
            application = UserApplication.check(token, 'rest')
            if application:
                user_id = application.user.id
    if not user_id:
        raise ApiError('not_authenticated')
    User = pool.get('res.user')
    user = User(user_id)
    if not user.active:
        raise ApiError('not_authenticated')
    return user


def _session_user_id(request):
    "The Tryton user of a Session or Basic authorization header"
    authorization = request.authorization
    if authorization and authorization.type in {'session', 'basic'}:
        return request.user_id
    return None


def _parse_body(request, schema):
    data = request.get_data(cache=True)
    if not data.strip():
        value = {}
    else:
        try:
            value = json.loads(data.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            raise ApiError('malformed', message_id=f'{MODULE}.msg_error_json')
    if schema is None:
        return value
    if not isinstance(value, dict):
        raise ApiError('malformed', message_id=f'{MODULE}.msg_error_json')
    return schema.check(value, None)


def _parse_query(request, schema):
    result = {}
    for key, field in (schema or {}).items():
        values = request.args.getlist(key)
        if not values or values[-1] == '':
            continue
        result[key] = field.parse(values[-1], key)
    return result


def get_pool(request, database_name):
    """The pool of database_name with the module activated or raise 404

    Like trytond's with_pool but without its error wrapping."""
    database_list = Pool.database_list()
    if database_name not in database_list:
        with Transaction().start(None, 0, readonly=True) as transaction:
            hostname = tryton_config.get_hostname(request.host)
            exists = database_name in transaction.database.list(
                hostname=hostname)
        if not exists:
            raise ApiError('not_found')
        pool = Pool(database_name)
        with Transaction().start(database_name, 0, readonly=True):
            pool.init()
    else:
        pool = Pool(database_name)
    if not module_activated(pool):
        raise ApiError('not_found')
    return pool


def module_activated(pool):
    return MODULE in getattr(pool, '_modules', [])


def route(path, method='GET', *, auth='customer', summary='', tags=(),
        body=None, query=None, response=None, status=HTTPStatus.OK,
        errors=(), max_size=DEFAULT_MAX_SIZE, description=None,
        public=True):
    """Register the handler of method on path under /<database>/api/v1/

    auth is 'none', 'customer' (web user bearer session) or 'staff' (Tryton
    user by user application key, session or login).  The handler is called
    with a Call and the path arguments; it returns the JSON data (or an
    ApiError to answer an error after commit).
    """
    readonly = method in {'GET', 'HEAD'}

    def decorator(func):
        @wraps(func)
        def endpoint(request, database_name, **kwargs):
            request.api_language = request_language(request)
            pool = None
            try:
                pool = get_pool(request, database_name)
                result = _pooled(request, pool, **kwargs)
            except Exception as exception:
                error = classify(exception, pool)
                return error_response(request, error, database_name)
            if isinstance(result, ApiError):
                return error_response(request, result, database_name)
            if isinstance(result, Response):
                return result
            return json_response(result, status)

        def _pooled(request, pool, **kwargs):
            for value in kwargs.values():
                if isinstance(value, int) and not 0 < value < 2 ** 31:
                    raise ApiError('not_found')
            user_id = _session_user_id(request) if auth == 'staff' else None
            return with_transaction(readonly=readonly)(_transacted)(
                request, pool, user_id, **kwargs)

        def _transacted(request, pool, user_id, **kwargs):
            transaction = Transaction()
            Lang = pool.get('ir.lang')
            # English is the language of the sources: always there
            available = ['en'] + [
                c for c in Lang.get_translatable_languages() if c != 'en']
            candidates = accept_languages(request)
            language = match_language(candidates, available)
            call = Call(request, pool, None, None, language or 'en')
            call.language_asked = bool(language)
            # The company first: party languages are company values
            with transaction.set_context(
                    language=call.language, portal_url=portal_url(request),
                    company=_company_id(pool)):
                if auth == 'customer':
                    authenticate_customer(call)
                    if not language and call.party.lang:
                        call.language = call.party.lang.code
                request.api_language = call.language
                with transaction.set_context(language=call.language):
                    call.query = _parse_query(request, query)
                    if method in {'POST', 'PUT', 'PATCH'}:
                        call.body = _parse_body(request, body)
                    if auth == 'staff':
                        return _as_staff(call, user_id, func, kwargs)
                    return func(call, **kwargs)

        set_max_request_size(max_size)(endpoint)
        endpoint.__name__ = f'api_{func.__name__}_{method.lower()}'
        app.route(PREFIX + '/' + path, methods=[method])(endpoint)
        ROUTES.append({
                'path': path,
                'method': method,
                'auth': auth,
                'summary': summary,
                'description': description or inspect.cleandoc(
                    func.__doc__ or ''),
                'tags': list(tags),
                'body': body,
                'query': query or {},
                'response': response,
                'status': int(status),
                'errors': list(errors),
                'operation_id': func.__name__,
                'public': public,
                })
        return func
    return decorator


def _company_id(pool):
    Company = pool.get('company.company')
    context = Transaction().context
    if context.get('company'):
        return context['company']
    companies = Company.search([], order=[('id', 'ASC')], limit=1)
    return companies[0].id if companies else None


def _as_staff(call, user_id, func, kwargs):
    pool = call.pool
    User = pool.get('res.user')
    transaction = Transaction()
    user = authenticate_staff(call, user_id)
    with transaction.set_user(user.id):
        preferences = User.get_preferences(context_only=True)
    language = preferences.pop('language', None)
    if language and not call.language_asked:
        # Without Accept-Language, the user's own language
        call.language = preferences['language'] = language
        call.request.api_language = language
    with transaction.set_user(user.id), \
            transaction.set_context(preferences), check_access():
        call.user = User(user.id)
        return func(call, **kwargs)


def portal_url(request):
    "The URL of the portal pages of the database of request"
    database_name = (request.view_args or {}).get('database_name', '')
    return f'{request.host_url}{database_name}/portal/'


def record_or_404(Model, id_, domain=None):
    "Return the record of Model with id_ that matches domain or raise 404"
    records = Model.search([('id', '=', id_)] + list(domain or []), limit=1)
    if not records:
        raise ApiError('not_found')
    return records[0]


@app.route(PREFIX + '/<path:rest>', methods=[
        'GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
def api_not_found(request, database_name, rest):
    "Answer the unknown API paths in JSON"
    request.api_language = request_language(request)
    code = 'not_found'
    for route_ in ROUTES:
        pattern = re.sub(r'<int:\w+>', r'\\d+', route_['path'])
        pattern = re.sub(r'<\w+>', r'[^/]+', pattern)
        if re.fullmatch(pattern, rest):
            code = 'method_not_allowed'
            break
    return error_response(request, ApiError(code), database_name)

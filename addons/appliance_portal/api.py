# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The JSON API framework of the portal.

Every endpoint is declared with :func:`route`, which registers it on
trytond's WSGI application under ``/<database>/api/v1/`` and records it in
:data:`ROUTES` with the pydantic models of its query, body and reply, from
which the OpenAPI document is generated (openapi.py).  The query and the body
are validated before the handler runs; errors are answered as
``{"error": {"code": ..., "message": ..., "field": ...}}`` in the language of
Accept-Language, with the texts of ir.message.

A write that meets a locked row or a serialisation failure is run again
inside the server until RETRY_SECONDS have passed; only then is it answered
503 with Retry-After.

Date times are answered in the time zone of the company with their offset
(ISO 8601, e.g. ``2026-12-02T09:00:00+08:00``); a date time sent without
offset is read in that time zone too.
"""
import datetime as dt
import decimal
import inspect
import json
import logging
import random
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from http import HTTPStatus

from pydantic import BaseModel
from pydantic import ValidationError as SchemaError
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Request as WerkzeugRequest

from trytond import backend
from trytond import config as tryton_config
from trytond.exceptions import (
    LoginException, RateLimitException, TrytonException, UserError,
    UserWarning)
from trytond.i18n import gettext
from trytond.model.exceptions import AccessButtonError, AccessError
from trytond.modules.appliance_service.local_time import (
    company_timezone, to_utc, with_offset)
from trytond.pool import Pool
from trytond.protocols.wrappers import Response
from trytond.transaction import Transaction, TransactionError, check_access
from trytond.wsgi import app

from .schema import Empty

logger = logging.getLogger(__name__)

MODULE = 'appliance_portal'
PREFIX = '/<database_name>/api/v1'
API_PATH = re.compile(r'^/(?P<database>[^/]+)/api/v1(/|$)')
DEFAULT_MAX_SIZE = 1024 * 1024
# The languages of the API: English, the language of the sources, first
LANGUAGES = ['en', 'zh_CN']
METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
# How long a write is retried on a locked row or a serialisation failure
RETRY_SECONDS = 20
# Headers are refused above these sizes (the server's own limits are
# 64 KiB a line and 100 headers)
MAX_HEADER_BYTES = 8 * 1024
MAX_HEADERS_BYTES = 32 * 1024
ROUTES = []

ERROR_STATUS = {
    'malformed': HTTPStatus.BAD_REQUEST,
    'not_authenticated': HTTPStatus.UNAUTHORIZED,
    'invalid_credentials': HTTPStatus.UNAUTHORIZED,
    'second_factor_required': HTTPStatus.UNAUTHORIZED,
    'new_password_required': HTTPStatus.UNAUTHORIZED,
    'forbidden': HTTPStatus.FORBIDDEN,
    'not_found': HTTPStatus.NOT_FOUND,
    'method_not_allowed': HTTPStatus.METHOD_NOT_ALLOWED,
    'not_acceptable': HTTPStatus.NOT_ACCEPTABLE,
    'slot_full': HTTPStatus.CONFLICT,
    'wrong_state': HTTPStatus.CONFLICT,
    'already_rated': HTTPStatus.CONFLICT,
    'conflict': HTTPStatus.CONFLICT,
    'too_large': HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    'unsupported_media_type': HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    'validation': HTTPStatus.UNPROCESSABLE_ENTITY,
    'too_many_attempts': HTTPStatus.TOO_MANY_REQUESTS,
    'header_too_large': HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
    'unavailable': HTTPStatus.SERVICE_UNAVAILABLE,
    'not_implemented': HTTPStatus.NOT_IMPLEMENTED,
    'internal_error': HTTPStatus.INTERNAL_SERVER_ERROR,
    }
STATUS_CODES = {
    400: 'malformed',
    401: 'not_authenticated',
    403: 'forbidden',
    404: 'not_found',
    405: 'method_not_allowed',
    406: 'not_acceptable',
    409: 'conflict',
    413: 'too_large',
    415: 'unsupported_media_type',
    422: 'validation',
    429: 'too_many_attempts',
    431: 'header_too_large',
    501: 'not_implemented',
    503: 'unavailable',
    }
# The pydantic errors and the ir.message that tells them
FIELD_MESSAGES = {
    'missing': 'msg_error_field_missing',
    'extra_forbidden': 'msg_error_field_unknown',
    'string_too_long': 'msg_error_field_too_long',
    'too_long': 'msg_error_field_too_long',
    'bytes_too_long': 'msg_error_field_too_long',
    'string_too_short': 'msg_error_field_too_short',
    'too_short': 'msg_error_field_too_short',
    'control_characters': 'msg_error_field_controls',
    'date_future': 'msg_error_date_future',
    'date_too_old': 'msg_error_date_too_old',
    'not_image': 'msg_error_not_image',
    'too_large': 'msg_error_field_too_large',
    'one_of': 'msg_error_one_of',
    }


class ApiError(Exception):
    """An error answered to the client.

    Its text is the ir.message ``appliance_portal.msg_error_<code>`` unless
    message_id or an already translated message is given; it is translated
    when the answer is made.
    """

    def __init__(self, code, /, message_id=None, *, message=None,
            status=None, field=None, headers=None, **variables):
        super().__init__(code)
        self.code = code
        self.status = status or ERROR_STATUS[code]
        self.message_id = message_id or f'{MODULE}.msg_error_{code}'
        self.message = message
        self.field = field
        self.headers = dict(headers or {})
        self.variables = variables

    def translate(self):
        "Set the message in the language of the transaction"
        if self.message is None:
            variables = dict(self.variables)
            if self.field:
                variables.setdefault('field', self.field)
            self.message = gettext(self.message_id, **variables)
        return self


def retry_after():
    "The seconds after which the login attempts are forgotten"
    return tryton_config.getint('session', 'timeout', default=600)


def classify(exception, pool=None):
    """Return the ApiError that answers exception; the work orders of pool
    tell the errors that are conflicts"""
    if isinstance(exception, ApiError):
        return exception
    if isinstance(exception, SchemaError):
        return validation_error(exception)
    if isinstance(exception, HTTPException):
        code = STATUS_CODES.get(exception.code,
            'malformed' if exception.code < 500 else 'internal_error')
        return ApiError(code, status=exception.code)
    if isinstance(exception, RateLimitException):
        return ApiError('too_many_attempts',
            headers={'Retry-After': str(retry_after())})
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
        return unavailable()
    if isinstance(exception, TrytonException):
        return ApiError('validation', message=str(exception))
    logger.error("API error", exc_info=exception)
    return ApiError('internal_error')


def unavailable():
    return ApiError('unavailable', headers={'Retry-After': '5'})


def validation_error(exception):
    "The ApiError of the first error of a pydantic validation"
    error = exception.errors(include_url=False)[0]
    location = [str(p) for p in error['loc']]
    if error['type'] in {
            'json_invalid', 'model_type', 'model_attributes_type'}:
        # Not JSON, nested too deep or not an object
        return ApiError('malformed', f'{MODULE}.msg_error_json')
    name = '.'.join(location) or None
    message = FIELD_MESSAGES.get(error['type'], 'msg_error_field_invalid'
        if name else 'msg_error_validation')
    variables = {k: str(v) for k, v in (error.get('ctx') or {}).items()
        if isinstance(v, (str, int, float, dt.date))}
    variables.pop('field', None)
    return ApiError('validation', f'{MODULE}.{message}', field=name,
        **variables)


def error_response(request, error, database_name=None):
    if error.message is None:
        error.message = _translate(database_name, request_language(request),
            error)
    detail = {'code': error.code, 'message': error.message}
    if error.field:
        detail['field'] = error.field
    response = json_response({'error': detail}, error.status,
        headers=error.headers)
    if error.status == HTTPStatus.UNAUTHORIZED:
        response.headers['WWW-Authenticate'] = 'Bearer realm="api"'
    return response


def _translate(database_name, language, error):
    "Translate error outside of the transaction of the request"
    # Never connect to a database that is not served (it may not exist)
    if database_name and database_name in Pool.database_list():
        try:
            with Transaction().start(database_name, 0, readonly=True,
                    context={'language': language}):
                return error.translate().message
        except Exception:
            logger.debug("Fail to translate %s", error.code, exc_info=True)
    # Without database: the reason of the status, in English
    return HTTPStatus(error.status).phrase


class _Encoder(json.JSONEncoder):

    def default(self, value):
        if isinstance(value, dt.datetime):
            return value.replace(microsecond=0).isoformat()
        if isinstance(value, (dt.date, dt.time)):
            return value.isoformat()
        if isinstance(value, decimal.Decimal):
            return str(value)
        if isinstance(value, BaseModel):
            return value.model_dump(mode='json')
        return super().default(value)


def json_response(data, status=HTTPStatus.OK, headers=None):
    if status == HTTPStatus.NO_CONTENT:
        return Response(status=status, headers=headers)
    return Response(
        json.dumps(data, cls=_Encoder, ensure_ascii=False),
        status=status, headers=headers,
        content_type='application/json; charset=utf-8')


def localize(value, timezone):
    """Return the reply value with its naive UTC date times as aware
    times of timezone, which are serialised with their offset"""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = with_offset(value, timezone)
        return value.replace(microsecond=0)
    if isinstance(value, dict):
        return {k: localize(v, timezone) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [localize(v, timezone) for v in value]
    return value


def utc_instant(value):
    "Return the instant value as naive UTC; naive is of the company's zone"
    if value is None:
        return None
    if value.tzinfo is None:
        return to_utc(value)
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


def selection_string(record, field):
    "The label of the value of the selection field of record"
    value = getattr(record, field)
    selection = dict(record.__class__.fields_get([field])[field]['selection'])
    return selection.get(value, value)


def paginate(call, Model, domain, serialize, order=None):
    "Search Model with the pagination of the query and serialise the page"
    query = call.query
    if since := utc_instant(query.updated_since):
        domain = [domain, ['OR',
                ('write_date', '>=', since),
                ('create_date', '>=', since),
                ]]
    total = Model.search(domain, count=True)
    records = Model.search(
        domain, offset=query.offset, limit=query.limit, order=order)
    return {
        'items': [serialize(r) for r in records],
        'total': total,
        'limit': query.limit,
        'offset': query.offset,
        }


# Requests

@dataclass
class Call:
    "What a handler is given"
    request: WerkzeugRequest
    pool: Pool
    language: str
    query: BaseModel = None
    body: BaseModel = None
    web_user: object = None
    session_key: str = None
    user: object = None
    language_asked: bool = False
    headers: dict = field(default_factory=dict)

    @property
    def party(self):
        return self.web_user.party if self.web_user else None

    @property
    def database_name(self):
        return self.pool.database_name


def asked_language(request):
    "The language of Accept-Language the API speaks, or None"
    accept = parse_accept_header(
        request.headers.get('Accept-Language'), LanguageAccept)
    best = accept.best_match([c.replace('_', '-') for c in LANGUAGES])
    return best.replace('-', '_') if best else None


def request_language(request):
    return (getattr(request, 'api_language', None)
        or asked_language(request) or 'en')


def bearer_token(request):
    authorization = request.authorization
    if authorization is not None and authorization.type == 'bearer':
        token = (authorization.token or '').strip()
        if token and len(token) <= 256:
            return token


def authenticate_customer(call):
    pool = call.pool
    Session = pool.get('web.user.session')
    token = bearer_token(call.request)
    if not token:
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
        if token:
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
    if authorization is not None and authorization.type in {
            'session', 'basic'}:
        return request.user_id
    return None


def _is_json(request):
    mimetype = request.mimetype or ''
    return mimetype == 'application/json' or mimetype.endswith('+json')


def parse_body(request, model):
    """Return the body validated by model

    The body must be JSON; an operation without body model takes nothing
    or an empty object.  A JSON document nested deeper than 200 levels is
    refused as malformed."""
    data = request.get_data(cache=True)
    model = model or Empty
    if not data.strip():
        if model is Empty:
            return Empty()
        raise ApiError('malformed', f'{MODULE}.msg_error_body_missing')
    if not _is_json(request):
        raise ApiError('unsupported_media_type')
    return model.model_validate_json(data)


def parse_query(request, model):
    "Return the query string validated by model (the last of repeated keys)"
    values = {}
    for key in request.args:
        value = request.args.getlist(key)[-1]
        if value != '':
            values[key] = value
    if model is None:
        if values:
            raise ApiError('validation', f'{MODULE}.msg_error_field_unknown',
                field=next(iter(values)))
        return None
    return model.model_validate(values)


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
    "Whether the portal is activated in the database of pool"
    try:
        pool.get('appliance.portal.work_order')
    except KeyError:
        return False
    return True


@dataclass
class Route:
    "An endpoint of the API and what the document says of it"
    path: str
    method: str
    func: object
    auth: str
    summary: str
    description: str
    tags: list
    body: type = None
    query: type = None
    response: object = None
    status: int = HTTPStatus.OK
    errors: list = field(default_factory=list)
    location: str = None
    public: bool = True

    @property
    def readonly(self):
        return self.method in {'GET', 'HEAD'}

    @property
    def operation_id(self):
        return self.func.__name__

    @property
    def pattern(self):
        "The regular expression of the path under the prefix"
        pattern = re.sub(r'<int:\w+>', r'\\d+', re.escape(self.path)
            .replace(r'\<', '<').replace(r'\>', '>')
            .replace(r'\:', ':'))
        return re.compile(re.sub(r'<\w+>', r'[^/]+', pattern))


def route(path, method='GET', *, auth='customer', summary='', tags=(),
        body=None, query=None, response=None, status=HTTPStatus.OK,
        errors=(), max_size=DEFAULT_MAX_SIZE, description=None,
        location=None, public=True):
    """Register the handler of method on path under /<database>/api/v1/

    auth is 'none', 'customer' (web user bearer session) or 'staff' (Tryton
    user by user application key, session or login).  body and query are
    the pydantic models of the input; response the type of the reply.  The
    handler is called with a Call and the path arguments; it returns the
    JSON data (or an ApiError to answer an error after commit).  location
    formats the Location of a 201 with the reply.
    """

    def decorator(func):
        entry = Route(
            path=path, method=method, func=func, auth=auth,
            summary=summary, tags=list(tags),
            description=description or inspect.cleandoc(func.__doc__ or ''),
            body=body, query=query, response=response, status=int(status),
            errors=list(errors), location=location, public=public)

        @wraps(func)
        def endpoint(request, database_name, **kwargs):
            request.api_language = asked_language(request)
            pool = None
            try:
                pool = get_pool(request, database_name)
                for value in kwargs.values():
                    if isinstance(value, int) and not 0 < value < 2 ** 31:
                        raise ApiError('not_found')
                result, headers = _retrying(entry, request, pool, kwargs)
            except Exception as exception:
                return error_response(
                    request, classify(exception, pool), database_name)
            if isinstance(result, ApiError):
                return error_response(request, result, database_name)
            if isinstance(result, Response):
                return result
            if entry.location and entry.status == HTTPStatus.CREATED:
                headers['Location'] = (f'{request.host_url}{database_name}'
                    '/api/v1/' + entry.location.format(**result))
            return json_response(result, entry.status, headers=headers)

        endpoint.max_request_size = max_size
        endpoint.__name__ = f'api_{func.__name__}_{method.lower()}'
        app.route(PREFIX + '/' + path, methods=[method])(endpoint)
        ROUTES.append(entry)
        return func
    return decorator


def _retrying(entry, request, pool, kwargs):
    """Run the handler in a transaction, again while the database is busy.

    Return the result and the headers the handler added."""
    user_id = _session_user_id(request) if entry.auth == 'staff' else None
    deadline = time.monotonic() + RETRY_SECONDS
    extras = {}
    attempt = 0
    while True:
        try:
            return _transacted(entry, request, pool, user_id, kwargs, extras)
        except backend.DatabaseOperationalError:
            attempt += 1
            if entry.readonly or time.monotonic() > deadline:
                logger.warning("%s %s busy after %s attempts",
                    entry.method, entry.path, attempt)
                raise
            # Let the holder of the lock finish; jitter spreads the others
            time.sleep(random.uniform(0, min(0.5, 0.02 * 2 ** attempt)))


def _transacted(entry, request, pool, user_id, kwargs, extras):
    from trytond.worker import run_task
    while True:
        with Transaction().start(pool.database_name, 0,
                readonly=entry.readonly,
                context={'_request': request.context},
                **extras) as transaction:
            call = Call(request, pool, 'en')
            try:
                result = _call(entry, call, user_id, kwargs)
            except TransactionError as error:
                # The rows to lock are known: start again with them locked
                transaction.rollback()
                transaction.tasks.clear()
                error.fix(extras)
                continue
            except backend.DatabaseOperationalError:
                raise
            except Exception as exception:
                transaction.rollback()
                transaction.tasks.clear()
                # A refused request changes nothing; its text is translated
                # while the database is at hand
                with transaction.set_context(language=call.language):
                    result = classify(exception, pool).translate()
                return result, {}
            if isinstance(result, ApiError):
                # Committed: e.g. the failed login attempts are counted
                with transaction.set_context(language=call.language):
                    result.translate()
            transaction.commit()
        while transaction.tasks:
            run_task(pool, transaction.tasks.pop())
        return result, call.headers


def _call(entry, call, user_id, kwargs):
    pool = call.pool
    request = call.request
    transaction = Transaction()
    language = asked_language(request)
    call.language = language or 'en'
    call.language_asked = bool(language)
    with transaction.set_context(language=call.language,
            portal_url=portal_url(request)):
        if entry.auth == 'staff':
            return _as_staff(entry, call, user_id, kwargs)
        with transaction.set_context(web_user_session=bearer_token(request),
                login_channel='api'):
            if entry.auth == 'customer':
                return _as_customer(entry, call, kwargs)
            # Sign-up, sign-in and the reference data: before any customer
            # is known, in the portal company when one is set
            with transaction.set_context(_public_company_context(pool)):
                request.api_language = call.language
                _parse_input(entry, call)
                result = entry.func(call, **kwargs)
                return localize(result, company_timezone())


def _parse_input(entry, call):
    call.query = parse_query(call.request, entry.query)
    if entry.method in {'POST', 'PUT', 'PATCH'}:
        call.body = parse_body(call.request, entry.body)


def portal_user_id():
    "The id of the technical user the customer routes run as"
    ModelData = Pool().get('ir.model.data')
    return ModelData.get_id(MODULE, 'user_portal')


def _public_company_context(pool):
    "The company of the routes without customer: the portal company if set"
    WebUser = pool.get('web.user')
    company_id = WebUser.portal_company_id()
    return {'company': company_id} if company_id else {}


def _customer_context(web_user):
    """The context of the routes of web_user: its company, and its party and
    account that the record rules of the Portal group read"""
    if not web_user.company:
        raise ApiError('unavailable', f'{MODULE}.msg_error_no_company')
    company_id = web_user.company.id
    return {
        'company': company_id,
        # The companies of the rules of the company: the technical user has
        # none of its own
        '_companies': [company_id],
        'portal_party': web_user.party.id,
        'portal_web_user': web_user.id,
        }


@contextmanager
def as_customer(web_user):
    """Run as the technical portal user with access rights and the record
    rules of the Portal group for the customer of web_user"""
    transaction = Transaction()
    context = _customer_context(web_user)
    with transaction.set_user(portal_user_id()), \
            transaction.set_context(context), check_access():
        yield


def _as_customer(entry, call, kwargs):
    """Run the handler of a customer route as the technical portal user
    with access rights and record rules: the customer's rows alone are
    found, whatever filter the handler writes"""
    pool = call.pool
    request = call.request
    transaction = Transaction()
    WebUser = pool.get('web.user')
    # The session and its account are found as root, before the customer
    # is known
    authenticate_customer(call)
    with as_customer(call.web_user):
        # The party's language is of the company of the context
        call.web_user = WebUser(call.web_user.id)
        if not call.language_asked and call.party.lang:
            call.language = call.party.lang.code
        request.api_language = call.language
        with transaction.set_context(language=call.language):
            # The records keep the user and the context they are read in
            call.web_user = WebUser(call.web_user.id)
            _parse_input(entry, call)
            result = entry.func(call, **kwargs)
            return localize(result, company_timezone())


def _as_staff(entry, call, user_id, kwargs):
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
    call.request.api_language = call.language
    with transaction.set_user(user.id), \
            transaction.set_context(preferences, login_channel='api'), \
            check_access():
        call.user = User(user.id)
        _parse_input(entry, call)
        result = entry.func(call, **kwargs)
        return localize(result, company_timezone())


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


def allowed_methods(rest):
    "The methods of the routes whose path matches rest"
    methods = set()
    for entry in ROUTES:
        if entry.pattern.fullmatch(rest):
            methods.add(entry.method)
    if 'GET' in methods:
        methods.add('HEAD')
    return sorted(methods)


@app.route(PREFIX + '/<path:rest>', methods=METHODS + ['OPTIONS'])
@app.route(PREFIX + '/', methods=METHODS + ['OPTIONS'],
    defaults={'rest': ''})
@app.route(PREFIX, methods=METHODS + ['OPTIONS'], defaults={'rest': ''})
def api_not_found(request, database_name, rest):
    "Answer the unknown API paths and methods in JSON"
    request.api_language = asked_language(request)
    methods = allowed_methods(rest)
    if not methods:
        return error_response(request, ApiError('not_found'), database_name)
    allow = ', '.join(methods + ['OPTIONS'])
    if request.method == 'OPTIONS':
        return Response(status=HTTPStatus.NO_CONTENT, headers={
                'Allow': allow})
    return error_response(request, ApiError('method_not_allowed',
            headers={'Allow': allow}), database_name)


class ApiErrorMiddleware:
    """Answer every error under /<database>/api/v1/ in the JSON shape

    The paths werkzeug cannot route (``//``, control characters), methods
    no route takes and the errors trytond answers in HTML (413, 405...)
    get the JSON error of their status; headers too large are refused with
    431 before trytond reads them."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        match = API_PATH.match(environ.get('PATH_INFO', ''))
        if not match:
            try:
                return self.app(environ, start_response)
            except HTTPException as exception:
                # trytond refuses a foreign Origin by raising outside its
                # handlers, which the server would answer with a 500
                return exception(environ, start_response)
        database_name = match.group('database')
        request = WerkzeugRequest(environ, shallow=True)
        if early := self._refuse(environ):
            return error_response(request, early, database_name)(
                environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured['status'] = status
            captured['headers'] = headers
            if self._json_or_ok(status, headers):
                return start_response(status, headers, exc_info)
            return lambda data: None

        try:
            body = self.app(environ, capture)
        except HTTPException as exception:
            # e.g. an Origin that is neither the host nor in [web] cors
            code = exception.code
            return error_response(request, ApiError(
                    STATUS_CODES.get(code, 'malformed'), status=code),
                database_name)(environ, start_response)
        if self._json_or_ok(captured['status'], captured['headers']):
            return body
        if hasattr(body, 'close'):
            body.close()
        code = int(captured['status'].split()[0])
        if code < 400:
            # A redirection (merged slashes...) leads nowhere in the API
            error = ApiError('not_found')
        else:
            error = ApiError(STATUS_CODES.get(code, 'malformed'
                    if code < 500 else 'internal_error'), status=code)
        for name, value in captured['headers']:
            if name.lower() in {'allow', 'retry-after'}:
                error.headers[name] = value
        return error_response(request, error, database_name)(
            environ, start_response)

    @staticmethod
    def _refuse(environ):
        path = environ.get('PATH_INFO', '')
        sizes = [len(k) + len(str(v)) for k, v in environ.items()
            if k.startswith('HTTP_')]
        if sizes and (max(sizes) > MAX_HEADER_BYTES
                or sum(sizes) > MAX_HEADERS_BYTES):
            return ApiError('header_too_large')
        if '//' in path or re.search('[\x00-\x1f\x7f]', path):
            return ApiError('not_found')

    @staticmethod
    def _json_or_ok(status, headers):
        code = int(status.split()[0])
        if code < 300 or code == HTTPStatus.NOT_MODIFIED:
            return True
        content_type = dict((k.lower(), v) for k, v in headers).get(
            'content-type', '')
        return code >= 400 and content_type.startswith('application/json')


def install(app=app):
    "Wrap trytond's WSGI application once"
    if not isinstance(app.wsgi_app, ApiErrorMiddleware):
        app.wsgi_app = ApiErrorMiddleware(app.wsgi_app)

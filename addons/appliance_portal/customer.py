# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Customer endpoints: web_user accounts, appliances, slots and requests.

Every query is filtered by the party of the signed-in web user: another
customer's record answers 404 as if it did not exist.
"""
import datetime as dt
import re
from http import HTTPStatus

import trytond.config as config
from trytond.i18n import gettext
from trytond.modules.appliance.appliance import PURCHASE_CHANNELS
from trytond.modules.appliance.party import normalize_mobile
from trytond.modules.appliance_service.service_request import (
    KINDS, VISIT_KINDS)
from trytond.pool import Pool
from trytond.tools.email_ import (
    EmailNotValidError, normalize_email, validate_email)
from trytond.transaction import Transaction

from .api import (
    LOCAL_TIME, MODULE, PAGE_QUERY, ApiError, Array, Binary, Boolean, Date,
    Enum, Id, Integer, Number, Object, String, local_datetime, page_of,
    paginate, record_or_404, reply_schema, route, selection_string)
from .work_order import engineer_first_name

LANGUAGES = ['en', 'zh_CN']
REQUEST_KINDS = [k for k, _ in KINDS]
# The states a customer may still cancel a visit in
CANCELLABLE_ORDER_STATES = {'draft', 'scheduled', 'dispatched'}
MAX_SLOT_DAYS = 62
# validate_email checks nothing without the email_validator package
EMAIL = re.compile(r'[^@\s]+@[^@\s.]+(\.[^@\s.]+)+')

# Schemas of the bodies and of the answers

ADDRESS = Object({
        'street': String(max_length=500, nullable=True, multiline=True),
        'city': String(max_length=100, nullable=True),
        'district': String(max_length=100, nullable=True),
        'postal_code': String(max_length=20, nullable=True),
        'subdivision': String(
            max_length=10, nullable=True,
            description="ISO 3166-2 code of the province, e.g. CN-ZJ",
            example='CN-ZJ'),
        }, name='Address')
ADDRESS_REPLY = reply_schema({
        'street': String(nullable=True),
        'city': String(nullable=True),
        'district': String(nullable=True),
        'postal_code': String(nullable=True),
        'subdivision': String(nullable=True),
        'subdivision_name': String(nullable=True),
        }, name='AddressReply')
ME = reply_schema({
        'id': Id(),
        'email': String(),
        'email_valid': Boolean(),
        'name': String(),
        'mobile': String(nullable=True),
        'customer_number': String(nullable=True),
        'language': String(nullable=True),
        'notification_consent': Boolean(),
        'marketing_consent': Boolean(),
        'address': ADDRESS_REPLY,
        }, name='Me')
ME.properties['address'] = Object(
    ADDRESS_REPLY.properties, name='AddressReply', nullable=True)
SESSION = reply_schema({
        'token': String(description="Send it as `Authorization: Bearer`"),
        'token_type': Enum(['Bearer']),
        'expires_at': String(format='date-time'),
        'user': ME,
        }, name='Session')
SIGNUP = Object({
        'email': String(max_length=254, format='email'),
        'password': String(min_length=8, max_length=128, strip=False),
        'name': String(min_length=1, max_length=100),
        'mobile': String(min_length=1, max_length=32, example='13812345678'),
        'language': Enum(LANGUAGES),
        'address': ADDRESS,
        'notification_consent': Boolean(),
        'marketing_consent': Boolean(),
        }, required=['email', 'password', 'name', 'mobile'], name='Signup')
LOGIN = Object({
        'email': String(max_length=254),
        'password': String(max_length=128, strip=False),
        }, required=['email', 'password'], name='Login')
RESET = Object({
        'email': String(max_length=254),
        }, required=['email'], name='ResetPassword')
SET_PASSWORD = Object({
        'email': String(max_length=254),
        'token': String(max_length=256),
        'password': String(min_length=8, max_length=128, strip=False),
        }, required=['email', 'token', 'password'], name='SetPassword')
VALIDATE = Object({
        'token': String(max_length=256),
        }, required=['token'], name='ValidateEmail')
ME_PATCH = Object({
        'name': String(min_length=1, max_length=100),
        'mobile': String(min_length=1, max_length=32),
        'language': Enum(LANGUAGES),
        'address': ADDRESS,
        'notification_consent': Boolean(),
        'marketing_consent': Boolean(),
        'password': String(min_length=8, max_length=128, strip=False),
        'current_password': String(max_length=128, strip=False),
        }, name='MePatch')
OK = reply_schema({'ok': Boolean()}, name='Ok')

COVERAGE = reply_schema({
        'kind': String(),
        'kind_string': String(),
        'component': String(nullable=True),
        'origin': String(),
        'start_date': Date(),
        'end_date': Date(),
        'in_warranty': Boolean(),
        }, name='Coverage')
APPLIANCE = reply_schema({
        'id': Id(),
        'serial_number': String(),
        'model_code': String(nullable=True),
        'model_name': String(),
        'brand': String(nullable=True),
        'category': String(nullable=True),
        'production_date': Date(nullable=True),
        'sale_date': Date(nullable=True),
        'installation_date': Date(nullable=True),
        'purchase_channel': String(nullable=True),
        'invoice_reference': String(nullable=True),
        'status': String(),
        'status_string': String(),
        'in_warranty': Boolean(),
        'warranty_end_date': Date(nullable=True),
        }, name='Appliance')
HISTORY = reply_schema({
        'work_order': String(),
        'request_id': Id(nullable=True),
        'kind': String(),
        'state': String(),
        'state_string': String(),
        'appointment_start': LOCAL_TIME,
        'done_at': String(format='date-time', nullable=True),
        'description': String(nullable=True),
        }, name='ServiceHistoryEntry')
APPLIANCE_DETAIL = reply_schema({
        **APPLIANCE.properties,
        'coverages': Array(COVERAGE, max_items=None),
        'service_history': Array(HISTORY, max_items=None),
        'invoice_photos': Array(String(), max_items=None),
        }, name='ApplianceDetail')
APPLIANCE_POST = Object({
        'model_code': String(min_length=1, max_length=100,
            example='KFR-35GW'),
        'serial_number': String(min_length=1, max_length=100),
        'sale_date': Date(),
        'purchase_channel': Enum([c for c, _ in PURCHASE_CHANNELS if c]),
        'installation_date': Date(nullable=True),
        'production_date': Date(nullable=True),
        'invoice_reference': String(max_length=100, nullable=True),
        'invoice_photo': Binary(
            description="Base64 of the photo of the purchase invoice"),
        'invoice_photo_name': String(max_length=100),
        }, required=['model_code', 'serial_number', 'sale_date'],
    name='ApplianceRegistration')
SLOT = reply_schema({
        'id': Id(),
        'date': Date(),
        'start': String(example='09:00'),
        'end': String(example='12:00'),
        'region': String(),
        'available': Integer(minimum=0),
        }, name='Slot')
EVENT = reply_schema({
        'date': String(format='date-time'),
        'state': String(nullable=True),
        'state_string': String(nullable=True),
        'description': String(nullable=True),
        'work_order': String(),
        }, name='TimelineEvent')
CHARGE = reply_schema({
        'description': String(nullable=True),
        'kind': String(nullable=True),
        'quantity': Number(),
        'amount': String(nullable=True),
        }, name='Charge')
RATING = reply_schema({
        'overall': Integer(minimum=1, maximum=5),
        'punctuality': Integer(minimum=1, maximum=5),
        'attitude': Integer(minimum=1, maximum=5),
        'quality': Integer(minimum=1, maximum=5),
        'comment': String(nullable=True),
        'date': String(format='date-time', nullable=True),
        }, name='Rating')
VISIT = reply_schema({
        'id': Id(),
        'number': String(nullable=True),
        'kind': String(),
        'state': String(),
        'state_string': String(),
        'appointment_start': LOCAL_TIME,
        'appointment_end': LOCAL_TIME,
        'slot': Id(nullable=True),
        'engineer': String(nullable=True,
            description="First name of the assigned engineer"),
        'next_step': String(nullable=True),
        'done_at': String(format='date-time', nullable=True),
        'warranty_status': String(nullable=True),
        'warranty_status_string': String(nullable=True),
        'charges': Array(CHARGE, max_items=None),
        'charge_amount': String(nullable=True),
        'quote_state': String(nullable=True),
        'quote_state_string': String(nullable=True),
        'quote_amount': String(nullable=True),
        'payment_state': String(nullable=True),
        'payment_state_string': String(nullable=True),
        'rating': Object(RATING.properties, name='Rating', nullable=True),
        'can_rate': Boolean(),
        }, name='Visit')
REQUEST = reply_schema({
        'id': Id(),
        'number': String(nullable=True),
        'kind': String(),
        'kind_string': String(),
        'state': String(),
        'state_string': String(),
        'description': String(),
        'appliance': Object(APPLIANCE.properties, name='Appliance',
            nullable=True),
        'received_at': String(format='date-time', nullable=True),
        'engineer': String(nullable=True),
        'reply': String(nullable=True),
        'replied_at': String(format='date-time', nullable=True),
        'satisfaction': String(nullable=True),
        'can_cancel': Boolean(),
        'can_reschedule': Boolean(),
        }, name='ServiceRequest')
REQUEST_DETAIL = reply_schema({
        **REQUEST.properties,
        'visits': Array(VISIT, max_items=None),
        'timeline': Array(EVENT, max_items=None),
        }, name='ServiceRequestDetail')
REQUEST_POST = Object({
        'kind': Enum(REQUEST_KINDS),
        'appliance': Id(nullable=True),
        'description': String(min_length=1, max_length=4000,
            multiline=True),
        'slot': Id(nullable=True,
            description="Required for repair, installation and maintenance"),
        }, required=['kind', 'description'], name='ServiceRequestCreate')
RESCHEDULE = Object({
        'slot': Id(),
        }, required=['slot'], name='Reschedule')
RATING_POST = Object({
        'overall': Integer(minimum=1, maximum=5),
        'punctuality': Integer(minimum=1, maximum=5),
        'attitude': Integer(minimum=1, maximum=5),
        'quality': Integer(minimum=1, maximum=5),
        'comment': String(max_length=2000, nullable=True, multiline=True),
        'work_order': Id(
            description="The visit to rate; the last finished one if "
            "omitted"),
        }, required=['overall'], name='RatingCreate')
SATISFACTION_POST = Object({
        'satisfaction': Integer(minimum=1, maximum=5),
        }, required=['satisfaction'], name='Satisfaction')
QUOTE_POST = Object({
        'decision': Enum(['accept', 'decline']),
        }, required=['decision'], name='QuoteDecision')
SUBDIVISION = reply_schema({
        'code': String(),
        'name': String(),
        'parent': String(nullable=True),
        }, name='Subdivision')
MODEL = reply_schema({
        'model_code': String(),
        'name': String(),
        'brand': String(nullable=True),
        'category': String(nullable=True),
        'serial_example': String(nullable=True),
        }, name='ApplianceModel')


def _config_int(section, option, default):
    return config.getint(section, option, default=default)


# Helpers

def _company(call):
    pool = call.pool
    Company = pool.get('company.company')
    company_id = Transaction().context.get('company')
    if not company_id:
        raise ApiError('unavailable')
    return Company(company_id)


def _check_password(pool, password, web_user=None):
    User = pool.get('res.user')
    length = max(8, _config_int('password', 'length', 0))
    if len(password) < length:
        raise ApiError('validation',
            message=gettext('res.msg_password_length', length=length))
    User.validate_password(password, [web_user] if web_user else [])


def _normalize_mobile(mobile):
    normalized = normalize_mobile(mobile)
    if not normalized:
        raise ApiError('validation',
            message_id=f'{MODULE}.msg_invalid_mobile', mobile=mobile)
    return normalized


def _check_mobile_free(pool, mobile, party=None):
    Party = pool.get('party.party')
    domain = [('mobile_number', '=', mobile)]
    if party:
        domain.append(('id', '!=', party.id))
    with Transaction().set_context(active_test=False):
        if Party.search(domain, limit=1):
            raise ApiError('validation',
                message_id=f'{MODULE}.msg_mobile_taken')


def _lang(pool, code):
    Lang = pool.get('ir.lang')
    if not code:
        return None
    with Transaction().set_context(active_test=False):
        langs = Lang.search([('code', '=', code)], limit=1)
    return langs[0] if langs else None


def _apply_address(pool, party, values):
    "Write values on the first address of party (creating it)"
    Address = pool.get('party.address')
    Subdivision = pool.get('country.subdivision')
    Country = pool.get('country.country')
    address = party.address_get() or Address(party=party)
    if 'street' in values:
        address.street_unstructured = values['street'] or None
    for name in ['city', 'district', 'postal_code']:
        if name in values:
            setattr(address, name, values[name] or None)
    if 'subdivision' in values:
        code = values['subdivision']
        if code:
            subdivisions = Subdivision.search(
                [('code', '=', code.upper())], limit=1)
            if not subdivisions:
                raise ApiError('validation',
                    message_id=f'{MODULE}.msg_unknown_subdivision',
                    code=code)
            address.subdivision, = subdivisions
            address.country = address.subdivision.country
        else:
            address.subdivision = None
    # A new address has no country yet
    if not getattr(address, 'country', None):
        countries = Country.search([('code', '=', 'CN')], limit=1)
        if countries:
            address.country, = countries
    address.save()
    return address


def serialize_address(address):
    if not address:
        return None
    subdivision = address.subdivision
    return {
        'street': address.street_unstructured or None,
        'city': address.city or None,
        'district': address.district or None,
        'postal_code': address.postal_code or None,
        'subdivision': subdivision.code if subdivision else None,
        'subdivision_name': subdivision.name if subdivision else None,
        }


def serialize_me(web_user):
    party = web_user.party
    return {
        'id': web_user.id,
        'email': web_user.email,
        'email_valid': bool(web_user.email_valid),
        'name': party.name,
        'mobile': party.mobile_number,
        'customer_number': party.code,
        'language': party.lang.code if party.lang else None,
        'notification_consent': bool(party.notification_consent),
        'marketing_consent': bool(party.marketing_consent),
        'address': serialize_address(party.address_get()),
        }


def _session_reply(pool, web_user):
    Session = pool.get('web.user.session')
    key = web_user.new_session()
    session, = Session.search([('key', '=', key)])
    expires_at = session.create_date + Session.timeout()
    return {
        'token': key,
        'token_type': 'Bearer',
        'expires_at': expires_at,
        'user': serialize_me(web_user),
        }


def serialize_appliance(appliance):
    template = appliance.product.template
    return {
        'id': appliance.id,
        'serial_number': appliance.serial_number,
        'model_code': template.model_code,
        'model_name': template.name,
        'brand': (template.appliance_brand.name
            if template.appliance_brand else None),
        'category': (template.appliance_category.name
            if template.appliance_category else None),
        'production_date': appliance.production_date,
        'sale_date': appliance.sale_date,
        'installation_date': appliance.installation_date,
        'purchase_channel': appliance.purchase_channel,
        'invoice_reference': appliance.invoice_reference,
        'status': appliance.status,
        'status_string': selection_string(appliance, 'status'),
        'in_warranty': bool(appliance.in_warranty),
        'warranty_end_date': appliance.warranty_end_date,
        }


def serialize_coverage(coverage):
    return {
        'kind': coverage.kind,
        'kind_string': selection_string(coverage, 'kind'),
        'component': coverage.component,
        'origin': coverage.origin,
        'start_date': coverage.start_date,
        'end_date': coverage.end_date,
        'in_warranty': bool(coverage.in_warranty),
        }


def serialize_history(order):
    return {
        'work_order': order.number or str(order.id),
        'request_id': order.request.id if order.request else None,
        'kind': order.kind,
        'state': order.state,
        'state_string': order.state_string,
        'appointment_start': local_datetime(order.appointment_start),
        'done_at': order.done_at,
        'description': order.description,
        }


def serialize_slot(slot):
    return {
        'id': slot.id,
        'date': slot.date,
        'start': slot.start_time.strftime('%H:%M'),
        'end': slot.end_time.strftime('%H:%M'),
        'region': slot.region.name,
        'available': slot.available,
        }


def serialize_visit(order):
    pool = Pool()
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    return PortalWorkOrder.customer_visit(order)


def _active_order(request):
    "The visit of request that is still to happen"
    for order in sorted(request.work_orders, key=lambda o: o.id,
            reverse=True):
        if order.state not in {'done', 'cancelled'}:
            return order


def serialize_request(request):
    order = _active_order(request)
    orders = sorted(request.work_orders, key=lambda o: o.id)
    engineer = None
    for candidate in ([order] if order else []) + orders[::-1]:
        if candidate and candidate.engineer:
            engineer = engineer_first_name(candidate.engineer)
            break
    return {
        'id': request.id,
        'number': request.number,
        'kind': request.kind,
        'kind_string': selection_string(request, 'kind'),
        'state': request.state,
        'state_string': request.state_string,
        'description': request.description,
        'appliance': (serialize_appliance(request.appliance)
            if request.appliance else None),
        'received_at': request.received_at,
        'engineer': engineer,
        'reply': request.reply if request.replied_at else None,
        'replied_at': request.replied_at,
        'satisfaction': request.satisfaction,
        'can_cancel': _can_cancel(request),
        'can_reschedule': bool(order and order.state in {
                    'draft', 'scheduled', 'dispatched'}),
        }


def _can_cancel(request):
    if request.state not in {'draft', 'open', 'in_progress'}:
        return False
    return all(o.state in CANCELLABLE_ORDER_STATES | {'cancelled'}
        for o in request.work_orders)


def serialize_request_detail(request):
    pool = Pool()
    Event = pool.get('appliance.work_order.event')
    result = serialize_request(request)
    orders = sorted(request.work_orders, key=lambda o: o.id)
    result['visits'] = [serialize_visit(o) for o in orders]
    events = Event.search([
            ('work_order', 'in', [o.id for o in orders]),
            ('public', '=', True),
            ], order=[('date', 'ASC'), ('id', 'ASC')])
    result['timeline'] = [{
            'date': e.date,
            'state': e.state,
            'state_string': (selection_string(e, 'state')
                if e.state else None),
            'description': e.description,
            'work_order': e.work_order.number or str(e.work_order.id),
            } for e in events]
    return result


def own_appliance(call, appliance_id):
    Appliance = call.pool.get('appliance.appliance')
    return record_or_404(Appliance, appliance_id, [
            ('customer', '=', call.party.id),
            ])


def own_request(call, request_id):
    Request = call.pool.get('appliance.service.request')
    return record_or_404(Request, request_id, [
            ('customer', '=', call.party.id),
            ])


def own_slot(call, slot_id, region):
    "The slot slot_id if the customer may book it, else raise"
    pool = call.pool
    Slot = pool.get('appliance.slot')
    Date = pool.get('ir.date')
    slots = Slot.search([('id', '=', slot_id)], limit=1)
    if not slots:
        raise ApiError('validation', message_id=f'{MODULE}.msg_unknown_slot')
    slot, = slots
    if not region or slot.region != region:
        raise ApiError('validation',
            message_id=f'{MODULE}.msg_slot_other_region')
    if slot.date < Date.today():
        raise ApiError('validation', message_id=f'{MODULE}.msg_slot_past')
    if slot.available <= 0:
        raise ApiError('slot_full')
    return slot


def _visit_address(call, appliance):
    if appliance and appliance.installation_address:
        return appliance.installation_address
    return call.party.address_get()


def _region_for(call, address):
    Region = call.pool.get('appliance.service.region')
    if not address:
        return None
    return Region.find_for_address(address)


# Accounts

@route('auth/signup', 'POST', auth='none', body=SIGNUP, response=SESSION,
    status=HTTPStatus.CREATED, tags=['Customer account'],
    summary="Create a customer account",
    errors=[400, 422])
def signup(call):
    """Create the web user and its customer (source: portal sign-up) and
    send the email validation link.  The answer holds a session token."""
    pool = call.pool
    User = pool.get('web.user')
    Party = pool.get('party.party')
    body = call.body
    try:
        email = normalize_email(body['email']).lower()
        validate_email(email)
        if not EMAIL.fullmatch(email):
            raise EmailNotValidError(email)
    except EmailNotValidError:
        raise ApiError('validation', message_id=f'{MODULE}.msg_invalid_email')
    with Transaction().set_context(active_test=False):
        if User.search([('email', '=', email)], limit=1):
            raise ApiError('validation',
                message_id=f'{MODULE}.msg_email_taken')
    mobile = _normalize_mobile(body['mobile'])
    _check_mobile_free(pool, mobile)
    _check_password(pool, body['password'], User(email=email))
    if not body['name']:
        raise ApiError('malformed',
            message_id=f'{MODULE}.msg_error_field_missing', field='name')
    party = Party(
        name=body['name'],
        mobile_number=mobile,
        customer_source='portal',
        lang=_lang(pool, body.get('language') or call.language),
        notification_consent=body.get('notification_consent', True),
        marketing_consent=body.get('marketing_consent', False),
        )
    party.contact_mechanisms = [{'type': 'email', 'value': email}]
    party.save()
    if body.get('address'):
        _apply_address(pool, party, body['address'])
    user = User(email=email, party=party)
    user.password = body['password']
    user.save()
    User.validate_email([user])
    return _session_reply(pool, user)


@route('auth/login', 'POST', auth='none', body=LOGIN, response=SESSION,
    tags=['Customer account'], summary="Sign in",
    errors=[400, 401, 429])
def login(call):
    """Return a bearer session token and its expiry.  Too many failed
    attempts for the email (or from the network) answer 429."""
    pool = call.pool
    User = pool.get('web.user')
    user = User.authenticate(call.body['email'], call.body['password'])
    if not user or not user.party:
        # Returned, not raised: the failed attempt must be committed
        return ApiError('invalid_credentials')
    return _session_reply(pool, user)


@route('auth/logout', 'POST', response=None, status=HTTPStatus.NO_CONTENT,
    tags=['Customer account'], summary="Sign out", errors=[401])
def logout(call):
    "End the session of the bearer token"
    Session = call.pool.get('web.user.session')
    Session.remove(call.session_key)


@route('auth/reset-password', 'POST', auth='none', body=RESET,
    response=OK, status=HTTPStatus.ACCEPTED, tags=['Customer account'],
    summary="Send a password reset link", errors=[400])
def reset_password(call):
    """Email a reset link if the address is known; the answer is the same
    either way."""
    User = call.pool.get('web.user')
    try:
        email = normalize_email(call.body['email']).lower()
    except Exception:
        email = call.body['email'].lower()
    users = User.search([('email', '=', email)], limit=1)
    if users:
        User.reset_password(users)
    return {'ok': True}


@route('auth/set-password', 'POST', auth='none', body=SET_PASSWORD,
    response=OK, tags=['Customer account'],
    summary="Set a new password with the token of the reset link",
    errors=[400, 422])
def set_password(call):
    pool = call.pool
    User = pool.get('web.user')
    body = call.body
    _check_password(pool, body['password'], User(email=body['email']))
    if not User.set_password_token(
            body['email'], body['token'], body['password']):
        # Returned: the failed attempt is counted
        return ApiError('validation',
            message_id=f'{MODULE}.msg_invalid_token')
    return {'ok': True}


@route('auth/validate-email', 'POST', auth='none', body=VALIDATE,
    response=OK, tags=['Customer account'],
    summary="Confirm the email address with the token of the link",
    errors=[400, 422])
def validate_email_(call):
    User = call.pool.get('web.user')
    if not User.validate_email_token([call.body['token']]):
        raise ApiError('validation', message_id=f'{MODULE}.msg_invalid_token')
    return {'ok': True}


@route('auth/resend-validation', 'POST', response=OK,
    tags=['Customer account'], summary="Send the validation email again",
    errors=[401])
def resend_validation(call):
    User = call.pool.get('web.user')
    if not call.web_user.email_valid:
        User.validate_email([call.web_user])
    return {'ok': True}


@route('me', 'GET', response=ME, tags=['Customer account'],
    summary="The signed-in customer", errors=[401])
def me(call):
    return serialize_me(call.web_user)


@route('me', 'PATCH', body=ME_PATCH, response=ME,
    tags=['Customer account'],
    summary="Change the profile, address, preferences or password",
    errors=[400, 401, 422])
def me_patch(call):
    "Notification preferences are notification_consent and marketing_consent"
    pool = call.pool
    User = pool.get('web.user')
    body = call.body
    user = call.web_user
    party = user.party
    if 'password' in body:
        valid, _ = User.check_password(
            body.get('current_password') or '', user.password_hash)
        if not valid:
            raise ApiError('validation',
                message_id=f'{MODULE}.msg_wrong_password')
        _check_password(pool, body['password'], user)
        user.password = body['password']
        user.save()
    if 'name' in body:
        party.name = body['name']
    if 'mobile' in body:
        mobile = _normalize_mobile(body['mobile'])
        if mobile != party.mobile_number:
            _check_mobile_free(pool, mobile, party)
            party.mobile_number = mobile
    if 'language' in body:
        party.lang = _lang(pool, body['language'])
    for name in ['notification_consent', 'marketing_consent']:
        if name in body:
            setattr(party, name, body[name])
    party.save()
    if 'address' in body:
        _apply_address(pool, party, body['address'])
    return serialize_me(User(user.id))


# Reference data

@route('subdivisions', 'GET', auth='none', response=Array(SUBDIVISION),
    query={'country': String(max_length=2,
            description="ISO code of the country (default CN)")},
    tags=['Reference'], summary="Provinces and cities for addresses")
def subdivisions(call):
    Subdivision = call.pool.get('country.subdivision')
    country = (call.query.get('country') or 'CN').upper()
    records = Subdivision.search([
            ('country.code', '=', country),
            ], order=[('code', 'ASC')])
    return [{
            'code': s.code,
            'name': s.name,
            'parent': s.parent.code if s.parent else None,
            } for s in records]


@route('appliance-models', 'GET', auth='none', response=Array(MODEL),
    query={'q': String(max_length=100, description="Search text")},
    tags=['Reference'], summary="Appliance models that can be registered")
def appliance_models(call):
    Template = call.pool.get('product.template')
    domain = [('appliance', '=', True)]
    if text := call.query.get('q'):
        domain.append(['OR',
                ('model_code', 'ilike', f'%{text}%'),
                ('name', 'ilike', f'%{text}%'),
                ])
    templates = Template.search(domain, limit=50, order=[('name', 'ASC')])
    return [{
            'model_code': t.model_code,
            'name': t.name,
            'brand': t.appliance_brand.name if t.appliance_brand else None,
            'category': (t.appliance_category.name
                if t.appliance_category else None),
            'serial_example': (t.appliance_brand.serial_example
                if t.appliance_brand else None),
            } for t in templates]


# Appliances

@route('appliances', 'GET', response=page_of(APPLIANCE),
    query={**PAGE_QUERY,
        'status': Enum(['in_use', 'under_repair', 'scrapped', 'transferred']),
        'in_warranty': Boolean()},
    tags=['Appliances'], summary="My appliances", errors=[400, 401])
def appliances(call):
    Appliance = call.pool.get('appliance.appliance')
    domain = [('customer', '=', call.party.id)]
    if status := call.query.get('status'):
        domain.append(('status', '=', status))
    if 'in_warranty' in call.query:
        domain.append(('in_warranty', '=', call.query['in_warranty']))
    return paginate(call, Appliance, domain, serialize_appliance,
        order=[('id', 'ASC')])


@route('appliances', 'POST', body=APPLIANCE_POST, response=APPLIANCE_DETAIL,
    status=HTTPStatus.CREATED, max_size=10 * 1024 * 1024,
    tags=['Appliances'], summary="Register an appliance",
    errors=[400, 401, 422])
def appliance_create(call):
    """Register by model code, serial number, sale date and channel.  The
    rules of the registry apply: serial format of the brand, duplicate
    serial, sale date not in the future nor before production."""
    pool = call.pool
    Template = pool.get('product.template')
    Appliance = pool.get('appliance.appliance')
    Attachment = pool.get('ir.attachment')
    body = call.body
    templates = Template.search([
            ('appliance', '=', True),
            ('model_code', '=', body['model_code']),
            ], limit=1)
    if not templates:
        raise ApiError('validation', message_id=f'{MODULE}.msg_unknown_model',
            model=body['model_code'])
    template, = templates
    if not template.products:
        raise ApiError('validation', message_id=f'{MODULE}.msg_unknown_model',
            model=body['model_code'])
    appliance = Appliance(
        company=_company(call),
        customer=call.party,
        product=template.products[0],
        serial_number=body['serial_number'],
        sale_date=body['sale_date'],
        installation_date=body.get('installation_date'),
        production_date=body.get('production_date'),
        purchase_channel=body.get('purchase_channel'),
        invoice_reference=body.get('invoice_reference'),
        installation_address=call.party.address_get(),
        )
    appliance.save()
    if body.get('invoice_photo'):
        Attachment(
            resource=appliance,
            name=body.get('invoice_photo_name') or 'invoice.jpg',
            type='data',
            data=body['invoice_photo'],
            description=gettext(f'{MODULE}.msg_invoice_photo'),
            ).save()
    return serialize_appliance_detail(Appliance(appliance.id))


def serialize_appliance_detail(appliance):
    pool = Pool()
    Attachment = pool.get('ir.attachment')
    result = serialize_appliance(appliance)
    result['coverages'] = [serialize_coverage(c)
        for c in sorted(appliance.coverages,
            key=lambda c: (c.start_date, c.id))]
    result['service_history'] = [serialize_history(o)
        for o in sorted(appliance.work_orders,
            key=lambda o: o.id, reverse=True)]
    result['invoice_photos'] = [a.name for a in Attachment.search([
                ('resource', '=', str(appliance)),
                ])]
    return result


@route('appliances/<int:appliance_id>', 'GET', response=APPLIANCE_DETAIL,
    tags=['Appliances'],
    summary="An appliance with coverages and service history",
    errors=[401, 404])
def appliance(call, appliance_id):
    return serialize_appliance_detail(own_appliance(call, appliance_id))


# Slots

@route('slots', 'GET', response=Array(SLOT), query={
        'appliance': Id(description="Where the visit takes place"),
        'from': Date(description="First day (default today)"),
        'to': Date(description="Last day (default 14 days later)"),
        }, tags=['Appointments'], summary="Windows the customer can book",
    errors=[400, 401, 404])
def slots(call):
    """Slots of the service region of the appliance's installation address
    (or of the customer's address) with places left, from today on."""
    pool = call.pool
    Slot = pool.get('appliance.slot')
    Date_ = pool.get('ir.date')
    today = Date_.today()
    appliance = None
    if call.query.get('appliance'):
        appliance = own_appliance(call, call.query['appliance'])
    start = max(call.query.get('from') or today, today)
    end = call.query.get('to') or (start + dt.timedelta(days=14))
    if end < start:
        return []
    end = min(end, start + dt.timedelta(days=MAX_SLOT_DAYS))
    region = _region_for(call, _visit_address(call, appliance))
    if not region:
        return []
    records = Slot.search([
            ('region', '=', region.id),
            ('date', '>=', start),
            ('date', '<=', end),
            ('available', '>', 0),
            ])
    return [serialize_slot(s) for s in records]


# Service requests

@route('service-requests', 'GET', response=page_of(REQUEST),
    query={**PAGE_QUERY,
        'kind': Enum(REQUEST_KINDS),
        'state': Enum(['draft', 'open', 'in_progress', 'resolved',
                'closed', 'cancelled']),
        'appliance': Id()},
    tags=['Service requests'], summary="My service requests",
    errors=[400, 401])
def service_requests(call):
    Request = call.pool.get('appliance.service.request')
    domain = [('customer', '=', call.party.id)]
    for name in ['kind', 'state', 'appliance']:
        if name in call.query:
            domain.append((name, '=', call.query[name]))
    if since := call.query.pop('updated_since', None):
        domain.append(['OR',
                ('write_date', '>=', since),
                ('create_date', '>=', since),
                ('work_orders.write_date', '>=', since),
                ('work_orders.create_date', '>=', since),
                ])
    return paginate(call, Request, domain, serialize_request)


@route('service-requests', 'POST', body=REQUEST_POST,
    response=REQUEST_DETAIL, status=HTTPStatus.CREATED,
    tags=['Service requests'],
    summary="Book a visit or send a consultation or complaint",
    errors=[400, 401, 404, 409, 422])
def service_request_create(call):
    """Repair, installation and maintenance need a slot: the request is
    opened, its work order created and the slot booked as staff do.  A full
    slot answers 409 and nothing is saved."""
    pool = call.pool
    Request = pool.get('appliance.service.request')
    WorkOrder = pool.get('appliance.work_order')
    body = call.body
    kind = body['kind']
    appliance = None
    if body.get('appliance'):
        appliance = own_appliance(call, body['appliance'])
    if kind in {'repair', 'maintenance'} and not appliance:
        raise ApiError('validation',
            message_id=f'{MODULE}.msg_appliance_required')
    address = _visit_address(call, appliance)
    slot = None
    if kind in VISIT_KINDS:
        if not address:
            raise ApiError('validation',
                message_id=f'{MODULE}.msg_address_required')
        if not body.get('slot'):
            raise ApiError('validation',
                message_id=f'{MODULE}.msg_slot_required')
        slot = own_slot(call, body['slot'], _region_for(call, address))
    request = Request(
        company=_company(call),
        kind=kind,
        channel='portal',
        customer=call.party,
        contact_mobile=call.party.mobile_number,
        appliance=appliance,
        address=address,
        description=body['description'],
        )
    request.save()
    Request.open([request])
    if slot:
        order, = Request.create_work_order([request])
        order.slot = slot
        order.save()
        WorkOrder.schedule([order])
    return serialize_request_detail(Request(request.id))


@route('service-requests/<int:request_id>', 'GET', response=REQUEST_DETAIL,
    tags=['Service requests'],
    summary="A request with its visits and public timeline",
    errors=[401, 404])
def service_request(call, request_id):
    return serialize_request_detail(own_request(call, request_id))


@route('service-requests/<int:request_id>/cancel', 'POST',
    response=REQUEST_DETAIL, tags=['Service requests'],
    summary="Cancel a request and its coming visit",
    errors=[401, 404, 409])
def service_request_cancel(call, request_id):
    "Possible until the engineer is on the way; the slot is released"
    pool = call.pool
    Request = pool.get('appliance.service.request')
    WorkOrder = pool.get('appliance.work_order')
    request = own_request(call, request_id)
    if not _can_cancel(request):
        raise ApiError('wrong_state',
            message_id=f'{MODULE}.msg_cannot_cancel')
    orders = [o for o in request.work_orders if o.state != 'cancelled']
    if orders:
        WorkOrder.cancel(orders)
    Request.cancel([request])
    return serialize_request_detail(Request(request.id))


@route('service-requests/<int:request_id>/reschedule', 'POST',
    body=RESCHEDULE, response=REQUEST_DETAIL, tags=['Service requests'],
    summary="Move the coming visit to another slot",
    errors=[400, 401, 404, 409, 422])
def service_request_reschedule(call, request_id):
    pool = call.pool
    Request = pool.get('appliance.service.request')
    WorkOrder = pool.get('appliance.work_order')
    request = own_request(call, request_id)
    order = _active_order(request)
    if not order or order.state not in {'draft', 'scheduled', 'dispatched'}:
        raise ApiError('wrong_state',
            message_id=f'{MODULE}.msg_cannot_reschedule')
    slot = own_slot(call, call.body['slot'], order.region)
    if order.slot == slot:
        raise ApiError('validation', message_id=f'{MODULE}.msg_same_slot')
    if order.state == 'draft':
        order.slot = slot
        order.save()
        WorkOrder.schedule([order])
    else:
        WorkOrder.reschedule([order], slot)
    return serialize_request_detail(Request(request.id))


def _order_to_rate(call, request, order_id=None):
    orders = sorted(request.work_orders, key=lambda o: o.id, reverse=True)
    if order_id:
        orders = [o for o in orders if o.id == order_id]
        if not orders:
            raise ApiError('not_found')
        return orders[0]
    for order in orders:
        if order.state == 'done':
            return order
    raise ApiError('wrong_state', message_id=f'{MODULE}.msg_nothing_to_rate')


@route('service-requests/<int:request_id>/rating', 'POST', body=RATING_POST,
    response=REQUEST_DETAIL, status=HTTPStatus.CREATED,
    tags=['Service requests'], summary="Rate a finished visit",
    errors=[400, 401, 404, 409])
def service_request_rating(call, request_id):
    "Once per visit: a second rating answers 409"
    pool = call.pool
    Request = pool.get('appliance.service.request')
    WorkOrder = pool.get('appliance.work_order')
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    request = own_request(call, request_id)
    order = _order_to_rate(call, request, call.body.get('work_order'))
    WorkOrder.lock([order])
    if PortalWorkOrder.rated(order):
        raise ApiError('already_rated')
    if order.state != 'done':
        raise ApiError('wrong_state',
            message_id=f'{MODULE}.msg_nothing_to_rate')
    scores = {k: call.body[k] for k in [
            'overall', 'punctuality', 'attitude', 'quality'] if k in call.body}
    PortalWorkOrder.rate(order, scores, channel='portal',
        comment=call.body.get('comment'))
    return serialize_request_detail(Request(request.id))


@route('service-requests/<int:request_id>/satisfaction', 'POST',
    body=SATISFACTION_POST, response=REQUEST_DETAIL,
    tags=['Service requests'],
    summary="Say how satisfied you are with the reply",
    errors=[400, 401, 404, 409])
def service_request_satisfaction(call, request_id):
    "For consultations and complaints once they are resolved"
    Request = call.pool.get('appliance.service.request')
    request = own_request(call, request_id)
    if request.state != 'resolved':
        raise ApiError('wrong_state',
            message_id=f'{MODULE}.msg_not_resolved')
    request.satisfaction = str(call.body['satisfaction'])
    request.save()
    return serialize_request_detail(Request(request.id))


@route('service-requests/<int:request_id>/quote', 'POST',
    body=QUOTE_POST, response=REQUEST_DETAIL, tags=['Service requests'],
    summary="Accept or decline the quote of out-of-warranty work",
    errors=[400, 401, 404, 409])
def service_request_quote(call, request_id):
    pool = call.pool
    Request = pool.get('appliance.service.request')
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    request = own_request(call, request_id)
    PortalWorkOrder.decide_quote(
        list(request.work_orders), call.body['decision'] == 'accept')
    return serialize_request_detail(Request(request.id))

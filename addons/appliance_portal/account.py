# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Customer accounts: sign-up, sign-in, email confirmation, passwords and
the profile.

Sign-up answers the same whether the email or the mobile number is known:
the owner of a known address gets an email, the owner of a known mobile
number an SMS, saying they already have an account.  An account signs in
once its email address is confirmed; the confirmation link signs in.
"""
import datetime as dt
import random
import time
from http import HTTPStatus
from typing import Literal, Optional

from pydantic import Field, model_validator

from trytond.modules.appliance.party import normalize_mobile
from trytond.modules.appliance_security.exceptions import SecondFactorRequired
from trytond.pool import Pool
from trytond.tools.email_ import EmailNotValidError, validate_email
from trytond.transaction import Transaction, without_check_access

from .api import MODULE, ApiError, route
from .schema import Body, Ok, Reply, multiline, one_of, secret, text
from .web_user import privacy_policy_version

LANGUAGE = Literal['en', 'zh_CN']
EMAIL_PATTERN = r'^[^@\s]+@[^@\s]+\.[^@\s]+$'
Email = text(254, min_length=3, pattern=EMAIL_PATTERN,
    json_schema_extra={'format': 'email'})
Password = secret(128, min_length=1)


class AddressIn(Body):
    street: Optional[multiline(500)] = None
    city: Optional[text(100)] = None
    district: Optional[text(100)] = None
    postal_code: Optional[text(20)] = None
    subdivision: Optional[text(10)] = Field(None, examples=['CN-ZJ'],
        description="ISO 3166-2 code of the province, e.g. CN-ZJ")


class AddressOut(Reply):
    street: Optional[str]
    city: Optional[str]
    district: Optional[str]
    postal_code: Optional[str]
    subdivision: Optional[str]
    subdivision_name: Optional[str]


class Me(Reply):
    id: int
    email: str
    email_valid: bool
    name: str
    mobile: Optional[str]
    customer_number: Optional[str]
    language: Optional[str]
    notification_consent: bool
    marketing_consent: bool
    privacy_policy_version: Optional[str]
    privacy_consent_date: Optional[dt.datetime]
    address: Optional[AddressOut]


class Session(Reply):
    token: str = Field(description="Send it as `Authorization: Bearer`")
    token_type: Literal['Bearer']
    expires_at: dt.datetime
    user: Me


class Signup(Body):
    email: Email
    password: Password
    name: text(100, min_length=1)
    mobile: text(32, min_length=1) = Field(examples=['13812345678'])
    language: Optional[LANGUAGE] = None
    address: Optional[AddressIn] = None
    notification_consent: bool = True
    marketing_consent: bool = False
    privacy_consent: bool = Field(False,
        description="The customer accepts the privacy policy of "
        "GET privacy-policy; sign-up is refused without it")


class PrivacyPolicy(Reply):
    version: str = Field(description="Send privacy_consent at sign-up to "
        "accept this version")


class Login(Body):
    login: text(254, min_length=1) = Field(
        description="The email address or the mobile phone number")
    password: Password
    code: Optional[secret(32, min_length=1)] = Field(None,
        description="The code of the authenticator app or a recovery code, "
        "when the answer was second_factor_required")


class EmailOnly(Body):
    email: Email


class SetPassword(Body):
    email: Email
    token: secret(256, min_length=1)
    password: Password


class Token(Body):
    token: secret(256, min_length=1)


class MePatch(Body):
    "The fields to change; null is refused where a value is needed"
    name: text(100, min_length=1) = None
    mobile: text(32, min_length=1) = None
    language: LANGUAGE = None
    address: Optional[AddressIn] = None
    notification_consent: bool = None
    marketing_consent: bool = None
    password: Password = None
    current_password: secret(128) = None


# Helpers

def normalized_mobile(mobile):
    normalized = normalize_mobile(mobile)
    if not normalized:
        raise ApiError('validation', f'{MODULE}.msg_invalid_mobile',
            field='mobile', mobile=mobile)
    return normalized


def checked_email(email):
    "The email in lower case, checked by Tryton's rules"
    try:
        return validate_email(email.lower())
    except EmailNotValidError:
        raise ApiError('validation', f'{MODULE}.msg_invalid_email',
            field='email')


def language_of(code):
    Lang = Pool().get('ir.lang')
    if not code:
        return None
    langs = Lang.search([('code', '=', code)], limit=1)
    return langs[0] if langs else None


def apply_address(party, values):
    "Write the AddressIn values on the first address of party (creating it)"
    pool = Pool()
    Address = pool.get('party.address')
    Subdivision = pool.get('country.subdivision')
    Country = pool.get('country.country')
    address = party.address_get() or Address(party=party)
    given = values.given()
    if 'street' in given:
        address.street_unstructured = given['street'] or None
    for name in ['city', 'district', 'postal_code']:
        if name in given:
            setattr(address, name, given[name] or None)
    if 'subdivision' in given:
        code = given['subdivision']
        if code:
            subdivisions = Subdivision.search(
                [('code', '=', code.upper())], limit=1)
            if not subdivisions:
                raise ApiError('validation',
                    f'{MODULE}.msg_unknown_subdivision',
                    field='address.subdivision', code=code)
            address.subdivision, = subdivisions
            address.country = address.subdivision.country
        else:
            address.subdivision = None
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
        'privacy_policy_version': web_user.privacy_policy_version,
        'privacy_consent_date': web_user.privacy_consent_date,
        'address': serialize_address(party.address_get()),
        }


def session_reply(web_user):
    Session = Pool().get('web.user.session')
    key = web_user.new_session()
    session, = Session.search([('key', '=', key)])
    return {
        'token': key,
        'token_type': 'Bearer',
        'expires_at': session.create_date + Session.timeout(),
        'user': serialize_me(web_user),
        }


def check_mobile_free(mobile, web_user):
    "Refuse the mobile number of another account: it signs in"
    WebUser = Pool().get('web.user')
    with without_check_access():
        if WebUser.search([
                    ('party.mobile_number', '=', mobile),
                    ('id', '!=', web_user.id),
                    ], limit=1):
            raise ApiError('validation', f'{MODULE}.msg_mobile_taken',
                field='mobile')


def check_password_strength(password, web_user):
    "Refuse a weak password with the reason (appliance_security's rule)"
    User = Pool().get('res.user')
    User.validate_password(password, [web_user])


# Sign-up and sign-in

@route('privacy-policy', 'GET', auth='none', response=PrivacyPolicy,
    tags=['Customer account'], summary="The privacy policy in force")
def privacy_policy(call):
    """The version of the privacy policy a sign-up accepts; the portal shows
    its text"""
    return {'version': privacy_policy_version()}


@route('auth/signup', 'POST', auth='none', body=Signup, response=Ok,
    status=HTTPStatus.ACCEPTED, tags=['Customer account'],
    summary="Create a customer account", errors=[422, 429])
def signup(call):
    """Create the account and its customer (source: portal sign-up) and
    email the confirmation link; the account signs in once the address is
    confirmed.  The answer is the same when the email address or the mobile
    number already has an account: their owner gets an email or an SMS
    saying so instead."""
    pool = call.pool
    WebUser = pool.get('web.user')
    Party = pool.get('party.party')
    body = call.body
    email = checked_email(body.email)
    mobile = normalized_mobile(body.mobile)
    if not body.privacy_consent:
        raise ApiError('validation', f'{MODULE}.msg_privacy_consent_required',
            field='privacy_consent')
    check_password_strength(body.password,
        WebUser(email=email, party=Party(name=body.name)))
    # Answer in the same time whether the account exists
    Transaction().atexit(time.sleep, random.random() / 2)
    with without_check_access():
        existing = WebUser.search([('email', '=', email)], limit=1)
        holder = WebUser.find_by_mobile(mobile)
    if existing or holder:
        # The work of a new account, so that the time tells nothing
        WebUser.hash_password(body.password)
        if existing:
            WebUser.send_account_exists(existing)
        else:
            WebUser.send_account_exists_sms([holder], mobile)
        return {'ok': True}
    user = WebUser.sign_up(email, body.password, {
            'name': body.name,
            'mobile_number': mobile,
            'customer_source': 'portal',
            'lang': language_of(body.language or call.language),
            'notification_consent': body.notification_consent,
            'marketing_consent': body.marketing_consent,
            })
    if body.address:
        apply_address(user.party, body.address)
    return {'ok': True}


def _email_of_login(login):
    "The email of the account of login, an email or a mobile number"
    WebUser = Pool().get('web.user')
    if '@' not in login:
        mobile = normalize_mobile(login)
        user = WebUser.find_by_mobile(mobile) if mobile else None
        if user:
            return user.email
    return login.lower()


@route('auth/login', 'POST', auth='none', body=Login, response=Session,
    tags=['Customer account'], summary="Sign in",
    errors=[401, 403, 429])
def login(call):
    """Sign in with the email address or the mobile phone number.  With an
    authenticator app set up, the first answer is 401
    second_factor_required: send the same again with its code.  A wrong
    password makes the next attempt on the account wait 2^n - 1 seconds
    (n failures); more than [session] max_attempt failures answer 429 with
    Retry-After."""
    pool = call.pool
    WebUser = pool.get('web.user')
    body = call.body
    email = _email_of_login(body.login)
    try:
        with without_check_access():
            user = WebUser.authenticate(email, body.password, body.code)
    except SecondFactorRequired:
        # Returned, not raised: what the login log wrote is committed
        return ApiError('second_factor_required')
    if not user or not user.party:
        return ApiError('invalid_credentials')
    if not user.email_valid:
        return ApiError('forbidden', f'{MODULE}.msg_email_not_confirmed')
    return session_reply(user)


@route('auth/logout', 'POST', response=None, status=HTTPStatus.NO_CONTENT,
    tags=['Customer account'], summary="Sign out", errors=[401])
def logout(call):
    "End the session of the bearer token"
    Session = call.pool.get('web.user.session')
    Session.remove(call.session_key)


@route('auth/validate-email', 'POST', auth='none', body=Token,
    response=Session, tags=['Customer account'],
    summary="Confirm the email address and sign in", errors=[422])
def validate_email_(call):
    "The token of the link of the confirmation email signs in"
    WebUser = call.pool.get('web.user')
    with without_check_access():
        users = WebUser.validate_email_token([call.body.token])
    if not users:
        raise ApiError('validation', f'{MODULE}.msg_invalid_token',
            field='token')
    user, = users
    return session_reply(user)


@route('auth/resend-validation', 'POST', auth='none', body=EmailOnly,
    response=Ok, status=HTTPStatus.ACCEPTED, tags=['Customer account'],
    summary="Send the confirmation email again")
def resend_validation(call):
    "The answer is the same whether the address has an account"
    WebUser = call.pool.get('web.user')
    Transaction().atexit(time.sleep, random.random() / 2)
    with without_check_access():
        users = WebUser.search([
                ('email', '=', call.body.email.lower()),
                ('email_valid', '=', False),
                ], limit=1)
        if users:
            WebUser.validate_email(users)
    return {'ok': True}


# Passwords

class PasswordReset(Body):
    "The email address or the mobile phone number, not both"
    email: Optional[Email] = None
    mobile: Optional[text(32, min_length=1)] = None

    @model_validator(mode='after')
    def _one(self):
        if bool(self.email) == bool(self.mobile):
            raise one_of('email', 'mobile')
        return self


class SetPasswordSms(Body):
    mobile: text(32, min_length=1)
    code: secret(16, min_length=1)
    password: Password


@route('auth/reset-password', 'POST', auth='none', body=PasswordReset,
    response=Ok, status=HTTPStatus.ACCEPTED, tags=['Customer account'],
    summary="Send a reset link by email or a code by SMS")
def reset_password(call):
    """With email: a link to a confirmed address; with mobile: a 6-digit
    code by SMS.  The answer is the same either way."""
    WebUser = call.pool.get('web.user')
    body = call.body
    with without_check_access():
        if body.email:
            WebUser.request_password_reset(body.email.lower(), 'email')
        else:
            WebUser.request_password_reset(
                normalize_mobile(body.mobile) or body.mobile, 'sms')
    return {'ok': True}


@route('auth/set-password', 'POST', auth='none', body=SetPassword,
    response=Ok, tags=['Customer account'],
    summary="Set a new password with the token of the reset link",
    errors=[422])
def set_password(call):
    "Every session of the account ends"
    WebUser = call.pool.get('web.user')
    body = call.body
    email = body.email.lower()
    check_password_strength(body.password, WebUser(email=email))
    with without_check_access():
        done = WebUser.set_password_token(email, body.token, body.password)
    if not done:
        # Returned: the failed attempt is counted
        return ApiError('validation', f'{MODULE}.msg_invalid_token',
            field='token')
    return {'ok': True}


@route('auth/set-password-sms', 'POST', auth='none', body=SetPasswordSms,
    response=Ok, tags=['Customer account'],
    summary="Set a new password with the code received by SMS",
    errors=[422])
def set_password_sms(call):
    "Every session of the account ends"
    WebUser = call.pool.get('web.user')
    body = call.body
    mobile = normalize_mobile(body.mobile) or body.mobile
    with without_check_access():
        done = WebUser.set_password_sms(mobile, body.code, body.password)
    if not done:
        return ApiError('validation', f'{MODULE}.msg_invalid_token',
            field='code')
    return {'ok': True}


# Profile

@route('me', 'GET', response=Me, tags=['Customer account'],
    summary="The signed-in customer", errors=[401])
def me(call):
    return serialize_me(call.web_user)


@route('me', 'PATCH', body=MePatch, response=Me,
    tags=['Customer account'],
    summary="Change the profile, address, preferences or password",
    errors=[400, 401, 422])
def me_patch(call):
    """Notification preferences are notification_consent and
    marketing_consent.  A new password needs the current one and ends the
    other sessions of the account."""
    pool = call.pool
    WebUser = pool.get('web.user')
    body = call.body.given()
    user = call.web_user
    party = user.party
    if 'password' in body:
        valid, _ = WebUser.check_password(
            body.get('current_password') or '', user.password_hash)
        if not valid:
            raise ApiError('validation', f'{MODULE}.msg_wrong_password',
                field='current_password')
        check_password_strength(body['password'], user)
        user.password = body['password']
        user.save()
    if 'name' in body:
        party.name = body['name']
    if 'mobile' in body:
        mobile = normalized_mobile(body['mobile'])
        if mobile != party.mobile_number:
            check_mobile_free(mobile, user)
            WebUser.set_mobile(party, mobile)
    if 'language' in body:
        party.lang = language_of(body['language'])
    for name in ['notification_consent', 'marketing_consent']:
        if name in body:
            setattr(party, name, body[name])
    party.save()
    if body.get('address'):
        apply_address(party, call.body.address)
    return serialize_me(WebUser(user.id))

# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The types of the request and reply models of the API (pydantic v2).

A request model refuses unknown keys (``extra='forbid'``) and converts
nothing (``strict``): a number sent as a string is refused.  The OpenAPI
document is generated from the same models (openapi.py).
"""
import base64
import binascii
import datetime as dt
import re
from typing import Annotated, Generic, List, Optional, TypeVar

from pydantic import (
    AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field,
    PlainSerializer, StringConstraints, WithJsonSchema)
from pydantic_core import PydanticCustomError

# Tryton refuses the C0 controls in Char fields; the C1 ones (U+0080 to
# U+009F, e.g. NEL and CSI) are refused too: a terminal or a log reads them
CONTROLS = re.compile('[\x00-\x1f\x7f-\x9f]')
# Multi-line texts take line breaks and tabs
MULTILINE_CONTROLS = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]')
# The dates of people's lives and of appliances: nothing before
OLDEST_DATE = dt.date(1950, 1, 1)
INT32 = 2 ** 31 - 1
# The images a phone or a scanner sends, by their first bytes
IMAGE_SIGNATURES = [
    (b'\xff\xd8\xff', 'jpg'),
    (b'\x89PNG\r\n\x1a\n', 'png'),
    (b'GIF87a', 'gif'),
    (b'GIF89a', 'gif'),
    ]
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def _refuse(code, **context):
    return PydanticCustomError(code, code, context)


def one_of(*fields):
    "The error of a body that needs exactly one of fields"
    return _refuse('one_of', fields=', '.join(fields))


def _no_controls(value):
    "Refuse the controls before the text is stripped (NEL is a space)"
    if isinstance(value, str) and CONTROLS.search(value):
        raise _refuse('control_characters')
    return value


def _no_multiline_controls(value):
    if isinstance(value, str) and MULTILINE_CONTROLS.search(value):
        raise _refuse('control_characters')
    return value


def _encodable(value):
    "Refuse the lone surrogates that JSON escapes can carry"
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        raise _refuse('control_characters')
    return value


def text(max_length, min_length=None, **kwargs):
    """A single-line text: stripped, without control characters; with
    min_length a blank text is refused"""
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=min_length,
            max_length=max_length),
        BeforeValidator(_no_controls),
        AfterValidator(_encodable),
        Field(**kwargs),
        ]


def multiline(max_length, min_length=None, **kwargs):
    "A text of several lines: line breaks and tabs are kept"
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=min_length,
            max_length=max_length),
        BeforeValidator(_no_multiline_controls),
        AfterValidator(_encodable),
        Field(**kwargs),
        ]


def secret(max_length, min_length=None, **kwargs):
    "A password or a token: kept as sent"
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        BeforeValidator(_no_controls),
        AfterValidator(_encodable),
        Field(**kwargs),
        ]


Id = Annotated[int, Field(ge=1, le=INT32)]
Score = Annotated[int, Field(ge=1, le=5)]


def _past_date(value):
    "A date of the past: a sale, an installation, a production"
    # The server's day may be behind the customer's by a time zone
    if value > dt.date.today() + dt.timedelta(days=1):
        raise _refuse('date_future')
    if value < OLDEST_DATE:
        raise _refuse('date_too_old', oldest=OLDEST_DATE.isoformat())
    return value


def _near_date(value):
    "A day around now: from 1950 to a year from now"
    if value < OLDEST_DATE:
        raise _refuse('date_too_old', oldest=OLDEST_DATE.isoformat())
    if value > dt.date.today() + dt.timedelta(days=366):
        raise _refuse('date_future')
    return value


PastDate = Annotated[dt.date, AfterValidator(_past_date)]
NearDate = Annotated[dt.date, AfterValidator(_near_date)]


def _instant(value):
    """An instant of the years people live in; a naive one is read in the
    time zone of the company (api.utc_instant)"""
    if value.year < OLDEST_DATE.year:
        raise _refuse('date_too_old', oldest=OLDEST_DATE.isoformat())
    if value.year > 9000:
        raise _refuse('date_future')
    if value.tzinfo is not None:
        try:
            value = value.astimezone(dt.timezone.utc)
        except OverflowError:
            raise _refuse('date_future')
    return value


Instant = Annotated[dt.datetime, AfterValidator(_instant)]


def _base64(value):
    if not isinstance(value, str):
        raise _refuse('invalid')
    if value.startswith('data:') and ',' in value[:100]:
        value = value.split(',', 1)[1]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _refuse('base64')


def image_type(data):
    "Return the extension of the image data or None"
    for signature, extension in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return extension
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        return 'webp'
    if data[4:8] == b'ftyp' and data[8:12] in {
            b'heic', b'heix', b'mif1', b'msf1'}:
        return 'heic'


def _image(value):
    if len(value) > MAX_IMAGE_BYTES:
        raise _refuse('too_large', limit=MAX_IMAGE_BYTES)
    if not image_type(value):
        raise _refuse('not_image')
    return value


Base64Image = Annotated[
    bytes,
    BeforeValidator(_base64),
    AfterValidator(_image),
    WithJsonSchema({
            'type': 'string', 'contentEncoding': 'base64',
            'contentMediaType': 'image/*',
            'description': "Base64 of a JPEG, PNG, GIF, WebP or HEIC "
            "image (5 MB at most)"}),
    ]
FileName = text(100, min_length=1)

# Replies: what the handlers answer
Date = Annotated[dt.date, PlainSerializer(lambda v: v.isoformat())]
DateTime = Annotated[
    dt.datetime,
    WithJsonSchema({
            'type': 'string', 'format': 'date-time',
            'description': "ISO 8601 with the offset of the company's "
            "time zone"}),
    ]
Decimal = Annotated[
    str, WithJsonSchema({
            'type': 'string', 'pattern': r'^-?\d+(\.\d+)?$',
            'description': "A decimal number as a string"})]


class Body(BaseModel):
    "A request body: unknown keys and conversions are refused"
    model_config = ConfigDict(
        extra='forbid', strict=True, str_strip_whitespace=False,
        allow_inf_nan=False)

    def given(self):
        "The fields the client sent"
        return {name: getattr(self, name) for name in self.model_fields_set}


class Query(BaseModel):
    "The parameters of a query string (texts converted to their types)"
    model_config = ConfigDict(extra='forbid', allow_inf_nan=False)


class Reply(BaseModel):
    "The answer of an endpoint, for the document and its tests"
    model_config = ConfigDict(extra='forbid')


class Empty(Body):
    "An operation without data: an empty object or no body at all"


Item = TypeVar('Item')


class Page(Reply, Generic[Item]):
    "A page of a list"
    items: List[Item]
    total: Annotated[int, Field(ge=0)]
    limit: Annotated[int, Field(ge=1)]
    offset: Annotated[int, Field(ge=0)]


class PageQuery(Query):
    limit: Annotated[int, Field(ge=1, le=100,
            description="Page size (default 20)")] = 20
    offset: Annotated[int, Field(ge=0, le=INT32,
            description="Records to skip")] = 0
    updated_since: Annotated[Optional[Instant], Field(
            description="Only the records created or changed since then; "
            "without offset in the company's time zone")] = None


class Ok(Reply):
    ok: bool

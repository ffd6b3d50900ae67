# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The customer's appliances and the reference data of the forms: models
with the serial number rule of their brand, provinces and cities, regions.
"""
import datetime as dt
from http import HTTPStatus
from typing import List, Literal, Optional

from pydantic import Field
from werkzeug.utils import secure_filename

from trytond.i18n import gettext
from trytond.modules.appliance.appliance import PURCHASE_CHANNELS
from trytond.pool import Pool

from .api import (
    MODULE, ApiError, paginate, record_or_404, route, selection_string)
from .schema import (
    Base64Image, Body, FileName, Page, PageQuery, PastDate, Query, Reply,
    image_type, text)

CHANNELS = tuple(c for c, _ in PURCHASE_CHANNELS if c)
STATUSES = ('in_use', 'under_repair', 'scrapped', 'transferred')


class Coverage(Reply):
    kind: str
    kind_string: str
    component: Optional[str]
    origin: str
    start_date: dt.date
    end_date: dt.date
    in_warranty: bool


class Appliance(Reply):
    id: int
    serial_number: str
    model_code: Optional[str]
    model_name: str
    brand: Optional[str]
    category: Optional[str]
    production_date: Optional[dt.date]
    sale_date: Optional[dt.date]
    installation_date: Optional[dt.date]
    purchase_channel: Optional[str]
    invoice_reference: Optional[str]
    status: str
    status_string: str
    in_warranty: bool
    warranty_end_date: Optional[dt.date]


class ServiceHistoryEntry(Reply):
    work_order: str
    work_order_id: int = Field(description="The visit a complaint may name")
    request_id: Optional[int]
    kind: str
    state: str
    state_string: str
    appointment_start: Optional[dt.datetime]
    done_at: Optional[dt.datetime]
    description: Optional[str]


class ApplianceDetail(Appliance):
    coverages: List[Coverage]
    service_history: List[ServiceHistoryEntry]
    invoice_photos: List[str]


class ApplianceRegistration(Body):
    model_code: text(100, min_length=1) = Field(examples=['KFR-35GW'])
    serial_number: text(100, min_length=1)
    sale_date: PastDate
    purchase_channel: Optional[Literal[CHANNELS]] = None
    installation_date: Optional[PastDate] = None
    production_date: Optional[PastDate] = None
    invoice_reference: Optional[text(100)] = None
    invoice_photo: Optional[Base64Image] = None
    invoice_photo_name: Optional[FileName] = None


class ApplianceQuery(PageQuery):
    status: Optional[Literal[STATUSES]] = None
    in_warranty: Optional[bool] = None


class ApplianceModel(Reply):
    model_code: str
    name: str
    brand: Optional[str]
    category: Optional[str]
    serial_pattern: Optional[str] = Field(description="The regular "
        "expression every serial number of the brand matches in full")
    serial_example: Optional[str]
    serial_rule: Optional[str] = Field(
        description="The rule in words, in the language asked")


class ModelQuery(Query):
    q: Optional[text(100)] = Field(None, description="Search text")


class Subdivision(Reply):
    code: Optional[str]
    name: str
    type: Optional[str]
    parent: Optional[str]


class SubdivisionQuery(Query):
    country: Optional[text(2)] = Field(None,
        description="ISO code of the country (default CN)")


class Region(Reply):
    id: int
    name: str
    code: str
    subdivisions: List[str] = Field(description="ISO codes of the "
        "provinces or cities served")
    cities: List[str] = Field(description="The only cities served, when "
        "given")


# Serialisation

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
        'work_order_id': order.id,
        'request_id': order.request.id if order.request else None,
        'kind': order.kind,
        'state': order.state,
        'state_string': order.state_string,
        'appointment_start': order.appointment_start,
        'done_at': order.done_at,
        'description': order.description,
        }


def serialize_appliance_detail(appliance):
    Attachment = Pool().get('ir.attachment')
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


def own_appliance(call, appliance_id):
    "The appliance of the customer: the record rules hide the others'"
    Appliance_ = call.pool.get('appliance.appliance')
    return record_or_404(Appliance_, appliance_id)


def photo_name(name, data):
    "A clean file name of the photo data, with the extension of its type"
    extension = image_type(data)
    stem = secure_filename(name or '').rsplit('.', 1)[0]
    return f'{stem or "invoice"}.{extension}'


# Reference data

@route('subdivisions', 'GET', auth='none', response=List[Subdivision],
    query=SubdivisionQuery, tags=['Reference'],
    summary="Provinces for the addresses")
def subdivisions(call):
    """The subdivisions of ISO 3166-2 of the country (the provinces,
    municipalities and regions of China); the city and the district of an
    address are texts"""
    Subdivision_ = call.pool.get('country.subdivision')
    country = (call.query.country or 'CN').upper()
    records = Subdivision_.search([
            ('country.code', '=', country),
            ], order=[('code', 'ASC')])
    return [{
            'code': s.code,
            'name': s.name,
            'type': s.type,
            'parent': s.parent.code if s.parent else None,
            } for s in records]


@route('regions', 'GET', auth='none', response=List[Region],
    tags=['Reference'], summary="The service regions and what they serve")
def regions(call):
    Region_ = call.pool.get('appliance.service.region')
    return [{
            'id': r.id,
            'name': r.name,
            'code': r.code,
            'subdivisions': sorted(s.code for s in r.subdivisions if s.code),
            'cities': sorted(r.city_names),
            } for r in Region_.search([], order=[('code', 'ASC')])]


def serial_rule(brand):
    if not brand or not brand.serial_pattern:
        return None
    if brand.serial_example:
        return gettext(f'{MODULE}.msg_serial_rule', brand=brand.name,
            example=brand.serial_example,
            length=len(brand.serial_example))
    return gettext(f'{MODULE}.msg_serial_rule_pattern', brand=brand.name,
        pattern=brand.serial_pattern)


@route('appliance-models', 'GET', auth='none',
    response=List[ApplianceModel], query=ModelQuery, tags=['Reference'],
    summary="Appliance models that can be registered")
def appliance_models(call):
    "With the serial number rule of the brand: a pattern and in words"
    Template = call.pool.get('product.template')
    domain = [('appliance', '=', True)]
    if text_ := call.query.q:
        domain.append(['OR',
                ('model_code', 'ilike', f'%{text_}%'),
                ('name', 'ilike', f'%{text_}%'),
                ])
    templates = Template.search(domain, limit=50, order=[('name', 'ASC')])
    result = []
    for template in templates:
        brand = template.appliance_brand
        result.append({
                'model_code': template.model_code,
                'name': template.name,
                'brand': brand.name if brand else None,
                'category': (template.appliance_category.name
                    if template.appliance_category else None),
                'serial_pattern': brand.serial_pattern if brand else None,
                'serial_example': brand.serial_example if brand else None,
                'serial_rule': serial_rule(brand),
                })
    return result


# Appliances

@route('appliances', 'GET', response=Page[Appliance], query=ApplianceQuery,
    tags=['Appliances'], summary="My appliances", errors=[401])
def appliances(call):
    Appliance_ = call.pool.get('appliance.appliance')
    # The customer's appliances: the record rules of the portal
    domain = []
    if call.query.status:
        domain.append(('status', '=', call.query.status))
    if call.query.in_warranty is not None:
        domain.append(('in_warranty', '=', call.query.in_warranty))
    return paginate(call, Appliance_, domain, serialize_appliance,
        order=[('id', 'ASC')])


@route('appliances', 'POST', body=ApplianceRegistration,
    response=ApplianceDetail, status=HTTPStatus.CREATED,
    location='appliances/{id}', max_size=8 * 1024 * 1024,
    tags=['Appliances'], summary="Register an appliance",
    errors=[401, 422])
def appliance_create(call):
    """Register by model code, serial number, sale date and channel.  The
    rules of the registry apply: serial format of the brand, duplicate
    serial, dates neither in the future nor before production.  The invoice
    photo must be an image; its name is cleaned."""
    pool = call.pool
    Template = pool.get('product.template')
    Appliance_ = pool.get('appliance.appliance')
    Attachment = pool.get('ir.attachment')
    body = call.body
    templates = Template.search([
            ('appliance', '=', True),
            ('model_code', '=', body.model_code),
            ], limit=1)
    if not templates or not templates[0].products:
        raise ApiError('validation', f'{MODULE}.msg_unknown_model',
            field='model_code', model=body.model_code)
    template, = templates
    appliance = Appliance_(
        customer=call.party,
        product=template.products[0],
        serial_number=body.serial_number,
        sale_date=body.sale_date,
        installation_date=body.installation_date,
        production_date=body.production_date,
        purchase_channel=body.purchase_channel,
        invoice_reference=body.invoice_reference,
        installation_address=call.party.address_get(),
        )
    appliance.save()
    if body.invoice_photo:
        Attachment(
            resource=appliance,
            name=photo_name(body.invoice_photo_name, body.invoice_photo),
            type='data',
            data=body.invoice_photo,
            description=gettext(f'{MODULE}.msg_invoice_photo'),
            ).save()
    return serialize_appliance_detail(Appliance_(appliance.id))


@route('appliances/<int:appliance_id>', 'GET', response=ApplianceDetail,
    tags=['Appliances'],
    summary="An appliance with coverages and service history",
    errors=[401])
def appliance(call, appliance_id):
    return serialize_appliance_detail(own_appliance(call, appliance_id))

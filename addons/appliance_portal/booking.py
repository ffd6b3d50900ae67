# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The customer's service requests: booking a visit in a slot, following
it, cancelling, rescheduling, rating, and the consultations and complaints
with their replies.

The business steps are the models' (appliance.service.request.book_visit,
appliance.work_order.book and reschedule, the rating of
appliance_service_rating): the staff screens, the staff endpoints and these
handlers go through the same code.
"""
import datetime as dt
from http import HTTPStatus
from typing import List, Literal, Optional

from pydantic import ConfigDict, Field

from trytond.modules.appliance_service.local_time import local_today
from trytond.modules.appliance_service.service_request import (
    KINDS, VISIT_KINDS)
from trytond.pool import Pool
from trytond.transaction import without_check_access

from .api import (
    MODULE, ApiError, paginate, record_or_404, route, selection_string)
from .appliance import Appliance, own_appliance, serialize_appliance
from .schema import Body, Id, NearDate, Page, PageQuery, Query, Reply, Score
from .schema import multiline as multiline_text

REQUEST_KINDS = tuple(k for k, _ in KINDS)
REQUEST_STATES = (
    'draft', 'open', 'in_progress', 'resolved', 'closed', 'cancelled')
# The states a customer may still cancel a visit in
CANCELLABLE_ORDER_STATES = {'draft', 'scheduled', 'dispatched'}
RESCHEDULABLE_ORDER_STATES = {'draft', 'scheduled', 'dispatched'}
MAX_SLOT_DAYS = 62


class Slot(Reply):
    id: int
    date: dt.date
    start: str = Field(examples=['09:00'])
    end: str = Field(examples=['12:00'])
    region: str
    available: int = Field(ge=0)


class SlotQuery(Query):
    model_config = ConfigDict(populate_by_name=True)
    appliance: Optional[Id] = Field(None,
        description="Where the visit takes place")
    from_: Optional[NearDate] = Field(None, alias='from',
        description="First day (default today)")
    to: Optional[NearDate] = Field(None,
        description="Last day (default 14 days later)")


class TimelineEvent(Reply):
    date: dt.datetime
    state: Optional[str]
    state_string: Optional[str]
    description: Optional[str]
    work_order: str


class Charge(Reply):
    description: Optional[str]
    kind: Optional[str]
    quantity: float
    amount: Optional[str]


class Rating(Reply):
    overall: int = Field(ge=1, le=5)
    punctuality: int = Field(ge=1, le=5)
    attitude: int = Field(ge=1, le=5)
    quality: int = Field(ge=1, le=5)
    comment: Optional[str]
    date: Optional[dt.datetime]


class Visit(Reply):
    id: int
    number: Optional[str]
    kind: str
    state: str
    state_string: str
    appointment_start: Optional[dt.datetime]
    appointment_end: Optional[dt.datetime]
    slot: Optional[int]
    engineer: Optional[str] = Field(
        description="Short name of the engineer, e.g. 赵师傅")
    next_step: Optional[str]
    done_at: Optional[dt.datetime]
    warranty_status: Optional[str]
    warranty_status_string: Optional[str]
    charges: List[Charge]
    charge_amount: Optional[str]
    quote_state: Optional[str]
    quote_state_string: Optional[str]
    quote_amount: Optional[str]
    payment_state: Optional[str]
    payment_state_string: Optional[str]
    rating: Optional[Rating]
    can_rate: bool
    arrival_window_start: Optional[dt.datetime] = Field(
        description="The engineer is expected from then, once the day of "
        "the engineer is planned and announced")
    arrival_window_end: Optional[dt.datetime] = Field(
        description="The engineer is expected until then")


class ServiceRequest(Reply):
    id: int
    number: Optional[str]
    kind: str
    kind_string: str
    state: str
    state_string: str
    description: str
    appliance: Optional[Appliance]
    work_order: Optional[str] = Field(
        description="The visit a complaint is about")
    received_at: Optional[dt.datetime]
    engineer: Optional[str]
    reply: Optional[str]
    replied_at: Optional[dt.datetime]
    satisfaction: Optional[str]
    next_step: Optional[str] = Field(
        description="What happens next, in words")
    can_cancel: bool
    can_reschedule: bool
    can_rate: bool


class ServiceRequestDetail(ServiceRequest):
    visits: List[Visit]
    timeline: List[TimelineEvent]


class ServiceRequestCreate(Body):
    kind: Literal[REQUEST_KINDS]
    appliance: Optional[Id] = None
    work_order: Optional[Id] = Field(None,
        description="The visit a complaint is about")
    description: multiline_text(4000, min_length=1)
    slot: Optional[Id] = Field(None,
        description="Required for repair, installation and maintenance")


class ServiceRequestQuery(PageQuery):
    kind: Optional[Literal[REQUEST_KINDS]] = None
    state: Optional[Literal[REQUEST_STATES]] = None
    appliance: Optional[Id] = None


class Reschedule(Body):
    slot: Id


class RatingCreate(Body):
    overall: Score
    punctuality: Optional[Score] = None
    attitude: Optional[Score] = None
    quality: Optional[Score] = None
    comment: Optional[multiline_text(2000)] = None
    work_order: Optional[Id] = Field(None, description="The visit to rate; "
        "the last finished one if omitted")

    def scores(self):
        return {k: v for k, v in self.given().items()
            if k in {'overall', 'punctuality', 'attitude', 'quality'}}


class Satisfaction(Body):
    satisfaction: Score


class QuoteDecision(Body):
    decision: Literal['accept', 'decline']


# Serialisation

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
    PortalWorkOrder = Pool().get('appliance.portal.work_order')
    return PortalWorkOrder.customer_visit(order)


def active_order(request):
    "The visit of request that is still to happen"
    for order in sorted(request.work_orders, key=lambda o: o.id,
            reverse=True):
        if order.state not in {'done', 'cancelled'}:
            return order


def can_cancel(request):
    if request.state not in {'draft', 'open', 'in_progress'}:
        return False
    return all(o.state in CANCELLABLE_ORDER_STATES | {'cancelled'}
        for o in request.work_orders)


def serialize_request(request):
    PortalWorkOrder = Pool().get('appliance.portal.work_order')
    order = active_order(request)
    orders = sorted(request.work_orders, key=lambda o: o.id)
    engineer = None
    for candidate in ([order] if order else []) + orders[::-1]:
        if candidate.engineer:
            engineer = candidate.engineer_short_name
            break
    visits = [serialize_visit(o) for o in orders]
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
        'work_order': (request.related_work_order.rec_name
            if request.related_work_order else None),
        'received_at': request.received_at,
        'engineer': engineer,
        'reply': request.reply if request.replied_at else None,
        'replied_at': request.replied_at,
        'satisfaction': request.satisfaction,
        'next_step': PortalWorkOrder.request_next_step(request, visits),
        'can_cancel': can_cancel(request),
        'can_reschedule': bool(
            order and order.state in RESCHEDULABLE_ORDER_STATES),
        'can_rate': any(v['can_rate'] for v in visits),
        }


def serialize_request_detail(request):
    Event = Pool().get('appliance.work_order.event')
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


def own_request(call, request_id):
    "The request of the customer: the record rules hide the others'"
    Request = call.pool.get('appliance.service.request')
    return record_or_404(Request, request_id)


def own_order(call, order_id):
    "The work order of the customer: the record rules hide the others'"
    WorkOrder = call.pool.get('appliance.work_order')
    return record_or_404(WorkOrder, order_id)


def bookable_slot(call, slot_id, region):
    "The slot slot_id if the customer may book it, else raise"
    Slot_ = call.pool.get('appliance.slot')
    slots = Slot_.search([('id', '=', slot_id)], limit=1)
    if not slots:
        raise ApiError('validation', f'{MODULE}.msg_unknown_slot',
            field='slot')
    slot, = slots
    if not region or slot.region != region:
        raise ApiError('validation', f'{MODULE}.msg_slot_other_region',
            field='slot')
    if slot.past:
        raise ApiError('validation', f'{MODULE}.msg_slot_past',
            field='slot')
    if slot.available <= 0:
        raise ApiError('slot_full')
    return slot


def visit_address(call, appliance):
    if appliance and appliance.installation_address:
        return appliance.installation_address
    return call.party.address_get()


def region_for(address):
    Region = Pool().get('appliance.service.region')
    if not address:
        return None
    return Region.find_for_address(address)


# Slots

@route('slots', 'GET', response=List[Slot], query=SlotQuery,
    tags=['Appointments'], summary="Windows the customer can book",
    errors=[401])
def slots(call):
    """Slots of the service region of the appliance's installation address
    (or of the customer's address) with places left, from today on: the
    windows already over are left out.  Dates and times are those of the
    company's time zone."""
    Slot_ = call.pool.get('appliance.slot')
    today = local_today()
    appliance = None
    if call.query.appliance:
        appliance = own_appliance(call, call.query.appliance)
    start = max(call.query.from_ or today, today)
    end = call.query.to or (start + dt.timedelta(days=14))
    if end < start:
        return []
    end = min(end, start + dt.timedelta(days=MAX_SLOT_DAYS))
    region = region_for(visit_address(call, appliance))
    if not region:
        return []
    records = Slot_.search([
            ('region', '=', region.id),
            ('date', '>=', start),
            ('date', '<=', end),
            ('available', '>', 0),
            ('past', '=', False),
            ])
    return [serialize_slot(s) for s in records]


# Service requests

@route('service-requests', 'GET', response=Page[ServiceRequest],
    query=ServiceRequestQuery, tags=['Service requests'],
    summary="My service requests", errors=[401])
def service_requests(call):
    Request = call.pool.get('appliance.service.request')
    # The customer's requests: the record rules of the portal
    domain = []
    for name in ['kind', 'state', 'appliance']:
        if (value := getattr(call.query, name)) is not None:
            domain.append((name, '=', value))
    return paginate(call, Request, domain, serialize_request)


@route('service-requests', 'POST', body=ServiceRequestCreate,
    response=ServiceRequestDetail, status=HTTPStatus.CREATED,
    location='service-requests/{id}', tags=['Service requests'],
    summary="Book a visit or send a consultation or complaint",
    errors=[401, 403, 409, 422])
def service_request_create(call):
    """Repair, installation and maintenance need a slot and a confirmed
    email address: the request is opened, its work order created and the
    slot booked as staff do (appliance.service.request.book_visit).  When
    many customers book the last place at once one gets it and the others
    409 slot_full; nothing is saved for them.  A complaint may name the
    appliance or the visit (work_order) it is about."""
    pool = call.pool
    Request = pool.get('appliance.service.request')
    body = call.body
    appliance = order = None
    if body.appliance:
        appliance = own_appliance(call, body.appliance)
    if body.work_order:
        order = own_order(call, body.work_order)
        appliance = appliance or order.appliance
    if body.kind in {'repair', 'maintenance'} and not appliance:
        raise ApiError('validation', f'{MODULE}.msg_appliance_required',
            field='appliance')
    address = visit_address(call, appliance)
    slot = None
    if body.kind in VISIT_KINDS:
        if not call.web_user.email_valid:
            raise ApiError('forbidden', f'{MODULE}.msg_email_not_confirmed')
        if not address:
            raise ApiError('validation', f'{MODULE}.msg_address_required',
                field='slot')
        if not body.slot:
            raise ApiError('validation', f'{MODULE}.msg_slot_required',
                field='slot')
        slot = bookable_slot(call, body.slot, region_for(address))
    request = Request(
        kind=body.kind,
        channel='portal',
        customer=call.party,
        contact_mobile=call.party.mobile_number,
        appliance=appliance,
        related_work_order=order,
        address=address,
        description=body.description,
        )
    request.save()
    # The desk's steps on the customer's own new request: their buttons and
    # the work order, the slot and the deadlines they create are the staff's
    with without_check_access():
        Request.open([request])
        if slot:
            Request.book_visit(request, slot)
    return serialize_request_detail(Request(request.id))


@route('service-requests/<int:request_id>', 'GET',
    response=ServiceRequestDetail, tags=['Service requests'],
    summary="A request with its visits and public timeline",
    errors=[401])
def service_request(call, request_id):
    return serialize_request_detail(own_request(call, request_id))


@route('service-requests/<int:request_id>/cancel', 'POST',
    response=ServiceRequestDetail, tags=['Service requests'],
    summary="Cancel a request and its coming visit",
    errors=[401, 409])
def service_request_cancel(call, request_id):
    "Possible until the engineer is on the way; the slot is released"
    pool = call.pool
    Request = pool.get('appliance.service.request')
    WorkOrder = pool.get('appliance.work_order')
    request = own_request(call, request_id)
    if not can_cancel(request):
        raise ApiError('wrong_state', f'{MODULE}.msg_cannot_cancel')
    orders = [o for o in request.work_orders if o.state != 'cancelled']
    # The customer's own request (found under the record rules) with the
    # buttons of the desk, which also release the slot
    with without_check_access():
        if orders:
            WorkOrder.cancel(orders)
        Request.cancel([request])
    return serialize_request_detail(Request(request.id))


@route('service-requests/<int:request_id>/reschedule', 'POST',
    body=Reschedule, response=ServiceRequestDetail,
    tags=['Service requests'], summary="Move the coming visit to another slot",
    errors=[401, 409, 422])
def service_request_reschedule(call, request_id):
    pool = call.pool
    Request = pool.get('appliance.service.request')
    WorkOrder = pool.get('appliance.work_order')
    request = own_request(call, request_id)
    order = active_order(request)
    if not order or order.state not in RESCHEDULABLE_ORDER_STATES:
        raise ApiError('wrong_state', f'{MODULE}.msg_cannot_reschedule')
    slot = bookable_slot(call, call.body.slot, order.region)
    if order.slot == slot:
        raise ApiError('validation', f'{MODULE}.msg_same_slot',
            field='slot')
    # The customer's own visit (found under the record rules): the desk's
    # booking, which takes a place of the slot
    with without_check_access():
        if order.state == 'draft':
            WorkOrder.book([order], slot)
        else:
            WorkOrder.reschedule([order], slot)
    return serialize_request_detail(Request(request.id))


def _order_to_rate(request, order_id=None):
    orders = sorted(request.work_orders, key=lambda o: o.id, reverse=True)
    if order_id:
        orders = [o for o in orders if o.id == order_id]
        if not orders:
            raise ApiError('not_found')
        return orders[0]
    for order in orders:
        if order.state == 'done':
            return order
    raise ApiError('wrong_state', f'{MODULE}.msg_nothing_to_rate')


@route('service-requests/<int:request_id>/rating', 'POST',
    body=RatingCreate, response=ServiceRequestDetail,
    status=HTTPStatus.CREATED, location='service-requests/{id}',
    tags=['Service requests'], summary="Rate a finished visit",
    errors=[401, 409, 422, 501])
def service_request_rating(call, request_id):
    "Once per visit: a second rating, even sent at the same time, is 409"
    pool = call.pool
    Request = pool.get('appliance.service.request')
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    request = own_request(call, request_id)
    order = _order_to_rate(request, call.body.work_order)
    # The customer's own visit (found under the record rules): the rating
    # step also plans the follow-up of customer service
    with without_check_access():
        PortalWorkOrder.rate(order, call.body.scores(), channel='portal',
            comment=call.body.comment)
    return serialize_request_detail(Request(request.id))


@route('service-requests/<int:request_id>/satisfaction', 'POST',
    body=Satisfaction, response=ServiceRequestDetail,
    tags=['Service requests'],
    summary="Say how satisfied you are with the reply",
    errors=[401, 409, 422])
def service_request_satisfaction(call, request_id):
    "For consultations and complaints once they are resolved"
    Request = call.pool.get('appliance.service.request')
    request = own_request(call, request_id)
    if request.state != 'resolved':
        raise ApiError('wrong_state', f'{MODULE}.msg_not_resolved')
    request.satisfaction = str(call.body.satisfaction)
    request.save()
    return serialize_request_detail(Request(request.id))


@route('service-requests/<int:request_id>/quote', 'POST',
    body=QuoteDecision, response=ServiceRequestDetail,
    tags=['Service requests'],
    summary="Accept or decline the quote of out-of-warranty work",
    errors=[401, 409, 422, 501])
def service_request_quote(call, request_id):
    pool = call.pool
    Request = pool.get('appliance.service.request')
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    request = own_request(call, request_id)
    orders = list(request.work_orders)
    # The customer's own visits (found under the record rules) with the
    # buttons of the quote, which are the staff's
    with without_check_access():
        PortalWorkOrder.decide_quote(orders, call.body.decision == 'accept')
    return serialize_request_detail(Request(request.id))

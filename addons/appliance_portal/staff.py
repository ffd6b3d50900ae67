# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Staff endpoints for Tryton users (agents, dispatchers, engineers).

They authenticate with a user application key of the REST API (``Bearer``),
a session of POST staff/login (``Session``) or the login and password
(``Basic``), and run as that user with access rights and record rules: an
engineer sees only the orders assigned to them.  Trytond's own model API
under /<database>/rest/ serves the other needs with the same keys.
"""
import base64
import datetime as dt
from http import HTTPStatus
from typing import List, Literal, Optional

from pydantic import Field

import trytond.config as config
from trytond.exceptions import LoginException
from trytond.modules.appliance_service.local_time import day_bounds, utc_now
from trytond.modules.appliance_service.work_order import STATES
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .api import MODULE, ApiError, paginate, record_or_404, route
from .appliance import (
    Appliance, Coverage, serialize_appliance, serialize_coverage)
from .booking import Charge, Rating, RatingCreate, bookable_slot, region_for
from .schema import (
    Base64Image, Body, FileName, Id, NearDate, Page, PageQuery, Query, Reply,
    multiline, secret, text)

ORDER_STATES = tuple(s for s, _ in STATES)
PROGRESS_ACTIONS = ('depart', 'start', 'wait_parts', 'wait_customer',
    'resume', 'cancel')
# The transitions of a work order by state
TRANSITIONS = {
    'draft': ['cancel'],
    'scheduled': ['dispatch', 'cancel'],
    'dispatched': ['depart', 'start', 'cancel'],
    'on_the_way': ['start', 'cancel'],
    'in_progress': ['wait_parts', 'wait_customer', 'complete'],
    'waiting': ['resume', 'cancel'],
    }


class StaffLogin(Body):
    login: text(512, min_length=1)
    password: secret(256, min_length=1)
    totp_code: Optional[secret(32, min_length=1)] = Field(None,
        description="The code of the authenticator app, a recovery code or "
        "the SMS code, when the answer was second_factor_required")
    new_password: Optional[secret(256, min_length=1)] = Field(None,
        description="The new password, when the answer was "
        "new_password_required")


class StaffUser(Reply):
    id: int
    login: str
    name: str
    employee: Optional[int]
    engineer: bool
    manager: bool
    groups: List[str]


class StaffSession(Reply):
    token: str = Field(description="Send it as `Authorization: Session`")
    token_type: Literal['Session']
    expires_at: dt.datetime
    user: StaffUser


class StaffTimelineEvent(Reply):
    date: dt.datetime
    state: Optional[str]
    description: Optional[str]
    public: bool
    user: Optional[str]


class WorkOrder(Reply):
    id: int
    number: Optional[str]
    request: Optional[int]
    kind: str
    priority: str
    state: str
    state_string: str
    customer: str
    customer_mobile: Optional[str]
    address: Optional[str]
    latitude: Optional[float]
    longitude: Optional[float]
    region: Optional[str]
    appliance: Optional[Appliance]
    in_warranty: bool
    description: Optional[str]
    slot: Optional[int]
    appointment_start: Optional[dt.datetime]
    appointment_end: Optional[dt.datetime]
    engineer: Optional[int]
    engineer_name: Optional[str]
    next_step: Optional[str]
    actions: List[str]
    fault_type: Optional[str]
    labour_hours: Optional[float]
    planned_sequence: Optional[int] = Field(
        description="The place of the visit in the engineer's route of the "
        "day, when the day is planned")
    planned_arrival: Optional[dt.datetime] = Field(
        description="When the engineer is planned to arrive")
    travel_km: Optional[float] = Field(
        description="The planned driving distance from the previous stop")
    travel_minutes: Optional[float] = Field(
        description="The planned driving time from the previous stop")
    done_at: Optional[dt.datetime]
    updated_at: Optional[dt.datetime]


class WorkOrderStep(Reply):
    id: int
    description: str
    required: bool
    done: bool


class WorkOrderPart(Reply):
    product: str
    code: Optional[str]
    quantity: float


class MaintenanceEntry(Reply):
    id: int
    number: Optional[str]
    kind: str
    state: str
    done_at: Optional[dt.datetime]
    fault_type: Optional[str]
    root_cause: Optional[str]
    labour_hours: Optional[float]
    parts: List[WorkOrderPart]
    engineer_name: Optional[str]
    description: Optional[str]


class WorkOrderDetail(WorkOrder):
    coverages: List[Coverage]
    history: List[MaintenanceEntry]
    timeline: List[StaffTimelineEvent]
    steps: List[WorkOrderStep]
    parts: List[WorkOrderPart]
    charges: List[Charge]
    charge_amount: Optional[str]
    quote_state: Optional[str]
    rating: Optional[Rating]


class WorkOrderQuery(PageQuery):
    state: Optional[Literal[ORDER_STATES]] = None
    open: Optional[bool] = Field(None,
        description="Only the orders not done nor cancelled")
    kind: Optional[Literal['repair', 'installation', 'maintenance']] = None
    engineer: Optional[Id] = None
    mine: Optional[bool] = Field(None,
        description="Only the orders assigned to me")
    region: Optional[Id] = None
    request: Optional[Id] = None
    date: Optional[NearDate] = Field(None,
        description="Appointment day, in the company's time zone")
    serial: Optional[text(100)] = None
    order: Optional[Literal[
            'appointment', '-appointment', 'id', '-id', 'route']] = Field(
        None, description="route: the order of the planned route, for the "
        "day of an engineer (by appointment when the day is not planned)")


class WorkOrderCreate(Body):
    slot: Optional[Id] = None


class Dispatch(Body):
    engineer: Optional[Id] = Field(None,
        description="The employee to assign; automatic when omitted")


class Progress(Body):
    action: Literal[PROGRESS_ACTIONS]
    note: Optional[multiline(500)] = None
    public: bool = Field(False, description="Show the note to the customer")
    override_early: bool = Field(False, description="Start before the day "
        "of the appointment (Service Managers only)")


class PartUsed(Body):
    code: text(100, min_length=1) = Field(
        description="The code of the spare part")
    quantity: float = Field(gt=0, le=100000)


class File(Body):
    name: FileName
    data: Base64Image


class Completion(Body):
    fault_type: Optional[text(100)] = Field(None,
        description="Code of the actual fault type")
    steps_done: List[Id] = Field(default_factory=list, max_length=200)
    all_steps_done: bool = False
    extra_steps: List[text(500, min_length=1)] = Field(
        default_factory=list, max_length=50)
    parts: List[PartUsed] = Field(default_factory=list, max_length=50)
    labour_hours: Optional[float] = Field(None, ge=0, le=1000)
    root_cause: Optional[multiline(4000)] = None
    notes: Optional[multiline(4000)] = None
    photos: List[File] = Field(default_factory=list, max_length=20)
    signature: Optional[Base64Image] = Field(None,
        description="Image of the customer's signature")
    override_early: bool = Field(False, description="Complete before the "
        "day of the appointment (Service Managers only)")

    def repair_values(self):
        "The values of the repair record"
        return self.model_dump(include={
                'fault_type', 'steps_done', 'all_steps_done', 'extra_steps',
                'parts', 'labour_hours', 'root_cause', 'notes'},
            exclude_unset=True)


class FaultTypeChoice(Body):
    fault_type: text(100, min_length=1) = Field(
        description="Code of the fault type")


class FaultType(Reply):
    id: int
    code: str
    name: str
    category: Optional[str]
    steps: List[str] = Field(description="The steps of its active repair "
        "plan for the appliance")


class FaultTypeQuery(Query):
    work_order: Optional[Id] = Field(None,
        description="Only the types for its category")


class RegionRef(Reply):
    id: int
    code: str
    name: str


class Engineer(Reply):
    id: int
    name: str
    regions: List[RegionRef]


class Part(Reply):
    id: int
    code: str
    name: str
    unit: str


class PartQuery(Query):
    work_order: Optional[Id] = Field(None,
        description="Only the parts that fit its appliance")
    code: Optional[text(100)] = None
    q: Optional[text(100)] = Field(None, description="Search text")


class MaintenanceRecord(Appliance):
    customer: str
    coverages: List[Coverage]
    history: List[MaintenanceEntry]


class SerialQuery(Query):
    serial: text(100, min_length=1) = Field(
        description="Serial number of the appliance")


class Resolution(Body):
    reply: multiline(4000, min_length=1) = Field(
        description="The answer the customer reads")
    resolution: Optional[multiline(4000)] = Field(None,
        description="What was done (the reply when omitted)")


class StaffRequest(Reply):
    id: int
    number: Optional[str]
    kind: str
    state: str
    state_string: str
    customer: str
    description: str
    reply: Optional[str]
    resolution: Optional[str]
    satisfaction: Optional[str]
    work_orders: List[int]


# Serialisation

def serialize_user(user):
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    groups = {g.id for g in user.groups}
    return {
        'id': user.id,
        'login': user.login,
        'name': user.name or user.login,
        'employee': user.employee.id if user.employee else None,
        'engineer': ModelData.get_id('appliance', 'group_engineer') in groups,
        'manager': ModelData.get_id('appliance', 'group_manager') in groups,
        'groups': sorted(g.name for g in user.groups),
        }


def _address_text(address):
    if not address:
        return None
    parts = [
        address.subdivision.name if address.subdivision else None,
        address.city,
        address.district,
        address.street_unstructured,
        ]
    return ' '.join(p for p in parts if p)


def serialize_order(order):
    PortalWorkOrder = Pool().get('appliance.portal.work_order')
    appliance = order.appliance
    address = order.address
    return {
        'id': order.id,
        'number': order.number,
        'request': order.request.id if order.request else None,
        'kind': order.kind,
        'priority': order.priority,
        'state': order.state,
        'state_string': order.state_string,
        'customer': order.customer.name,
        'customer_mobile': order.customer.mobile_number,
        'address': _address_text(address),
        'latitude': address.latitude if address else None,
        'longitude': address.longitude if address else None,
        'region': order.region.name if order.region else None,
        'appliance': serialize_appliance(appliance) if appliance else None,
        'in_warranty': bool(appliance and appliance.in_warranty),
        'description': order.description,
        'slot': order.slot.id if order.slot else None,
        'appointment_start': order.appointment_start,
        'appointment_end': order.appointment_end,
        'engineer': order.engineer.id if order.engineer else None,
        'engineer_name': (order.engineer.party.name
            if order.engineer else None),
        'next_step': order.next_step,
        'actions': TRANSITIONS.get(order.state, []),
        'done_at': order.done_at,
        'updated_at': order.write_date or order.create_date,
        **PortalWorkOrder.staff_order(order),
        }


def serialize_history(order):
    PortalWorkOrder = Pool().get('appliance.portal.work_order')
    return {
        'id': order.id,
        'number': order.number,
        'kind': order.kind,
        'state': order.state,
        'done_at': order.done_at,
        'engineer_name': (order.engineer.party.name
            if order.engineer else None),
        'description': order.description,
        **PortalWorkOrder.staff_history(order),
        }


def appliance_history(appliance, exclude=None):
    WorkOrder_ = Pool().get('appliance.work_order')
    # The history of the appliance is the engineer's to know
    with without_check_access():
        orders = WorkOrder_.search([
                ('appliance', '=', appliance.id),
                ('id', '!=', exclude.id if exclude else None),
                ], order=[('id', 'DESC')])
        return [serialize_history(o) for o in orders]


def serialize_order_detail(order):
    pool = Pool()
    Event = pool.get('appliance.work_order.event')
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    result = serialize_order(order)
    appliance = order.appliance
    result['coverages'] = [serialize_coverage(c)
        for c in (appliance.coverages if appliance else [])]
    result['history'] = (appliance_history(appliance, order)
        if appliance else [])
    events = Event.search([('work_order', '=', order.id)])
    result['timeline'] = [{
            'date': e.date,
            'state': e.state,
            'description': e.description,
            'public': bool(e.public),
            'user': e.user.rec_name if e.user else None,
            } for e in events]
    result.update(PortalWorkOrder.staff_detail(order))
    return result


def serialize_request(request):
    return {
        'id': request.id,
        'number': request.number,
        'kind': request.kind,
        'state': request.state,
        'state_string': request.state_string,
        'customer': request.customer.name,
        'description': request.description,
        'reply': request.reply,
        'resolution': request.resolution,
        'satisfaction': request.satisfaction,
        'work_orders': [o.id for o in request.work_orders],
        }


def _order(call, order_id):
    WorkOrder_ = call.pool.get('appliance.work_order')
    return record_or_404(WorkOrder_, order_id)


def _request(call, request_id):
    Request = call.pool.get('appliance.service.request')
    return record_or_404(Request, request_id)


def check_button(call, model, name):
    "Raise 403 unless the user's groups may click the button of model"
    pool = call.pool
    Button = pool.get('ir.model.button')
    User = pool.get('res.user')
    groups = Button.get_groups(model, name)
    if groups and not (groups & set(User.get_groups())):
        raise ApiError('forbidden')


def _session_expiry():
    return utc_now() + dt.timedelta(
        seconds=config.getint('session', 'max_age'))


def override_early(call, orders):
    """Let a Service Manager do the work before the day of the appointment:
    the warning the model raises for them is skipped, as sao does when
    they confirm it (the others get the model's error)"""
    pool = call.pool
    Warning = pool.get('res.user.warning')
    WorkOrder_ = pool.get('appliance.work_order')
    with without_check_access():
        Warning.create([{
                    'user': call.user.id,
                    'name': WorkOrder_.before_appointment_key(order),
                    'always': False,
                    } for order in orders])


# Sessions

@route('staff/login', 'POST', auth='none', body=StaffLogin,
    response=StaffSession, tags=['Staff'],
    summary="Sign in as a Tryton user", errors=[401, 429])
def staff_login(call):
    """The token goes in `Authorization: Session <token>`; the user
    application keys of trytond's REST API work as `Bearer` too.  A user
    with a second factor first gets 401 second_factor_required: send the
    same again with totp_code.  A password to change (first login, reset)
    gets 401 new_password_required: send the same again with
    new_password."""
    pool = call.pool
    User = pool.get('res.user')
    Session = pool.get('ir.session')
    body = call.body
    parameters = {'password': body.password}
    for name in ['totp_code', 'new_password']:
        if value := getattr(body, name):
            parameters[name] = value
    try:
        user_id = User.get_login(body.login, parameters)
    except LoginException as exception:
        if exception.name == 'new_password':
            code = 'new_password_required'
        elif exception.name in {'totp_code', 'sms_code'}:
            code = 'second_factor_required'
        else:
            return ApiError('invalid_credentials')
        # Returned: the login log is committed
        return ApiError(code, message=exception.message)
    if not user_id:
        return ApiError('invalid_credentials')
    with Transaction().set_user(user_id):
        key = Session.new()
    user = User(user_id)
    token = base64.b64encode(
        f'{user.login}:{user_id}:{key}'.encode()).decode('ascii')
    return {
        'token': token,
        'token_type': 'Session',
        'expires_at': _session_expiry(),
        'user': serialize_user(user),
        }


@route('staff/logout', 'POST', auth='staff', status=HTTPStatus.NO_CONTENT,
    tags=['Staff'], summary="End the staff session", errors=[401])
def staff_logout(call):
    Session = call.pool.get('ir.session')
    authorization = call.request.authorization
    if authorization is not None and authorization.type == 'session':
        with without_check_access():
            Session.remove(authorization.get('session'), domain=[
                    ('create_uid', '=', call.user.id)])


@route('staff/me', 'GET', auth='staff', response=StaffUser, tags=['Staff'],
    summary="The signed-in Tryton user", errors=[401])
def staff_me(call):
    return serialize_user(call.user)


# Work orders

@route('staff/work-orders', 'GET', auth='staff', response=Page[WorkOrder],
    query=WorkOrderQuery, tags=['Staff'], summary="List and filter work "
    "orders", errors=[401, 403])
def staff_work_orders(call):
    "Engineers see only their own orders"
    pool = call.pool
    WorkOrder_ = pool.get('appliance.work_order')
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    query = call.query
    domain = []
    for name in ['state', 'kind', 'engineer', 'region', 'request']:
        if (value := getattr(query, name)) is not None:
            domain.append((name, '=', value))
    if query.open:
        domain.append(('state', 'not in', ['done', 'cancelled']))
    if query.mine:
        employee = call.user.employee
        domain.append(('engineer', '=', employee.id if employee else None))
    if query.date:
        begin, end = day_bounds(query.date)
        domain.append(('appointment_start', '>=', begin))
        domain.append(('appointment_start', '<', end))
    if query.serial:
        domain.append(('appliance.serial_number', '=',
                query.serial.upper()))
    order = {
        'appointment': [('appointment_start', 'ASC NULLS LAST'),
            ('id', 'ASC')],
        '-appointment': [('appointment_start', 'DESC NULLS LAST'),
            ('id', 'DESC')],
        'id': [('id', 'ASC')],
        '-id': [('id', 'DESC')],
        'route': PortalWorkOrder.route_order(),
        }.get(query.order)
    return paginate(call, WorkOrder_, domain, serialize_order, order=order)


@route('staff/work-orders/<int:order_id>', 'GET', auth='staff',
    response=WorkOrderDetail, tags=['Staff'],
    summary="A work order with customer, appliance, warranty and history",
    errors=[401, 403])
def staff_work_order(call, order_id):
    return serialize_order_detail(_order(call, order_id))


@route('staff/work-orders/<int:order_id>/dispatch', 'POST', auth='staff',
    body=Dispatch, response=WorkOrderDetail, tags=['Staff'],
    summary="Assign an engineer, named or chosen automatically",
    errors=[401, 403, 409, 422])
def staff_dispatch(call, order_id):
    """Of two dispatchers assigning the same order at once, one does and
    the other gets 409 wrong_state"""
    pool = call.pool
    WorkOrder_ = pool.get('appliance.work_order')
    Employee = pool.get('company.employee')
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    order = _order(call, order_id)
    check_button(call, 'appliance.work_order', 'dispatch')
    WorkOrder_.lock([order])
    if order.state != 'scheduled':
        raise ApiError('wrong_state', f'{MODULE}.msg_cannot_dispatch')
    if call.body.engineer:
        engineer = record_or_404(Employee, call.body.engineer)
        order.engineer = engineer
        order.save()
        WorkOrder_.dispatch([order])
    else:
        PortalWorkOrder.dispatch_automatically(order)
    return serialize_order_detail(WorkOrder_(order.id))


@route('staff/work-orders/<int:order_id>/progress', 'POST', auth='staff',
    body=Progress, response=WorkOrderDetail, tags=['Staff'],
    summary="Post progress: on the way, start, waiting, resume, cancel",
    errors=[401, 403, 409, 422])
def staff_progress(call, order_id):
    """A note is added to the timeline; public notes are shown to the
    customer.  The work starts on the day of the appointment at the
    earliest, unless a Service Manager overrides."""
    pool = call.pool
    WorkOrder_ = pool.get('appliance.work_order')
    Event = pool.get('appliance.work_order.event')
    order = _order(call, order_id)
    action = call.body.action
    check_button(call, 'appliance.work_order', action)
    WorkOrder_.lock([order])
    if action not in TRANSITIONS.get(order.state, []):
        raise ApiError('wrong_state', f'{MODULE}.msg_wrong_action',
            action=action, state=order.state_string)
    if call.body.override_early:
        override_early(call, [order])
    getattr(WorkOrder_, action)([order])
    order = WorkOrder_(order.id)
    if call.body.note:
        with without_check_access():
            Event.create([{
                        'work_order': order.id,
                        'date': utc_now(),
                        'state': order.state,
                        'description': call.body.note,
                        'public': call.body.public,
                        'user': call.user.id,
                        'employee': (call.user.employee.id
                            if call.user.employee else None),
                        }])
    return serialize_order_detail(order)


@route('staff/work-orders/<int:order_id>/fault-type', 'POST',
    auth='staff', body=FaultTypeChoice, response=WorkOrderDetail,
    tags=['Staff'], summary="Say the actual fault: its repair plan's steps "
    "and parts come", errors=[401, 403, 409, 422, 501])
def staff_fault_type(call, order_id):
    PortalWorkOrder = call.pool.get('appliance.portal.work_order')
    WorkOrder_ = call.pool.get('appliance.work_order')
    order = _order(call, order_id)
    if order.state != 'in_progress':
        raise ApiError('wrong_state', f'{MODULE}.msg_cannot_complete')
    PortalWorkOrder.set_fault_type(order, call.body.fault_type)
    return serialize_order_detail(WorkOrder_(order.id))


@route('staff/work-orders/<int:order_id>/complete', 'POST', auth='staff',
    body=Completion, response=WorkOrderDetail, max_size=30 * 1024 * 1024,
    tags=['Staff'],
    summary="Complete with fault type, steps, parts, labour and photos",
    errors=[401, 403, 409, 422, 501])
def staff_complete(call, order_id):
    """The rules of completion apply (fault type of a repair, labour time,
    required steps, not before the day of the appointment unless a Service
    Manager overrides); a refused completion saves nothing.  Parts are
    spare parts given by their code.  The answer has the charges."""
    pool = call.pool
    WorkOrder_ = pool.get('appliance.work_order')
    Attachment = pool.get('ir.attachment')
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    body = call.body
    order = _order(call, order_id)
    check_button(call, 'appliance.work_order', 'complete')
    WorkOrder_.lock([order])
    if order.state != 'in_progress':
        raise ApiError('wrong_state', f'{MODULE}.msg_cannot_complete')
    PortalWorkOrder.record_completion(order, body.repair_values())
    attachments = [Attachment(resource=order, name=p.name, type='data',
            data=p.data) for p in body.photos]
    if body.signature:
        attachments.append(Attachment(resource=order,
                name='customer-signature.png', type='data',
                data=body.signature))
    Attachment.save(attachments)
    if body.override_early:
        override_early(call, [order])
    WorkOrder_.complete([WorkOrder_(order.id)])
    return serialize_order_detail(WorkOrder_(order.id))


@route('staff/work-orders/<int:order_id>/rating', 'POST', auth='staff',
    body=RatingCreate, response=WorkOrderDetail, status=HTTPStatus.CREATED,
    location='staff/work-orders/{id}', tags=['Staff'],
    summary="The customer rates on the engineer's device",
    errors=[401, 403, 409, 422, 501])
def staff_rating(call, order_id):
    WorkOrder_ = call.pool.get('appliance.work_order')
    PortalWorkOrder = call.pool.get('appliance.portal.work_order')
    order = _order(call, order_id)
    # The customer rates: the engineer needs no right on ratings
    with without_check_access():
        PortalWorkOrder.rate(order, call.body.scores(), channel='engineer',
            comment=call.body.comment)
    return serialize_order_detail(WorkOrder_(order.id))


@route('staff/work-orders/<int:order_id>/quote', 'POST', auth='staff',
    response=WorkOrderDetail, tags=['Staff'],
    summary="Compute the charges and propose the quote to the customer",
    errors=[401, 403, 409, 422, 501])
def staff_quote(call, order_id):
    "Out-of-warranty work: the customer accepts or declines it"
    WorkOrder_ = call.pool.get('appliance.work_order')
    PortalWorkOrder = call.pool.get('appliance.portal.work_order')
    order = _order(call, order_id)
    check_button(call, 'appliance.work_order', 'propose_quote')
    WorkOrder_.lock([order])
    PortalWorkOrder.propose_quote(order)
    return serialize_order_detail(WorkOrder_(order.id))


# Service requests

@route('staff/service-requests/<int:request_id>', 'GET', auth='staff',
    response=StaffRequest, tags=['Staff'], summary="A service request",
    errors=[401, 403])
def staff_request(call, request_id):
    return serialize_request(_request(call, request_id))


@route('staff/service-requests/<int:request_id>/work-orders', 'POST',
    auth='staff', body=WorkOrderCreate, response=WorkOrderDetail,
    status=HTTPStatus.CREATED, location='staff/work-orders/{id}',
    tags=['Staff'], summary="Create a work order from a service request",
    errors=[401, 403, 409, 422])
def staff_create_order(call, request_id):
    "The request is opened if needed; a slot given is booked"
    pool = call.pool
    Request = pool.get('appliance.service.request')
    WorkOrder_ = pool.get('appliance.work_order')
    request = _request(call, request_id)
    check_button(call, 'appliance.service.request', 'create_work_order')
    if (request.kind not in {'repair', 'installation', 'maintenance'}
            or request.state not in {'draft', 'open', 'in_progress'}):
        raise ApiError('wrong_state', f'{MODULE}.msg_no_work_order')
    if call.body.slot:
        slot = bookable_slot(call, call.body.slot, region_for(
                request.address))
        order = Request.book_visit(request, slot)
    else:
        if request.state == 'draft':
            Request.open([request])
        order, = Request.create_work_orders([request])
    return serialize_order_detail(WorkOrder_(order.id))


@route('staff/service-requests/<int:request_id>/resolve', 'POST',
    auth='staff', body=Resolution, response=StaffRequest, tags=['Staff'],
    summary="Answer a consultation or resolve a complaint or request",
    errors=[401, 403, 409, 422])
def staff_resolve(call, request_id):
    "The reply is posted to the customer, who then says how satisfied"
    Request = call.pool.get('appliance.service.request')
    request = _request(call, request_id)
    check_button(call, 'appliance.service.request', 'resolve')
    Request.lock([request])
    if request.state not in {'open', 'in_progress'}:
        raise ApiError('wrong_state', f'{MODULE}.msg_cannot_resolve')
    request.reply = call.body.reply
    request.resolution = call.body.resolution or call.body.reply
    request.save()
    Request.resolve([request])
    return serialize_request(Request(request.id))


@route('staff/service-requests/<int:request_id>/close', 'POST',
    auth='staff', response=StaffRequest, tags=['Staff'],
    summary="Close a resolved request", errors=[401, 403, 409])
def staff_close(call, request_id):
    Request = call.pool.get('appliance.service.request')
    request = _request(call, request_id)
    check_button(call, 'appliance.service.request', 'close')
    Request.lock([request])
    if request.state != 'resolved':
        raise ApiError('wrong_state', f'{MODULE}.msg_cannot_close')
    Request.close([request])
    return serialize_request(Request(request.id))


# Reference data for the engineers

@route('staff/maintenance-record', 'GET', auth='staff',
    response=List[MaintenanceRecord], query=SerialQuery, tags=['Staff'],
    summary="Maintenance record of an appliance by serial",
    errors=[401, 403])
def staff_maintenance_record(call):
    Appliance_ = call.pool.get('appliance.appliance')
    serial = call.query.serial.upper()
    result = []
    for appliance in Appliance_.search([('serial_number', '=', serial)]):
        values = serialize_appliance(appliance)
        values['customer'] = appliance.customer.name
        values['coverages'] = [
            serialize_coverage(c) for c in appliance.coverages]
        values['history'] = appliance_history(appliance)
        result.append(values)
    return result


@route('staff/fault-types', 'GET', auth='staff', response=List[FaultType],
    query=FaultTypeQuery, tags=['Staff'],
    summary="Fault types for completion, with their repair plan's steps",
    errors=[401, 403])
def staff_fault_types(call):
    PortalWorkOrder = call.pool.get('appliance.portal.work_order')
    order = None
    if call.query.work_order:
        order = _order(call, call.query.work_order)
    return PortalWorkOrder.fault_types(order)


@route('staff/parts', 'GET', auth='staff', response=List[Part],
    query=PartQuery, tags=['Staff'],
    summary="Spare parts, by code or those that fit an order's appliance",
    errors=[401, 403])
def staff_parts(call):
    "Only spare parts; the whole appliances are no parts"
    PortalWorkOrder = call.pool.get('appliance.portal.work_order')
    query = call.query
    order = _order(call, query.work_order) if query.work_order else None
    return [{
            'id': p.id,
            'code': p.code,
            'name': p.name,
            'unit': p.default_uom.rec_name,
            } for p in PortalWorkOrder.spare_parts(
                order=order, code=query.code, text=query.q)]


@route('staff/engineers', 'GET', auth='staff', response=List[Engineer],
    tags=['Staff'], summary="Service engineers to dispatch to, with their "
    "regions", errors=[401, 403])
def staff_engineers(call):
    Employee = call.pool.get('company.employee')
    employees = Employee.search([('service_engineer', '=', True)])
    return [{
            'id': e.id,
            'name': e.party.name,
            'regions': [{'id': r.id, 'code': r.code, 'name': r.name}
                for r in e.service_regions],
            } for e in employees]

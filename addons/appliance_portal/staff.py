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

import trytond.config as config
from trytond.exceptions import LoginException
from trytond.modules.appliance_service.work_order import STATES
from trytond.pool import Pool
from trytond.transaction import Transaction, without_check_access

from .api import (
    LOCAL_TIME, MODULE, PAGE_QUERY, ApiError, Array, Binary, Boolean, Date,
    Enum, Id, Number, Object, String, local_datetime, page_of, paginate,
    record_or_404, reply_schema, route)
from .customer import (
    APPLIANCE, COVERAGE, RATING, RATING_POST, serialize_appliance,
    serialize_coverage)

ORDER_STATES = [s for s, _ in STATES]
PROGRESS_ACTIONS = ['depart', 'start', 'wait_parts', 'wait_customer',
    'resume', 'cancel']

STAFF_LOGIN = Object({
        'login': String(max_length=512),
        'password': String(max_length=256, strip=False),
        }, required=['login', 'password'], name='StaffLogin')
STAFF_USER = reply_schema({
        'id': Id(),
        'login': String(),
        'name': String(),
        'employee': Id(nullable=True),
        'engineer': Boolean(),
        'groups': Array(String(), max_items=None),
        }, name='StaffUser')
STAFF_SESSION = reply_schema({
        'token': String(description="Send it as `Authorization: Session`"),
        'token_type': Enum(['Session']),
        'expires_at': String(format='date-time'),
        'user': STAFF_USER,
        }, name='StaffSession')
EVENT = reply_schema({
        'date': String(format='date-time'),
        'state': String(nullable=True),
        'description': String(nullable=True),
        'public': Boolean(),
        'user': String(nullable=True),
        }, name='StaffTimelineEvent')
ORDER = reply_schema({
        'id': Id(),
        'number': String(nullable=True),
        'request': Id(nullable=True),
        'kind': String(),
        'priority': String(),
        'state': String(),
        'state_string': String(),
        'customer': String(),
        'customer_mobile': String(nullable=True),
        'address': String(nullable=True),
        'latitude': Number(nullable=True),
        'longitude': Number(nullable=True),
        'region': String(nullable=True),
        'appliance': Object(APPLIANCE.properties, name='Appliance',
            nullable=True),
        'in_warranty': Boolean(),
        'description': String(nullable=True),
        'slot': Id(nullable=True),
        'appointment_start': LOCAL_TIME,
        'appointment_end': LOCAL_TIME,
        'engineer': Id(nullable=True),
        'engineer_name': String(nullable=True),
        'next_step': String(nullable=True),
        'actions': Array(String(), max_items=None),
        'fault_type': String(nullable=True),
        'labour_hours': Number(nullable=True),
        'done_at': String(format='date-time', nullable=True),
        'updated_at': String(format='date-time', nullable=True),
        }, name='WorkOrder')
STEP = reply_schema({
        'id': Id(),
        'description': String(),
        'required': Boolean(),
        'done': Boolean(),
        }, name='WorkOrderStep')
PART = reply_schema({
        'product': String(),
        'code': String(nullable=True),
        'quantity': Number(),
        }, name='WorkOrderPart')
HISTORY = reply_schema({
        'id': Id(),
        'number': String(nullable=True),
        'kind': String(),
        'state': String(),
        'done_at': String(format='date-time', nullable=True),
        'fault_type': String(nullable=True),
        'root_cause': String(nullable=True),
        'labour_hours': Number(nullable=True),
        'parts': Array(PART, max_items=None),
        'engineer_name': String(nullable=True),
        'description': String(nullable=True),
        }, name='MaintenanceEntry')
ORDER_DETAIL = reply_schema({
        **ORDER.properties,
        'coverages': Array(COVERAGE, max_items=None),
        'history': Array(HISTORY, max_items=None),
        'timeline': Array(EVENT, max_items=None),
        'steps': Array(STEP, max_items=None),
        'parts': Array(PART, max_items=None),
        'rating': Object(RATING.properties, name='Rating', nullable=True),
        }, name='WorkOrderDetail')
CREATE_ORDER = Object({
        'slot': Id(nullable=True),
        }, name='WorkOrderCreate')
DISPATCH = Object({
        'engineer': Id(nullable=True,
            description="The employee to assign; automatic when omitted"),
        }, name='Dispatch')
PROGRESS = Object({
        'action': Enum(PROGRESS_ACTIONS),
        'note': String(max_length=2000, nullable=True, multiline=True),
        'public': Boolean(description="Show the note to the customer"),
        }, required=['action'], name='Progress')
PART_POST = Object({
        'product': Id(),
        'code': String(max_length=100),
        'quantity': Number(minimum=0.001, maximum=100000),
        }, required=['quantity'], name='PartUsed')
FILE = Object({
        'name': String(min_length=1, max_length=100),
        'data': Binary(),
        }, required=['name', 'data'], name='File')
COMPLETE = Object({
        'fault_type': String(max_length=100,
            description="Code of the actual fault type"),
        'steps_done': Array(Id()),
        'all_steps_done': Boolean(),
        'extra_steps': Array(String(min_length=1, max_length=500)),
        'parts': Array(PART_POST),
        'labour_hours': Number(minimum=0, maximum=1000),
        'root_cause': String(max_length=4000, nullable=True,
            multiline=True),
        'notes': String(max_length=4000, nullable=True, multiline=True),
        'photos': Array(FILE, max_items=20),
        'signature': Binary(description="PNG of the customer's signature"),
        }, name='Completion')
FAULT_TYPE = reply_schema({
        'id': Id(),
        'code': String(),
        'name': String(),
        'category': String(nullable=True),
        }, name='FaultType')
ENGINEER = reply_schema({
        'id': Id(),
        'name': String(),
        }, name='Engineer')
MAINTENANCE = reply_schema({
        **APPLIANCE.properties,
        'customer': String(),
        'coverages': Array(COVERAGE, max_items=None),
        'history': Array(HISTORY, max_items=None),
        }, name='MaintenanceRecord')


def serialize_user(user):
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    engineer_group = ModelData.get_id('appliance', 'group_engineer')
    return {
        'id': user.id,
        'login': user.login,
        'name': user.name or user.login,
        'employee': user.employee.id if user.employee else None,
        'engineer': any(g.id == engineer_group for g in user.groups),
        'groups': sorted(g.name for g in user.groups),
        }


def _actions(order):
    "The transitions of order the user may call now"
    transitions = {
        'draft': ['cancel'],
        'scheduled': ['dispatch', 'cancel'],
        'dispatched': ['depart', 'start', 'cancel'],
        'on_the_way': ['start', 'cancel'],
        'in_progress': ['wait_parts', 'wait_customer', 'complete'],
        'waiting': ['resume', 'cancel'],
        }
    return transitions.get(order.state, [])


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
    pool = Pool()
    PortalWorkOrder = pool.get('appliance.portal.work_order')
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
        'appointment_start': local_datetime(order.appointment_start),
        'appointment_end': local_datetime(order.appointment_end),
        'engineer': order.engineer.id if order.engineer else None,
        'engineer_name': (order.engineer.party.name
            if order.engineer else None),
        'next_step': order.next_step,
        'actions': _actions(order),
        'done_at': order.done_at,
        'updated_at': order.write_date or order.create_date,
        **PortalWorkOrder.staff_order(order),
        }


def serialize_history(order):
    pool = Pool()
    PortalWorkOrder = pool.get('appliance.portal.work_order')
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


def _appliance_history(appliance, exclude=None):
    pool = Pool()
    WorkOrder = pool.get('appliance.work_order')
    # The history of the appliance is the engineer's to know
    with without_check_access():
        orders = WorkOrder.search([
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
    result['history'] = (_appliance_history(appliance, order)
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


def _order(call, order_id):
    WorkOrder = call.pool.get('appliance.work_order')
    return record_or_404(WorkOrder, order_id)


def _check_button(call, name):
    "Raise 403 unless the user's groups may click the button of work orders"
    pool = call.pool
    Button = pool.get('ir.model.button')
    User = pool.get('res.user')
    groups = Button.get_groups('appliance.work_order', name)
    if groups and not (groups & set(User.get_groups())):
        raise ApiError('forbidden')


def _session_expiry():
    return dt.datetime.now() + dt.timedelta(
        seconds=config.getint('session', 'max_age'))


@route('staff/login', 'POST', auth='none', body=STAFF_LOGIN,
    response=STAFF_SESSION, tags=['Staff'],
    summary="Sign in as a Tryton user", errors=[400, 401, 429])
def staff_login(call):
    """The token goes in `Authorization: Session <token>`; the user
    application keys of trytond's REST API work as `Bearer` too."""
    pool = call.pool
    User = pool.get('res.user')
    Session = pool.get('ir.session')
    transaction = Transaction()
    login = call.body['login']
    try:
        user_id = User.get_login(login, {'password': call.body['password']})
    except LoginException:
        user_id = None
    if not user_id:
        return ApiError('invalid_credentials')
    with transaction.set_user(user_id):
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


@route('staff/me', 'GET', auth='staff', response=STAFF_USER, tags=['Staff'],
    summary="The signed-in Tryton user", errors=[401])
def staff_me(call):
    return serialize_user(call.user)


@route('staff/work-orders', 'GET', auth='staff', response=page_of(ORDER),
    query={**PAGE_QUERY,
        'state': Enum(ORDER_STATES),
        'open': Boolean(description="Only the orders not done nor "
            "cancelled"),
        'kind': Enum(['repair', 'installation', 'maintenance']),
        'engineer': Id(),
        'mine': Boolean(description="Only the orders assigned to me"),
        'region': Id(),
        'request': Id(),
        'date': Date(description="Appointment day"),
        'serial': String(max_length=100),
        'order': Enum(['appointment', '-appointment', 'id', '-id']),
        },
    tags=['Staff'], summary="List and filter work orders",
    errors=[400, 401, 403])
def staff_work_orders(call):
    "Engineers see only their own orders"
    WorkOrder = call.pool.get('appliance.work_order')
    query = call.query
    domain = []
    for name in ['state', 'kind', 'engineer', 'region', 'request']:
        if name in query:
            domain.append((name, '=', query[name]))
    if query.get('open'):
        domain.append(('state', 'not in', ['done', 'cancelled']))
    if query.get('mine'):
        employee = call.user.employee
        domain.append(('engineer', '=', employee.id if employee else None))
    if 'date' in query:
        day = query['date']
        domain.append(('appointment_start', '>=',
                dt.datetime.combine(day, dt.time())))
        domain.append(('appointment_start', '<',
                dt.datetime.combine(day + dt.timedelta(days=1), dt.time())))
    if 'serial' in query:
        domain.append(('appliance.serial_number', '=',
                query['serial'].upper()))
    order = {
        'appointment': [('appointment_start', 'ASC NULLS LAST'),
            ('id', 'ASC')],
        '-appointment': [('appointment_start', 'DESC NULLS LAST'),
            ('id', 'DESC')],
        'id': [('id', 'ASC')],
        '-id': [('id', 'DESC')],
        }.get(query.get('order'))
    return paginate(call, WorkOrder, domain, serialize_order, order=order)


@route('staff/work-orders/<int:order_id>', 'GET', auth='staff',
    response=ORDER_DETAIL, tags=['Staff'],
    summary="A work order with customer, appliance, warranty and history",
    errors=[401, 403, 404])
def staff_work_order(call, order_id):
    return serialize_order_detail(_order(call, order_id))


@route('staff/service-requests/<int:request_id>/work-orders', 'POST',
    auth='staff', body=CREATE_ORDER, response=ORDER_DETAIL,
    status=HTTPStatus.CREATED, tags=['Staff'],
    summary="Create a work order from a service request",
    errors=[400, 401, 403, 404, 409, 422])
def staff_create_order(call, request_id):
    "The request is opened if needed; a slot given is booked"
    pool = call.pool
    Request = pool.get('appliance.service.request')
    WorkOrder = pool.get('appliance.work_order')
    Slot = pool.get('appliance.slot')
    request = record_or_404(Request, request_id)
    if (request.kind not in {'repair', 'installation', 'maintenance'}
            or request.state not in {'draft', 'open', 'in_progress'}):
        raise ApiError('wrong_state',
            message_id=f'{MODULE}.msg_no_work_order')
    if request.state == 'draft':
        Request.open([request])
    order, = Request.create_work_order([request])
    if call.body.get('slot'):
        slot = record_or_404(Slot, call.body['slot'])
        if slot.available <= 0:
            raise ApiError('slot_full')
        order.slot = slot
        order.save()
        WorkOrder.schedule([order])
    return serialize_order_detail(WorkOrder(order.id))


@route('staff/work-orders/<int:order_id>/dispatch', 'POST', auth='staff',
    body=DISPATCH, response=ORDER_DETAIL, tags=['Staff'],
    summary="Assign an engineer, named or chosen automatically",
    errors=[400, 401, 403, 404, 409, 422])
def staff_dispatch(call, order_id):
    pool = call.pool
    WorkOrder = pool.get('appliance.work_order')
    Employee = pool.get('company.employee')
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    order = _order(call, order_id)
    _check_button(call, 'dispatch')
    if order.state != 'scheduled':
        raise ApiError('wrong_state',
            message_id=f'{MODULE}.msg_cannot_dispatch')
    if call.body.get('engineer'):
        engineer = record_or_404(Employee, call.body['engineer'])
        order.engineer = engineer
        order.save()
        WorkOrder.dispatch([order])
    else:
        PortalWorkOrder.dispatch_automatically(order)
    return serialize_order_detail(WorkOrder(order.id))


@route('staff/work-orders/<int:order_id>/progress', 'POST', auth='staff',
    body=PROGRESS, response=ORDER_DETAIL, tags=['Staff'],
    summary="Post progress: on the way, start, waiting, resume, cancel",
    errors=[400, 401, 403, 404, 409])
def staff_progress(call, order_id):
    "A note is added to the timeline; public notes are shown to the customer"
    pool = call.pool
    WorkOrder = pool.get('appliance.work_order')
    Event = pool.get('appliance.work_order.event')
    order = _order(call, order_id)
    action = call.body['action']
    if action not in _actions(order):
        raise ApiError('wrong_state',
            message_id=f'{MODULE}.msg_wrong_action',
            action=action, state=order.state_string)
    getattr(WorkOrder, action)([order])
    order = WorkOrder(order.id)
    if call.body.get('note'):
        with without_check_access():
            Event.create([{
                        'work_order': order.id,
                        'date': dt.datetime.now(),
                        'state': order.state,
                        'description': call.body['note'][:500],
                        'public': bool(call.body.get('public')),
                        'user': call.user.id,
                        'employee': (call.user.employee.id
                            if call.user.employee else None),
                        }])
    return serialize_order_detail(order)


@route('staff/work-orders/<int:order_id>/complete', 'POST', auth='staff',
    body=COMPLETE, response=ORDER_DETAIL, max_size=30 * 1024 * 1024,
    tags=['Staff'],
    summary="Complete with fault type, steps, parts, labour and photos",
    errors=[400, 401, 403, 404, 409, 422])
def staff_complete(call, order_id):
    """The rules of completion apply (fault type of a repair, labour time,
    required steps); a refused completion saves nothing."""
    pool = call.pool
    WorkOrder = pool.get('appliance.work_order')
    Attachment = pool.get('ir.attachment')
    PortalWorkOrder = pool.get('appliance.portal.work_order')
    body = call.body
    order = _order(call, order_id)
    if order.state != 'in_progress':
        raise ApiError('wrong_state',
            message_id=f'{MODULE}.msg_cannot_complete')
    PortalWorkOrder.record_completion(order, body)
    attachments = []
    for photo in body.get('photos') or []:
        attachments.append(Attachment(resource=order, name=photo['name'],
                type='data', data=photo['data']))
    if body.get('signature'):
        attachments.append(Attachment(resource=order,
                name='customer-signature.png', type='data',
                data=body['signature']))
    Attachment.save(attachments)
    order = WorkOrder(order.id)
    WorkOrder.complete([order])
    return serialize_order_detail(WorkOrder(order.id))


@route('staff/work-orders/<int:order_id>/rating', 'POST', auth='staff',
    body=RATING_POST, response=ORDER_DETAIL, status=HTTPStatus.CREATED,
    tags=['Staff'], summary="The customer rates on the engineer's device",
    errors=[400, 401, 403, 404, 409])
def staff_rating(call, order_id):
    WorkOrder = call.pool.get('appliance.work_order')
    PortalWorkOrder = call.pool.get('appliance.portal.work_order')
    order = _order(call, order_id)
    if PortalWorkOrder.rated(order):
        raise ApiError('already_rated')
    if order.state != 'done':
        raise ApiError('wrong_state',
            message_id=f'{MODULE}.msg_nothing_to_rate')
    scores = {k: call.body[k] for k in [
            'overall', 'punctuality', 'attitude', 'quality'] if k in call.body}
    # The customer rates: the engineer needs no right on ratings
    with without_check_access():
        PortalWorkOrder.rate(WorkOrder(order.id), scores, channel='engineer',
            comment=call.body.get('comment'))
    return serialize_order_detail(WorkOrder(order.id))


@route('staff/maintenance-record', 'GET', auth='staff',
    response=Array(MAINTENANCE),
    query={'serial': String(min_length=1, max_length=100,
            description="Serial number of the appliance")},
    tags=['Staff'], summary="Maintenance record of an appliance by serial",
    errors=[400, 401, 403])
def staff_maintenance_record(call):
    Appliance = call.pool.get('appliance.appliance')
    serial = (call.query.get('serial') or '').strip().upper()
    if not serial:
        raise ApiError('malformed',
            message_id=f'{MODULE}.msg_error_field_missing', field='serial')
    appliances = Appliance.search([('serial_number', '=', serial)])
    result = []
    for appliance in appliances:
        values = serialize_appliance(appliance)
        values['customer'] = appliance.customer.name
        values['coverages'] = [
            serialize_coverage(c) for c in appliance.coverages]
        values['history'] = _appliance_history(appliance)
        result.append(values)
    return result


@route('staff/fault-types', 'GET', auth='staff', response=Array(FAULT_TYPE),
    query={'work_order': Id(description="Only the types for its category")},
    tags=['Staff'], summary="Fault types for completion",
    errors=[400, 401, 403])
def staff_fault_types(call):
    PortalWorkOrder = call.pool.get('appliance.portal.work_order')
    order = None
    if call.query.get('work_order'):
        order = _order(call, call.query['work_order'])
    with without_check_access():
        return [{
                'id': f.id,
                'code': f.code,
                'name': f.name,
                'category': f.category.rec_name if f.category else None,
                } for f in PortalWorkOrder.fault_types(order)]


@route('staff/engineers', 'GET', auth='staff', response=Array(ENGINEER),
    tags=['Staff'], summary="Service engineers to dispatch to",
    errors=[401, 403])
def staff_engineers(call):
    Employee = call.pool.get('company.employee')
    employees = Employee.search([('service_engineer', '=', True)])
    return [{'id': e.id, 'name': e.party.name} for e in employees]

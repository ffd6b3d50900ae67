# This file is part of the appliance_service_parts module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"""Parts on work orders: the part lines are the demand of stock moves
reserved from the engineer's van, else from the regional warehouse; the
issue to the van, the consumption on completion, the return of what was not
used and the wait for the parts that are missing."""
from collections import defaultdict

from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.modules.appliance_service.work_order import (
    CLOSED_STATES, OPEN_STATES)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction, without_check_access

from .exceptions import PartFitError, PartsCompletionError, PartsIssueError

PARTS_AVAILABILITY = [
    (None, ""),
    ('pending', "To Reserve"),
    ('reserved', "Reserved"),
    ('in_transit', "On the Way to the Van"),
    ('missing', "Missing"),
    ('used', "Used"),
    ]


def is_consumption(move):
    "Whether move takes a part to the customer's appliance"
    return move.to_location.type == 'customer'


def is_live(move):
    return move.state in {'draft', 'assigned'}


def fitting_part(product, model):
    """Return product when it is a spare part that fits model, else the first
    of its substitutes that fits, else None"""
    if not product.spare_part:
        return None
    if not model or product.fits(model):
        return product
    for template in product.template.substitute_templates():
        for substitute in template.products:
            if substitute.active and substitute.fits(model):
                return substitute


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    van = fields.Function(
        fields.Many2One(
            'stock.location', "Van",
            help="The van of the engineer, where the parts are taken from."),
        'on_change_with_van')
    parts_warehouse = fields.Function(
        fields.Many2One(
            'stock.location', "Parts Warehouse",
            help="The regional warehouse of the engineer, which reserves "
            "what the van does not hold."),
        'on_change_with_parts_warehouse')
    appliance_model = fields.Function(
        fields.Many2One(
            'product.template', "Appliance Model",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'}),
        'on_change_with_appliance_model')
    part_moves = fields.One2Many(
        'stock.move', 'origin', "Part Moves", readonly=True,
        help="The reservations, issues, consumptions and returns of the "
        "parts of the order.")
    defective_parts = fields.One2Many(
        'appliance.work_order.defective_part', 'work_order',
        "Defective Parts Removed",
        states={
            'readonly': Eval('state').in_(CLOSED_STATES),
            },
        help="The defective parts taken out of the appliance, which go to "
        "the defective parts location on completion.")
    parts_missing = fields.Function(
        fields.Boolean(
            "Parts Missing",
            help="Some parts are neither in the van nor in the regional "
            "warehouse."),
        'get_parts_missing')
    parts_expected_date = fields.Function(
        fields.Date(
            "Parts Expected",
            help="When the missing parts are expected: from the quantity "
            "issues of the stock, else from the purchases."),
        'get_parts_expected_date')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'reserve_parts': {
                    'invisible': (~Eval('state').in_(OPEN_STATES)
                        | ~Eval('engineer')),
                    'depends': ['state', 'engineer'],
                    },
                'issue_parts': {
                    'invisible': (~Eval('state').in_(OPEN_STATES)
                        | ~Eval('van')),
                    'depends': ['state', 'van'],
                    },
                })

    @fields.depends('engineer')
    def on_change_with_van(self, name=None):
        if self.engineer:
            return self.engineer.van

    @fields.depends('engineer')
    def on_change_with_parts_warehouse(self, name=None):
        if self.engineer:
            return self.engineer.parts_warehouse

    @fields.depends('appliance')
    def on_change_with_appliance_model(self, name=None):
        if self.appliance and self.appliance.product:
            return self.appliance.product.template

    @property
    def parts_storage(self):
        "The storage of the regional warehouse of the engineer"
        if self.engineer:
            return self.engineer.parts_storage

    @property
    def customer_location(self):
        location = self.customer.customer_location
        if not location:
            raise PartsIssueError(gettext(
                    'appliance_service_parts.msg_no_customer_location',
                    customer=self.customer.rec_name))
        return location

    @property
    def parts_planned_date(self):
        "The day the parts are needed: that of the visit, never in the past"
        pool = Pool()
        Date = pool.get('ir.date')
        with Transaction().set_context(company=self.company.id):
            today = Date.today()
        return max(self.compute_service_date(), today)

    def is_parts_source(self, location):
        "Whether the parts of the order may be reserved in location"
        if location == self.van:
            return True
        warehouse = self.parts_warehouse
        return bool(warehouse and location.type == 'storage'
            and location.warehouse == warehouse)

    def parts_in_transit(self):
        "The quantity of each part on the way to the van for the order"
        quantities = defaultdict(float)
        for move in self.part_moves:
            if (self.van and move.to_location == self.van
                    and move.state in {'staging', 'draft', 'assigned'}):
                quantities[move.product] += move.internal_quantity
        return quantities

    def get_parts_missing(self, name):
        return any(l.availability == 'missing' for l in self.parts)

    def get_parts_expected_date(self, name):
        dates = [l.expected_date for l in self.parts
            if l.availability == 'missing' and l.expected_date]
        return max(dates, default=None)

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('part_moves', None)
        default.setdefault('defective_parts', None)
        return super().copy(orders, default=default)

    @classmethod
    def check_modification(cls, mode, orders, values=None, external=False):
        pool = Pool()
        Appliance = pool.get('appliance.appliance')
        super().check_modification(
            mode, orders, values=values, external=external)
        if mode == 'write' and values and values.get('appliance'):
            appliance = Appliance(values['appliance'])
            model = appliance.product.template if appliance.product else None
            for order in orders:
                for line in order.parts:
                    line.check_fits(model, order)

    @classmethod
    def on_modification(cls, mode, orders, field_names=None):
        super().on_modification(mode, orders, field_names=field_names)
        if mode == 'create' or (mode == 'write' and field_names
                and field_names & {'engineer', 'appointment_start'}):
            with without_check_access():
                cls.sync_parts(cls.browse(orders))

    @classmethod
    def _plan_parts_context(cls, order):
        "The context in which plan_parts fits the parts to order"
        model = order.on_change_with_appliance_model()
        return {'_appliance_model': model.id if model else None}

    @classmethod
    def plan_parts(cls, plan):
        """The parts of plan that fit the appliance model of the context: a
        substitute that fits replaces a part that does not, which is left
        out when none fits; a serialised part takes one line per unit"""
        pool = Pool()
        Template = pool.get('product.template')
        Part = pool.get('appliance.work_order.part')
        parts = super().plan_parts(plan)
        model_id = Transaction().context.get('_appliance_model')
        model = Template(model_id) if model_id else None
        result = []
        for part in parts:
            product = fitting_part(part.product, model)
            if not product:
                continue
            if product != part.product:
                part.product = product
                part.unit = product.default_uom
            result.append(part)
            if product.serialised and part.quantity > 1:
                for _ in range(int(part.quantity) - 1):
                    result.append(Part(
                            product=product, quantity=1, unit=part.unit,
                            from_plan=True, plan=part.plan))
                part.quantity = 1
        return result

    @fields.depends('appliance')
    def on_change_plan(self):
        with Transaction().set_context(self._plan_parts_context(self)):
            super().on_change_plan()

    @classmethod
    def _sync_plan_lines(cls, orders):
        for order in orders:
            with Transaction().set_context(cls._plan_parts_context(order)):
                super()._sync_plan_lines([order])

    @classmethod
    def _parts_locations(cls, orders):
        "The locations the parts of orders are reserved in"
        locations = set()
        for order in orders:
            locations.update(filter(None, [order.van, order.parts_storage]))
        return list(locations)

    @classmethod
    def sync_parts(cls, orders, wait=True):
        """Make the part lines of the open orders of an engineer the demand
        of stock moves planned on the day of the visit, reserved from the van
        else from the regional warehouse.

        With wait, the orders in progress that miss a part wait for it."""
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        orders = [o for o in orders
            if o.state in OPEN_STATES and o.engineer]
        if not orders:
            return
        Location.lock(cls._parts_locations(orders))
        to_cancel, to_save = [], []
        for order in orders:
            for line in order.parts:
                cancel, save = order._sync_line_moves(line)
                to_cancel.extend(cancel)
                to_save.extend(save)
        Move.cancel(to_cancel)
        Move.save(to_save)
        cls._reserve_parts(cls.browse(orders))
        if wait:
            cls._wait_for_missing_parts(cls.browse(orders))

    def _sync_line_moves(self, line, default_source=None):
        """Return the moves to cancel and to save so that the live
        consumption moves of line cover its quantity, on the day of the
        visit, from the van or the regional warehouse of the engineer"""
        to_cancel, to_save = [], []
        needed = line.internal_quantity
        unit = line.product.default_uom
        live = [m for m in line.moves if is_consumption(m) and is_live(m)]
        for move in live:
            if not self.is_parts_source(move.from_location):
                # The engineer changed: his van or warehouse reserves
                to_cancel.append(move)
        live = [m for m in live if m not in to_cancel]
        # The reservations are kept first, the van's before the others
        live.sort(key=lambda m: (m.state != 'assigned',
                m.from_location != self.van, m.id))
        planned_date = self.parts_planned_date
        for move in live:
            if unit.round(needed) <= 0:
                to_cancel.append(move)
            elif move.internal_quantity > needed:
                # A reservation is not changed: what is kept is reserved
                # again from the same stock in the same transaction
                to_cancel.append(move)
                to_save.append(self._part_move(
                        line, needed, move.from_location))
                needed = 0
            else:
                needed -= move.internal_quantity
                if move.planned_date != planned_date:
                    move.planned_date = planned_date
                    to_save.append(move)
        if unit.round(needed) > 0:
            source = default_source or self.van or self.parts_storage
            to_save.append(self._part_move(line, needed, source))
        return to_cancel, to_save

    def _part_move(self, line, quantity, from_location):
        "Return a new move of quantity of the part of line to the customer"
        pool = Pool()
        Move = pool.get('stock.move')
        product = line.product
        with Transaction().set_context(company=self.company.id):
            cost_price = product.cost_price
        return Move(
            company=self.company,
            product=product,
            unit=product.default_uom,
            quantity=product.default_uom.round(quantity),
            from_location=from_location,
            to_location=self.customer_location,
            planned_date=self.parts_planned_date,
            origin=self,
            work_order_part=line,
            unit_price=cost_price,
            currency=self.company.currency)

    @classmethod
    def _reserve_parts(cls, orders):
        """Assign the unreserved consumption moves of orders from the van
        when it holds the quantity, else from the regional warehouse; the
        earliest visits first"""
        pool = Pool()
        Move = pool.get('stock.move')
        orders = sorted(orders, key=lambda o: (o.parts_planned_date, o.id))

        def unreserved():
            "The draft moves not covered by an issue on the way to the van"
            result = []
            for order in cls.browse(orders):
                transit = order.parts_in_transit()
                for line in order.parts:
                    for move in line.moves:
                        if not is_consumption(move) or move.state != 'draft':
                            continue
                        if (move.from_location == order.van
                                and transit[move.product] >= (
                                    move.internal_quantity)):
                            transit[move.product] -= move.internal_quantity
                            continue
                        result.append((order, move))
            return result

        to_save = []
        for order, move in unreserved():
            source = order.engineer.parts_source(
                move.product, move.internal_quantity)
            if source and source != move.from_location:
                move.from_location = source
                to_save.append(move)
        Move.save(to_save)
        cls._assign_try([m for _, m in unreserved()])
        # What the van could not give after all, the warehouse may
        to_save = []
        for order, move in unreserved():
            if order.parts_storage and move.from_location != (
                    order.parts_storage):
                move.from_location = order.parts_storage
                to_save.append(move)
        Move.save(to_save)
        cls._assign_try([m for _, m in unreserved()])

    @classmethod
    def _assign_try(cls, moves):
        pool = Pool()
        Move = pool.get('stock.move')
        from_van = [m for m in moves if m.from_location.engineer]
        others = [m for m in moves if not m.from_location.engineer]
        Move.assign_try(from_van, with_childs=False)
        # The vans are outside the warehouses: their stock is never taken
        Move.assign_try(others, with_childs=True)

    @classmethod
    def _wait_for_missing_parts(cls, orders):
        "The orders in progress that miss a part wait for it"
        to_wait = [o for o in orders
            if o.state == 'in_progress' and o.parts_missing]
        if not to_wait:
            return
        cls.wait_parts(to_wait)
        for order in to_wait:
            cls.log_event([order],
                'appliance_service_parts.msg_event_parts_missing',
                state='waiting', **order._missing_parts_strings())

    def _missing_parts_strings(self):
        lines = [l for l in self.parts if l.availability == 'missing']
        expected = self.parts_expected_date
        return {
            'parts': ', '.join(l.product.rec_name for l in lines),
            'date': expected.isoformat() if expected else '?',
            }

    @classmethod
    def parts_arrived(cls, products):
        """Reserve the missing parts of the open orders among products and
        resume the orders that waited for them"""
        pool = Pool()
        Move = pool.get('stock.move')
        moves = Move.search([
                ('product', 'in', [p.id for p in products]),
                ('state', '=', 'draft'),
                ('origin', 'like', cls.__name__ + ',%'),
                ('to_location.type', '=', 'customer'),
                ])
        orders = cls.browse({m.origin.id for m in moves})
        orders = [o for o in orders if o.state in OPEN_STATES]
        if not orders:
            return
        cls.sync_parts(orders, wait=False)
        to_resume = [o for o in cls.browse(orders)
            if o.state == 'waiting' and o.waiting_reason == 'parts'
            and not o.parts_missing]
        if to_resume:
            cls.resume(to_resume)
            cls.log_event(to_resume,
                'appliance_service_parts.msg_event_parts_arrived',
                state='in_progress')

    @classmethod
    @ModelView.button
    def reserve_parts(cls, orders):
        cls.sync_parts(orders)

    @classmethod
    @ModelView.button
    def issue_parts(cls, orders):
        """Send the parts reserved in the regional warehouse to the van by
        an internal shipment; the parts are then consumed from the van"""
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        Shipment = pool.get('stock.shipment.internal')
        orders = cls.browse(orders)
        Location.lock(cls._parts_locations(orders))
        shipments, to_cancel, to_save = [], [], []
        for order in orders:
            if order.state not in OPEN_STATES or not order.van:
                raise PartsIssueError(gettext(
                        'appliance_service_parts.msg_issue_no_van',
                        order=order.rec_name))
            moves = [m for l in order.parts for m in l.moves
                if is_consumption(m) and m.state == 'assigned'
                and m.from_location != order.van]
            if not moves:
                raise PartsIssueError(gettext(
                        'appliance_service_parts.msg_issue_nothing',
                        order=order.rec_name))
            shipment = order._issue_shipment(moves)
            shipments.append(shipment)
            to_cancel.extend(moves)
            for move in moves:
                to_save.append(order._part_move(
                        move.work_order_part, move.internal_quantity,
                        order.van))
        # The reservation passes from the order to the shipment
        Move.cancel(to_cancel)
        Shipment.save(shipments)
        Move.save(to_save)
        Shipment.wait(shipments)
        Shipment.assign_try(shipments)

    def _issue_shipment(self, moves):
        pool = Pool()
        Move = pool.get('stock.move')
        Shipment = pool.get('stock.shipment.internal')
        shipment = Shipment(
            company=self.company,
            from_location=self.parts_storage,
            to_location=self.van,
            planned_date=self.parts_planned_date,
            reference=self.number)
        shipment.planned_start_date = (
            shipment.on_change_with_planned_start_date())
        shipment.moves = [Move(
                company=self.company,
                product=m.product,
                unit=m.unit,
                quantity=m.quantity,
                lot=m.lot,
                from_location=m.from_location,
                to_location=self.van,
                planned_date=shipment.planned_date,
                origin=self,
                work_order_part=m.work_order_part)
            for m in moves]
        return shipment

    @classmethod
    @ModelView.button
    def complete(cls, orders):
        # The parts first: a shortage refuses the completion with the
        # quantity left, even of an order that just began to wait for it
        cls.consume_parts(orders)
        super().complete(orders)
        cls.remove_defective_parts(orders)
        cls.return_unused_parts(orders)

    @classmethod
    def consume_parts(cls, orders):
        """The parts used leave for the customer's appliance: from the
        warehouse that reserved and handed them over on site, else from the
        van; refused with what is left when short"""
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        orders = [o for o in cls.browse(orders)
            if o.state in {'in_progress', 'waiting'}]
        if not orders:
            return
        Location.lock(cls._parts_locations(orders))
        to_cancel, to_save = [], []
        for order in orders:
            for line in order.parts:
                line.check_serial()
                cancel, save = order._sync_line_moves(
                    line, default_source=order.van)
                to_cancel.extend(cancel)
                to_save.extend(save)
        Move.cancel(to_cancel)
        Move.save(to_save)
        to_save, to_do = [], []
        for order in cls.browse(orders):
            for line in order.parts:
                for move in line.moves:
                    if not (is_consumption(move) and is_live(move)):
                        continue
                    if move.state == 'draft' and order.van:
                        # What was not reserved came from the van
                        move.from_location = order.van
                    if line.lot:
                        move.lot = line.lot
                    to_save.append(move)
                    to_do.append(move)
        Move.save(to_save)
        Move.consume_parts(to_do)

    @classmethod
    def remove_defective_parts(cls, orders):
        "The defective parts removed go to the defective parts location"
        pool = Pool()
        DefectivePart = pool.get('appliance.work_order.defective_part')
        DefectivePart.remove(
            [p for o in cls.browse(orders) for p in o.defective_parts])

    @classmethod
    def return_unused_parts(cls, orders):
        """The parts issued to the van for orders and not used go back to
        the warehouse by an internal shipment; the issues not done yet are
        cancelled"""
        pool = Pool()
        Shipment = pool.get('stock.shipment.internal')
        orders = cls.browse(orders)
        pending = {m.shipment for o in orders for m in o.part_moves
            if m.shipment and m.shipment.__name__ == Shipment.__name__
            and m.shipment.to_location == o.van
            and m.shipment.state in {'request', 'draft', 'waiting',
                'assigned'}}
        Shipment.cancel(list(pending))
        returns = list(filter(None,
                (o._return_shipment() for o in cls.browse(orders))))
        if returns:
            Shipment.save(returns)
            Shipment.wait(returns)
            Shipment.assign_try(returns)

    def _return_shipment(self):
        "Return a shipment back to the warehouse of what was issued unused"
        pool = Pool()
        Move = pool.get('stock.move')
        Shipment = pool.get('stock.shipment.internal')
        if not self.van or not self.parts_storage:
            return
        balance = defaultdict(float)
        for move in self.part_moves:
            if move.state == 'cancelled':
                continue
            key = (move.product, move.lot if move.product.serialised else None)
            if move.to_location == self.van and move.state == 'done':
                balance[key] += move.internal_quantity
            elif move.from_location == self.van and (
                    move.state == 'done' or not is_consumption(move)):
                balance[key] -= move.internal_quantity
        moves = []
        for (product, lot), quantity in balance.items():
            quantity = product.default_uom.round(quantity)
            if quantity <= 0:
                continue
            moves.append(Move(
                    company=self.company,
                    product=product,
                    unit=product.default_uom,
                    quantity=quantity,
                    lot=lot,
                    from_location=self.van,
                    to_location=self.parts_storage,
                    planned_date=self.parts_planned_date,
                    origin=self))
        if moves:
            shipment = Shipment(
                company=self.company,
                from_location=self.van,
                to_location=self.parts_storage,
                planned_date=self.parts_planned_date,
                reference=self.number,
                moves=moves)
            shipment.planned_start_date = (
                shipment.on_change_with_planned_start_date())
            return shipment

    @classmethod
    @ModelView.button
    def cancel(cls, orders):
        super().cancel(orders)
        cls.release_parts(orders)

    @classmethod
    def release_parts(cls, orders):
        """Free the reservations of orders and bring back what was issued
        to the van for them"""
        pool = Pool()
        Move = pool.get('stock.move')
        Move.cancel([m for o in cls.browse(orders) for m in o.part_moves
                if is_consumption(m) and is_live(m)])
        cls.return_unused_parts(orders)


class WorkOrderPart(metaclass=PoolMeta):
    __name__ = 'appliance.work_order.part'

    appliance_model = fields.Function(
        fields.Many2One('product.template', "Appliance Model"),
        'on_change_with_appliance_model')
    serialised = fields.Function(
        fields.Boolean("Serialised"), 'on_change_with_serialised')
    lot = fields.Many2One(
        'stock.lot', "Serial Number", ondelete='RESTRICT',
        domain=[
            ('product', '=', Eval('product', -1)),
            ],
        states={
            'invisible': ~Eval('serialised'),
            'readonly': Eval('work_order_state').in_(CLOSED_STATES),
            },
        help="The serial of the part fitted, picked on completion.")
    moves = fields.One2Many(
        'stock.move', 'work_order_part', "Moves", readonly=True)
    availability = fields.Function(
        fields.Selection(PARTS_AVAILABILITY, "Availability"),
        'get_availability')
    source = fields.Function(
        fields.Many2One(
            'stock.location', "Reserved In",
            help="The van or the warehouse that reserves the part."),
        'get_source')
    expected_date = fields.Function(
        fields.Date(
            "Expected", help="When the missing part is expected."),
        'get_expected_date')
    substitutes = fields.Function(
        fields.Many2Many(
            'product.product', None, None, "Substitutes in Stock",
            help="The parts that fit and can replace the missing one, "
            "in the van or the regional warehouse."),
        'get_substitutes')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.product.domain = [
            cls.product.domain,
            ('template.spare_part', '=', True),
            If(Bool(Eval('appliance_model')),
                ('template.compatible_models', '=',
                    Eval('appliance_model', -1)),
                ()),
            ]
        cls.product.depends.add('appliance_model')

    @fields.depends('work_order', '_parent_work_order.appliance')
    def on_change_with_appliance_model(self, name=None):
        if self.work_order and self.work_order.appliance:
            product = self.work_order.appliance.product
            if product:
                return product.template

    @fields.depends('product')
    def on_change_with_serialised(self, name=None):
        return bool(self.product and self.product.serialised)

    @fields.depends('product', 'lot')
    def on_change_product(self):
        super().on_change_product()
        if self.lot and self.lot.product != self.product:
            self.lot = None

    @property
    def internal_quantity(self):
        "The quantity in the default unit of the part"
        pool = Pool()
        Uom = pool.get('product.uom')
        return Uom.compute_qty(
            self.unit, self.quantity, self.product.default_uom, round=False)

    def get_availability(self, name):
        moves = [m for m in self.moves
            if is_consumption(m) and m.state != 'cancelled']
        if not moves:
            return 'pending'
        states = {m.state for m in moves}
        if states == {'done'}:
            return 'used'
        if 'draft' in states:
            order = self.work_order
            draft = sum(m.internal_quantity for m in moves
                if m.state == 'draft' and m.from_location == order.van)
            unreserved = sum(
                m.internal_quantity for m in moves if m.state == 'draft')
            if draft == unreserved and (
                    order.parts_in_transit()[self.product] >= draft):
                return 'in_transit'
            return 'missing'
        return 'reserved'

    def get_source(self, name):
        for move in self.moves:
            if is_consumption(move) and move.state == 'assigned':
                return move.from_location.id

    def get_expected_date(self, name):
        if self.availability == 'missing':
            return self.expected_arrival()

    def expected_arrival(self):
        """Return the day the part is expected: the best planned date of its
        quantity issue, else the first planned receipt in the regional
        warehouse (a purchase) or in the van (an issue)"""
        pool = Pool()
        IssueProduct = pool.get('stock.quantity.issue.product')
        Move = pool.get('stock.move')
        order = self.work_order
        issues = IssueProduct.search([
                ('issue.origin', '=', str(order)),
                ('issue.state', 'in', ['open', 'processing']),
                ('product', '=', self.product.id),
                ('best_planned_date', '!=', None),
                ], order=[('best_planned_date', 'DESC')], limit=1)
        if issues:
            return issues[0].best_planned_date
        arrivals = []
        if order.parts_warehouse:
            arrivals.append([
                    ('to_location', 'child_of',
                        [order.parts_warehouse.id], 'parent'),
                    ('from_location.type', '=', 'supplier'),
                    ])
        if order.van:
            arrivals.append([('to_location', '=', order.van.id)])
        if not arrivals:
            return
        moves = Move.search([
                ('product', '=', self.product.id),
                ('state', 'in', ['staging', 'draft', 'assigned']),
                ('planned_date', '!=', None),
                ['OR', *arrivals],
                ], order=[('planned_date', 'ASC')], limit=1)
        if moves:
            return moves[0].planned_date

    def get_substitutes(self, name):
        if self.availability != 'missing':
            return []
        order = self.work_order
        model = self.appliance_model
        substitutes = []
        for location in filter(None, [order.van, order.parts_storage]):
            for product, _ in self.product.substitutes_in_stock(
                    location, self.internal_quantity):
                if ((not model or product.fits(model))
                        and product not in substitutes):
                    substitutes.append(product)
        return [p.id for p in substitutes]

    def check_fits(self, model, order):
        "Raise unless the part is a spare part that fits model"
        if not self.product.spare_part:
            raise PartFitError(gettext(
                    'appliance_service_parts.msg_part_not_spare_part',
                    part=self.product.rec_name,
                    order=order.rec_name))
        if model and not self.product.fits(model):
            raise PartFitError(gettext(
                    'appliance_service_parts.msg_part_does_not_fit',
                    part=self.product.rec_name,
                    model=model.rec_name,
                    order=order.rec_name))

    def check_serial(self):
        "Raise unless the serial of a serialised part is picked"
        if self.product.serialised and not self.lot:
            raise PartsCompletionError(gettext(
                    'appliance_service_parts.msg_serial_required',
                    part=self.product.rec_name,
                    order=self.work_order.rec_name))

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('moves', None)
        default.setdefault('lot', None)
        return super().copy(lines, default=default)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        Product = pool.get('product.product')
        values = super().preprocess_values(mode, values)
        # Checked before the domain of the product to tell what is wrong
        if mode == 'create' and values.get('work_order') and values.get(
                'product'):
            order = WorkOrder(values['work_order'])
            line = cls(product=Product(values['product']))
            line.check_fits(order.appliance_model, order)
        return values

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        pool = Pool()
        Product = pool.get('product.product')
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode == 'write' and values and values.get('product'):
            product = Product(values['product'])
            for line in lines:
                check = cls(product=product)
                check.check_fits(
                    line.work_order.appliance_model, line.work_order)

    @classmethod
    def validate_fields(cls, lines, field_names):
        super().validate_fields(lines, field_names)
        for line in lines:
            if line.product.serialised and line.internal_quantity != 1:
                raise PartFitError(gettext(
                        'appliance_service_parts.msg_serialised_one_unit',
                        part=line.product.rec_name,
                        order=line.work_order.rec_name))

    @classmethod
    def on_modification(cls, mode, lines, field_names=None):
        pool = Pool()
        Move = pool.get('stock.move')
        WorkOrder = pool.get('appliance.work_order')
        super().on_modification(mode, lines, field_names=field_names)
        with without_check_access():
            if mode == 'delete':
                Move.cancel([m for l in lines for m in l.moves
                        if is_consumption(m) and is_live(m)])
            elif mode == 'create' or (field_names and field_names & {
                        'product', 'quantity', 'unit', 'work_order'}):
                orders = WorkOrder.browse({l.work_order.id for l in lines})
                WorkOrder.sync_parts(orders)

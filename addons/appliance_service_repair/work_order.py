# This file is part of the appliance_service_repair module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""The completion record of work orders: actual fault, repair plan version,
steps done, parts and labour used, root cause and photos; and the detection
of rework."""
import datetime as dt
import mimetypes
from collections import defaultdict

from sql import Literal

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields, sequence_ordered
from trytond.modules.appliance_service.work_order import CLOSED_STATES
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

from .exceptions import CompletionError


def _is_photo(name):
    mimetype, _ = mimetypes.guess_type(name or '')
    return bool(mimetype and mimetype.startswith('image/'))


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    _completion_states = {
        'readonly': Eval('state').in_(CLOSED_STATES),
        }

    appliance_category = fields.Function(
        fields.Many2One('appliance.category', "Appliance Category"),
        'on_change_with_appliance_category')
    fault_type = fields.Many2One(
        'appliance.fault.type', "Reported Fault", ondelete='RESTRICT',
        domain=[
            If(Bool(Eval('appliance_category'))
                & ~Eval('state').in_(CLOSED_STATES),
                ('category', 'parent_of', [Eval('appliance_category', -1)],
                    'parent'),
                ()),
            ],
        states=_completion_states,
        help="The fault expected from what the customer reported.")
    actual_fault_type = fields.Many2One(
        'appliance.fault.type', "Actual Fault", ondelete='RESTRICT',
        domain=[
            If(Bool(Eval('appliance_category'))
                & ~Eval('state').in_(CLOSED_STATES),
                ('category', 'parent_of', [Eval('appliance_category', -1)],
                    'parent'),
                ()),
            ],
        states=_completion_states,
        help="The fault the engineer found.")
    plan = fields.Many2One(
        'appliance.repair.plan', "Repair Plan", ondelete='RESTRICT',
        domain=[
            If(~Eval('state').in_(CLOSED_STATES),
                [
                    ('fault_type', '=', If(Bool(Eval('actual_fault_type')),
                            Eval('actual_fault_type', -1),
                            Eval('fault_type', -1))),
                    ['OR',
                        ('state', '=', 'active'),
                        ('id', '=', Eval('plan', -1)),
                        ],
                    ],
                []),
            ],
        states=_completion_states,
        help="The version of the repair plan followed.")
    plan_version = fields.Function(
        fields.Integer("Plan Version"), 'on_change_with_plan_version')
    steps = fields.One2Many(
        'appliance.work_order.step', 'work_order', "Steps",
        states=_completion_states)
    parts = fields.One2Many(
        'appliance.work_order.part', 'work_order', "Parts Used",
        states=_completion_states)
    labour_hours = fields.Float(
        "Labour Time", digits=(16, 2),
        domain=['OR',
            ('labour_hours', '=', None),
            ('labour_hours', '>=', 0),
            ],
        states=_completion_states,
        help="The hours spent on the work.")
    root_cause = fields.Text("Root Cause", states=_completion_states)
    completion_notes = fields.Text(
        "Completion Notes", states=_completion_states)
    photo_count = fields.Function(
        fields.Integer(
            "Photos", help="The number of pictures attached to the order."),
        'get_photo_count')
    rework_of = fields.Many2One(
        'appliance.work_order', "Rework Of", readonly=True,
        ondelete='SET NULL',
        help="The earlier repair of the same appliance that this one "
        "redoes.")
    is_rework = fields.Boolean(
        "Rework", readonly=True,
        help="The appliance was repaired shortly before this order.")
    reworks = fields.One2Many(
        'appliance.work_order', 'rework_of', "Reworks", readonly=True)

    del _completion_states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.actual_fault_type, Index.Equality())),
                Index(t, (t.is_rework, Index.Equality(cardinality='low')),
                    where=t.is_rework == Literal(True)),
                Index(t, (t.rework_of, Index.Equality())),
                })

    @classmethod
    def default_is_rework(cls):
        return False

    @fields.depends('appliance')
    def on_change_with_appliance_category(self, name=None):
        if self.appliance and self.appliance.product:
            return self.appliance.product.template.appliance_category

    @fields.depends('plan')
    def on_change_with_plan_version(self, name=None):
        if self.plan:
            return self.plan.version

    @fields.depends('actual_fault_type', 'plan', 'fault_type',
        methods=['on_change_plan'])
    def on_change_actual_fault_type(self):
        if self.plan and self.plan.fault_type != (
                self.actual_fault_type or self.fault_type):
            self.plan = None
            self.on_change_plan()

    @fields.depends('plan', 'steps', 'parts', 'actual_fault_type',
        'appliance', 'fault_type')
    def on_change_plan(self):
        if self.plan and not self.actual_fault_type:
            self.actual_fault_type = self.plan.fault_type
        self.steps = [
            s for s in (self.steps or [])
            if not s.plan_step or s.plan_step.plan == self.plan]
        if self.plan and not any(s.plan_step for s in self.steps):
            self.steps += tuple(self.plan_steps(self.plan))
        self.parts = [
            p for p in (self.parts or [])
            if not p.from_plan or p.plan == self.plan]
        if self.plan and not any(p.from_plan for p in self.parts):
            self.parts += tuple(self.plan_parts(self.plan))

    @classmethod
    def plan_steps(cls, plan):
        "Return new work order steps for those of plan"
        pool = Pool()
        Step = pool.get('appliance.work_order.step')
        return [Step(
                sequence=s.sequence,
                description=s.description,
                plan_step=s,
                required=True,
                done=False)
            for s in plan.steps]

    @classmethod
    def plan_parts(cls, plan):
        "Return new parts used for the parts plan requires"
        pool = Pool()
        Part = pool.get('appliance.work_order.part')
        parts = []
        for plan_part in plan.parts:
            part = Part(
                product=plan_part.product,
                quantity=plan_part.quantity,
                unit=plan_part.unit,
                from_plan=True,
                plan=plan)
            parts.append(part)
        return parts

    def plan_skill_level(self):
        """Return the skill level (an integer from 1 to 5) the repair plan
        of the order requires, or None.

        Without a plan chosen yet, the active plan of the reported fault for
        the category of the appliance is used."""
        pool = Pool()
        Plan = pool.get('appliance.repair.plan')
        plan = self.plan
        fault_type = self.actual_fault_type or self.fault_type
        if not plan and fault_type:
            plan = Plan.find_active(
                fault_type, self.appliance_category or fault_type.category)
        if plan:
            return int(plan.skill_level)

    def required_skill_level(self):
        "The level of the repair plan when it asks for more"
        category, brand, level = super().required_skill_level()
        return category, brand, max(level, self.plan_skill_level() or 1)

    @classmethod
    def get_photo_count(cls, orders, name):
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        attachment = Attachment.__table__()
        cursor = Transaction().connection.cursor()
        counts = defaultdict(int)
        prefix = cls.__name__ + ','
        resources = [prefix + str(o.id) for o in orders]
        for sub_resources in grouped_slice(resources):
            cursor.execute(*attachment.select(
                    attachment.resource, attachment.name,
                    where=attachment.resource.in_(list(sub_resources))
                    & (attachment.type == 'data')))
            for resource, attachment_name in cursor:
                if _is_photo(attachment_name):
                    counts[int(resource[len(prefix):])] += 1
        return {o.id: counts[o.id] for o in orders}

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name in ['actual_fault_type', 'plan', 'steps', 'parts',
                'labour_hours', 'root_cause', 'completion_notes',
                'rework_of', 'reworks']:
            default.setdefault(name, None)
        default.setdefault('is_rework', False)
        return super().copy(orders, default=default)

    @classmethod
    def check_modification(cls, mode, orders, values=None, external=False):
        pool = Pool()
        Plan = pool.get('appliance.repair.plan')
        super().check_modification(
            mode, orders, values=values, external=external)
        if mode == 'write' and values:
            if set(values) & cls._completion_fields():
                for order in orders:
                    if order.state in CLOSED_STATES:
                        raise CompletionError(gettext(
                                'appliance_service_repair'
                                '.msg_completion_locked',
                                order=order.rec_name))
            if values.get('plan'):
                plan = Plan(values['plan'])
                cls._check_plan_active(plan, orders)
        elif mode == 'create':
            for order in orders:
                if order.plan:
                    cls._check_plan_active(order.plan, [order])

    @classmethod
    def _check_plan_active(cls, plan, orders):
        if plan.state != 'active':
            raise CompletionError(gettext(
                    'appliance_service_repair.msg_completion_plan_inactive',
                    plan=plan.rec_name,
                    order=', '.join(o.rec_name for o in orders)))

    @classmethod
    def _completion_fields(cls):
        "The fields of the completion record locked once the order is closed"
        return {'fault_type', 'actual_fault_type', 'plan', 'steps', 'parts',
            'labour_hours', 'root_cause', 'completion_notes'}

    @classmethod
    def on_modification(cls, mode, orders, field_names=None):
        super().on_modification(mode, orders, field_names=field_names)
        if mode in {'create', 'write'} and (
                field_names is None or 'plan' in field_names):
            cls._sync_plan_lines(orders)

    @classmethod
    def _sync_plan_lines(cls, orders):
        """Give the orders the steps and parts of their plan when the plan
        was set without them (by a client that skips on_change)."""
        pool = Pool()
        Step = pool.get('appliance.work_order.step')
        Part = pool.get('appliance.work_order.part')
        to_delete_steps, to_delete_parts = [], []
        to_save_steps, to_save_parts = [], []
        for order in orders:
            plan = order.plan
            to_delete_steps.extend(s for s in order.steps
                if s.plan_step and s.plan_step.plan != plan)
            to_delete_parts.extend(p for p in order.parts
                if p.from_plan and p.plan != plan)
            if not plan:
                continue
            if not any(s.plan_step and s.plan_step.plan == plan
                    for s in order.steps):
                for step in cls.plan_steps(plan):
                    step.work_order = order
                    to_save_steps.append(step)
            if not any(p.from_plan and p.plan == plan for p in order.parts):
                for part in cls.plan_parts(plan):
                    part.work_order = order
                    to_save_parts.append(part)
        Step.delete(to_delete_steps)
        Part.delete(to_delete_parts)
        Step.save(to_save_steps)
        Part.save(to_save_parts)

    def check_completion(self):
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        super().check_completion()
        if self.kind == 'repair' and not self.actual_fault_type:
            raise CompletionError(gettext(
                    'appliance_service_repair.msg_completion_no_fault_type',
                    order=self.rec_name))
        if (self.plan and self.actual_fault_type
                and self.plan.fault_type != self.actual_fault_type):
            raise CompletionError(gettext(
                    'appliance_service_repair.msg_completion_plan_mismatch',
                    order=self.rec_name,
                    plan=self.plan.rec_name,
                    fault_type=self.actual_fault_type.rec_name))
        if not self.labour_hours:
            raise CompletionError(gettext(
                    'appliance_service_repair.msg_completion_no_labour',
                    order=self.rec_name))
        undone = [s for s in self.steps if s.required and not s.done]
        if undone:
            raise CompletionError(gettext(
                    'appliance_service_repair.msg_completion_steps_undone',
                    order=self.rec_name,
                    steps='; '.join(s.rec_name for s in undone)))
        if (Configuration(1).completion_photo_required
                and not self.photo_count):
            raise CompletionError(gettext(
                    'appliance_service_repair.msg_completion_no_photo',
                    order=self.rec_name))

    @classmethod
    @ModelView.button
    def complete(cls, orders):
        super().complete(orders)
        cls.detect_rework(orders)

    @classmethod
    def set_actual_fault(cls, orders, fault_type):
        """Record fault_type as the actual fault of orders: the active plan
        of the fault for the category of the appliance brings its steps and
        parts"""
        for order in orders:
            order.actual_fault_type = fault_type
            plan = fault_type.active_plan(order.appliance_category)
            if order.plan != plan:
                order.plan = plan
                order.on_change_plan()
        cls.save(orders)

    @classmethod
    def record_completion(cls, order, fault_type=None, steps_done=(),
            all_steps_done=False, extra_steps=(), parts=(),
            labour_hours=None, root_cause=None, notes=None):
        """Record what the engineer reports at the end of the work on order:
        the actual fault (see set_actual_fault), the ids of the steps done
        or all of them, the steps added, the parts used as (product,
        quantity), the labour hours, the root cause and notes.

        The staff screens, the API and the engineer pages save a completion
        with it; the rules are checked when the order is completed."""
        pool = Pool()
        Step = pool.get('appliance.work_order.step')
        Part = pool.get('appliance.work_order.part')
        if fault_type:
            cls.set_actual_fault([order], fault_type)
        for name, value in [
                ('labour_hours', labour_hours),
                ('root_cause', root_cause),
                ('completion_notes', notes)]:
            if value is not None:
                setattr(order, name, value)
        order.save()
        order = cls(order.id)
        steps = list(order.steps)
        unknown = set(steps_done) - {s.id for s in steps}
        if unknown:
            raise CompletionError(gettext(
                    'appliance_service_repair.msg_completion_unknown_step',
                    order=order.rec_name))
        to_save = [s for s in steps if all_steps_done or s.id in steps_done]
        for step in to_save:
            step.done = True
        to_save.extend(Step(work_order=order, description=description,
                required=False, done=True) for description in extra_steps)
        to_save_parts = [Part(work_order=order, product=product,
                quantity=quantity, unit=product.default_uom)
            for product, quantity in parts]
        Step.save(to_save)
        Part.save(to_save_parts)

    @classmethod
    def detect_rework(cls, orders):
        """Link each repair to the repair of the same appliance completed
        within the rework period before it."""
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        days = Configuration(1).rework_days
        to_write = []
        # Earlier orders may belong to other engineers
        with without_check_access():
            for order in cls.browse([o.id for o in orders]):
                if (order.kind != 'repair' or not order.appliance
                        or not order.done_at):
                    continue
                earlier = cls.search([
                        ('appliance', '=', order.appliance.id),
                        ('kind', '=', 'repair'),
                        ('state', '=', 'done'),
                        ('id', '!=', order.id),
                        ('done_at', '<=', order.done_at),
                        ('done_at', '>=',
                            order.done_at - dt.timedelta(days=days)),
                        ], order=[('done_at', 'DESC'), ('id', 'DESC')],
                    limit=1)
                if earlier:
                    to_write.extend(([order], {
                                'rework_of': earlier[0].id,
                                'is_rework': True,
                                }))
            if to_write:
                cls.write(*to_write)


class WorkOrderStep(sequence_ordered(), ModelSQL, ModelView):
    "Work order step"
    __name__ = 'appliance.work_order.step'

    _states = {
        'readonly': Eval('work_order_state').in_(CLOSED_STATES),
        }

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", required=True,
        ondelete='CASCADE', states=_states)
    description = fields.Text("Description", required=True, states={
            'readonly': (_states['readonly'] | Bool(Eval('plan_step'))),
            })
    # Set by on_change: readonly through states so clients save them
    plan_step = fields.Many2One(
        'appliance.repair.plan.step', "Plan Step", ondelete='RESTRICT',
        states={'readonly': True})
    required = fields.Boolean(
        "Required", states={
            'readonly': (_states['readonly'] | Bool(Eval('plan_step'))),
            },
        help="The order cannot be completed until the step is done.")
    done = fields.Boolean("Done", states=_states)
    work_order_state = fields.Function(
        fields.Selection('get_work_order_states', "Work Order State"),
        'on_change_with_work_order_state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.work_order, Index.Equality())))

    @classmethod
    def default_required(cls):
        return False

    @classmethod
    def default_done(cls):
        return False

    @classmethod
    def get_work_order_states(cls):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        return WorkOrder.fields_get(['state'])['state']['selection']

    @fields.depends('work_order', '_parent_work_order.state')
    def on_change_with_work_order_state(self, name=None):
        if self.work_order:
            return self.work_order.state

    def get_rec_name(self, name):
        return (self.description or '').split('\n', 1)[0]

    @classmethod
    def check_modification(cls, mode, steps, values=None, external=False):
        super().check_modification(
            mode, steps, values=values, external=external)
        _check_order_open(steps)


class WorkOrderPart(ModelSQL, ModelView):
    "Work order part used"
    __name__ = 'appliance.work_order.part'

    _states = {
        'readonly': Eval('work_order_state').in_(CLOSED_STATES),
        }

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", required=True,
        ondelete='CASCADE', states=_states)
    product = fields.Many2One(
        'product.product', "Part", required=True, ondelete='RESTRICT',
        domain=[
            ('type', '!=', 'service'),
            ('template.appliance', '!=', True),
            ], states=_states)
    quantity = fields.Float(
        "Quantity", digits='unit', required=True,
        domain=[('quantity', '>', 0)], states=_states)
    unit = fields.Many2One(
        'product.uom', "Unit", required=True, ondelete='RESTRICT',
        domain=[
            If(Bool(Eval('product_uom_category')),
                ('category', '=', Eval('product_uom_category', -1)),
                ()),
            ],
        states=_states)
    product_uom_category = fields.Function(
        fields.Many2One('product.uom.category', "Product UoM Category"),
        'on_change_with_product_uom_category')
    # Set by on_change: readonly through states so clients save them
    from_plan = fields.Boolean(
        "From Plan", states={'readonly': True},
        help="The repair plan requires the part.")
    plan = fields.Many2One(
        'appliance.repair.plan', "Plan", ondelete='RESTRICT',
        states={'readonly': True})
    work_order_state = fields.Function(
        fields.Selection('get_work_order_states', "Work Order State"),
        'on_change_with_work_order_state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.work_order, Index.Equality())),
                Index(t, (t.product, Index.Equality())),
                })

    @classmethod
    def default_quantity(cls):
        return 1.0

    @classmethod
    def default_from_plan(cls):
        return False

    @fields.depends('product', 'unit')
    def on_change_product(self):
        if self.product and (not self.unit
                or self.unit.category != self.product.default_uom.category):
            self.unit = self.product.default_uom

    @fields.depends('product')
    def on_change_with_product_uom_category(self, name=None):
        if self.product:
            return self.product.default_uom.category

    @classmethod
    def get_work_order_states(cls):
        return WorkOrderStep.get_work_order_states()

    @fields.depends('work_order', '_parent_work_order.state')
    def on_change_with_work_order_state(self, name=None):
        if self.work_order:
            return self.work_order.state

    def get_rec_name(self, name):
        return f'{self.product.rec_name} x {self.quantity:g}'

    @classmethod
    def check_modification(cls, mode, parts, values=None, external=False):
        super().check_modification(
            mode, parts, values=values, external=external)
        _check_order_open(parts)


def _check_order_open(lines):
    for line in lines:
        if line.work_order.state in CLOSED_STATES:
            raise CompletionError(gettext(
                    'appliance_service_repair.msg_completion_locked',
                    order=line.work_order.rec_name))

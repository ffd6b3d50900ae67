# This file is part of the appliance_service_repair module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""Versioned repair plans of the fault types: steps, parts, tools, labour
time and skill level; a plan in use is never changed, a new version is."""
from sql import Literal
from sql.aggregate import Max
from sql.conditionals import Coalesce

from trytond.i18n import gettext
from trytond.model import (
    Index, ModelSQL, ModelView, Unique, Workflow, fields, sequence_ordered)
from trytond.modules.appliance_service.common import require_state
from trytond.modules.appliance_service.engineer import SKILL_LEVELS
from trytond.modules.appliance_service.local_time import utc_now
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .exceptions import RepairPlanError

PLAN_STATES = [
    ('draft', "Draft"),
    ('active', "Active"),
    ('obsolete', "Obsolete"),
    ]
# Plan fields a transition may still write once the plan is in use
PLAN_STATE_FIELDS = {'state', 'activated_at', 'obsoleted_at'}


class RepairPlan(Workflow, ModelSQL, ModelView):
    "Repair plan"
    __name__ = 'appliance.repair.plan'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    fault_type = fields.Many2One(
        'appliance.fault.type', "Fault Type", required=True,
        ondelete='RESTRICT', states=_states)
    fault_category = fields.Function(
        fields.Many2One('appliance.category', "Fault Category"),
        'on_change_with_fault_category')
    category = fields.Many2One(
        'appliance.category', "Appliance Category", required=True,
        ondelete='RESTRICT', states=_states,
        domain=[
            If(Bool(Eval('fault_category')),
                ('parent', 'child_of', [Eval('fault_category', -1)]),
                ()),
            ],
        help="The category of the fault or one of its sub-categories.")
    version = fields.Integer(
        "Version", readonly=True,
        help="Numbered from 1 per fault type and category.")
    previous_version = fields.Many2One(
        'appliance.repair.plan', "Previous Version", readonly=True,
        ondelete='SET NULL')
    steps = fields.One2Many(
        'appliance.repair.plan.step', 'plan', "Steps", states=_states)
    parts = fields.One2Many(
        'appliance.repair.plan.part', 'plan', "Required Parts",
        states=_states)
    tools = fields.Text("Tools", states=_states)
    labour_hours = fields.Float(
        "Standard Labour Time", digits=(16, 2), required=True,
        domain=[('labour_hours', '>', 0)], states=_states,
        help="In hours.")
    skill_level = fields.Selection(
        SKILL_LEVELS, "Required Skill Level", required=True, sort=False,
        states=_states)
    notes = fields.Text("Notes")
    activated_at = fields.DateTime("Activated At", readonly=True)
    obsoleted_at = fields.DateTime("Obsoleted At", readonly=True)
    state = fields.Selection(
        PLAN_STATES, "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('version_unique', Unique(t, t.fault_type, t.category, t.version),
                'appliance_service_repair.msg_plan_version_unique'),
            ]
        cls._sql_indexes.add(Index(t,
                (t.fault_type, Index.Equality()),
                (t.category, Index.Equality()),
                (t.state, Index.Equality(cardinality='low'))))
        cls._order = [
            ('fault_type', 'ASC'), ('category', 'ASC'), ('version', 'DESC'),
            ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'active'),
            ('active', 'obsolete'),
            }
        cls._buttons.update({
                'activate': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'obsolete': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'new_version': {
                    'invisible': Eval('state') == 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_skill_level(cls):
        return '3'

    @fields.depends('fault_type')
    def on_change_with_fault_category(self, name=None):
        if self.fault_type:
            return self.fault_type.category

    @fields.depends('fault_type', 'category')
    def on_change_fault_type(self):
        if self.fault_type and not self.category:
            self.category = self.fault_type.category

    def get_rec_name(self, name):
        return gettext('appliance_service_repair.msg_plan_rec_name',
            fault_type=self.fault_type.rec_name,
            category=self.category.rec_name,
            version=self.version or 0)

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('fault_type.rec_name',) + tuple(clause[1:])]

    @classmethod
    def _last_version(cls, fault_type, category):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(
                Coalesce(Max(table.version), Literal(0)),
                where=(table.fault_type == fault_type)
                & (table.category == category)))
        version, = cursor.fetchone()
        return version

    @classmethod
    def create(cls, vlist):
        # Number the versions of plans created together in order
        versions = {}
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if (not values.get('version')
                    and values.get('fault_type') and values.get('category')):
                key = (int(values['fault_type']), int(values['category']))
                if key not in versions:
                    versions[key] = cls._last_version(*key)
                versions[key] += 1
                values['version'] = versions[key]
        return super().create(vlist)

    @classmethod
    def copy(cls, plans, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('version', None)
        default.setdefault('state', 'draft')
        default.setdefault('activated_at', None)
        default.setdefault('obsoleted_at', None)
        default.setdefault('previous_version', lambda data: data['id'])
        return super().copy(plans, default=default)

    @classmethod
    def check_modification(cls, mode, plans, values=None, external=False):
        super().check_modification(
            mode, plans, values=values, external=external)
        if mode == 'write':
            changed = set(values or {}) - PLAN_STATE_FIELDS - {'notes'}
            if changed:
                for plan in plans:
                    if plan.state != 'draft':
                        raise RepairPlanError(gettext(
                                'appliance_service_repair.msg_plan_readonly',
                                plan=plan.rec_name))
        elif mode == 'delete':
            for plan in plans:
                if plan.state != 'draft':
                    raise RepairPlanError(gettext(
                            'appliance_service_repair.msg_plan_delete_draft',
                            plan=plan.rec_name))

    @classmethod
    def find_active(cls, fault_type, category):
        """Return the active plan of fault_type that is the closest to
        category"""
        lineage = []
        while category:
            lineage.append(category)
            category = category.parent
        plans = {p.category: p for p in cls.search([
                    ('fault_type', '=', fault_type.id),
                    ('category', 'in', [c.id for c in lineage]),
                    ('state', '=', 'active'),
                    ])}
        for category in lineage:
            if category in plans:
                return plans[category]

    @classmethod
    @ModelView.button
    @require_state('draft')
    @Workflow.transition('active')
    def activate(cls, plans):
        keys = set()
        for plan in plans:
            key = (plan.fault_type, plan.category)
            if key in keys:
                raise RepairPlanError(gettext(
                        'appliance_service_repair.msg_plan_activate_twice',
                        plan=plan.rec_name))
            keys.add(key)
            if not plan.steps:
                raise RepairPlanError(gettext(
                        'appliance_service_repair.msg_plan_no_steps',
                        plan=plan.rec_name))
        previous = []
        for fault_type, category in keys:
            previous.extend(cls.search([
                        ('fault_type', '=', fault_type.id),
                        ('category', '=', category.id),
                        ('state', '=', 'active'),
                        ('id', 'not in', [p.id for p in plans]),
                        ]))
        if previous:
            cls.obsolete(previous)
        cls.write(plans, {'activated_at': utc_now()})

    @classmethod
    @ModelView.button
    @require_state('active')
    @Workflow.transition('obsolete')
    def obsolete(cls, plans):
        cls.write(plans, {'obsoleted_at': utc_now()})

    @classmethod
    @ModelView.button
    @require_state('active', 'obsolete')
    def new_version(cls, plans):
        "Copy the plans into new draft versions and open them"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Action = pool.get('ir.action')
        new_plans = cls.copy(plans)
        action, = Action.get_action_values('ir.action.act_window', [
                ModelData.get_id(
                    'appliance_service_repair', 'act_repair_plan_form')])
        action['res_id'] = [p.id for p in new_plans]
        action['views'].reverse()
        return action


class RepairPlanStep(sequence_ordered(), ModelSQL, ModelView):
    "Repair plan step"
    __name__ = 'appliance.repair.plan.step'

    plan = fields.Many2One(
        'appliance.repair.plan', "Plan", required=True, ondelete='CASCADE')
    description = fields.Text("Description", required=True, translate=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.plan, Index.Equality())))

    def get_rec_name(self, name):
        return (self.description or '').split('\n', 1)[0]

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        _check_plan_draft(lines)


class RepairPlanPart(ModelSQL, ModelView):
    "Repair plan part"
    __name__ = 'appliance.repair.plan.part'

    plan = fields.Many2One(
        'appliance.repair.plan', "Plan", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Part", required=True, ondelete='RESTRICT',
        domain=[('type', '!=', 'service')])
    quantity = fields.Float(
        "Quantity", digits='unit', required=True,
        domain=[('quantity', '>', 0)])
    unit = fields.Many2One(
        'product.uom', "Unit", required=True, ondelete='RESTRICT',
        domain=[
            If(Bool(Eval('product_uom_category')),
                ('category', '=', Eval('product_uom_category', -1)),
                ()),
            ])
    product_uom_category = fields.Function(
        fields.Many2One('product.uom.category', "Product UoM Category"),
        'on_change_with_product_uom_category')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.plan, Index.Equality())))

    @classmethod
    def default_quantity(cls):
        return 1.0

    @fields.depends('product', 'unit')
    def on_change_product(self):
        if self.product and (not self.unit
                or self.unit.category != self.product.default_uom.category):
            self.unit = self.product.default_uom

    @fields.depends('product')
    def on_change_with_product_uom_category(self, name=None):
        if self.product:
            return self.product.default_uom.category

    def get_rec_name(self, name):
        return f'{self.product.rec_name} x {self.quantity:g}'

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        _check_plan_draft(lines)


def _check_plan_draft(lines):
    for line in lines:
        if line.plan.state != 'draft':
            raise RepairPlanError(gettext(
                    'appliance_service_repair.msg_plan_readonly',
                    plan=line.plan.rec_name))

# This file is part of the appliance_service_repair module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""The catalog of fault types of the appliance categories."""
from trytond.model import (
    DeactivableMixin, Index, ModelSQL, ModelView, Unique, fields)
from trytond.pool import Pool


class FaultType(DeactivableMixin, ModelSQL, ModelView):
    "Fault type"
    __name__ = 'appliance.fault.type'

    code = fields.Char("Code", required=True)
    name = fields.Char("Name", required=True, translate=True)
    category = fields.Many2One(
        'appliance.category', "Appliance Category", required=True,
        ondelete='RESTRICT',
        help="The fault applies to the appliances of this category "
        "and of its sub-categories.")
    symptom = fields.Text(
        "Symptom", translate=True,
        help="What the customer notices.")
    cause = fields.Text(
        "Cause", translate=True,
        help="What usually causes the fault.")
    plans = fields.One2Many(
        'appliance.repair.plan', 'fault_type', "Repair Plans",
        readonly=True)

    @classmethod
    def __setup__(cls):
        cls.code.search_unaccented = False
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'appliance_service_repair.msg_fault_type_code_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.category, Index.Equality())))
        cls._order = [('code', 'ASC'), ('id', 'ASC')]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('code'):
            values['code'] = values['code'].strip().upper()
        return values

    def get_rec_name(self, name):
        return f'[{self.code}] {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('code', operator, operand, *extra),
            ('name', operator, operand, *extra),
            ]

    def active_plan(self, category=None):
        "Return the active plan of the fault for category"
        pool = Pool()
        Plan = pool.get('appliance.repair.plan')
        return Plan.find_active(self, category or self.category)

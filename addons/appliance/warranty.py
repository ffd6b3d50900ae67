# This file is part of the appliance module.  The COPYRIGHT file at the top
# level of this repository contains the full copyright notices and license
# terms.
import datetime as dt

from dateutil.relativedelta import relativedelta

from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

COVERAGE_KINDS = [
    ('unit', "Whole Unit"),
    ('component', "Key Component"),
    ('labour', "Labour"),
    ]
# The warranty status of an appliance on a date, see
# Appliance.warranty_status_on
WARRANTY_STATUSES = [
    (None, ""),
    ('covered', "In Warranty"),
    ('partial', "Partly Covered"),
    ('not_covered', "Out of Warranty"),
    ]
START_BASES = [
    ('sale', "Sale Date"),
    ('installation', "Installation Date"),
    ]


def coverage_end(start, months):
    """Return the last day covered by a warranty of months from start.

    The warranty ends the day before the same day of the month, months
    later; when that day does not exist (29 February, the 31st), it ends on
    the last day of that month.
    """
    anniversary = start + relativedelta(months=months)
    if anniversary.day != start.day:
        return anniversary
    return anniversary - dt.timedelta(days=1)


class Policy(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'appliance.warranty.policy'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code")
    lines = fields.One2Many(
        'appliance.warranty.policy.line', 'policy', "Coverages")
    description = fields.Text("Description", translate=True)


class PolicyLine(sequence_ordered(), ModelSQL, ModelView):
    __name__ = 'appliance.warranty.policy.line'

    policy = fields.Many2One(
        'appliance.warranty.policy', "Policy", required=True,
        ondelete='CASCADE')
    kind = fields.Selection(COVERAGE_KINDS, "Coverage", required=True)
    kind_string = kind.translated('kind')
    component = fields.Char(
        "Component", translate=True,
        states={
            'invisible': Eval('kind') != 'component',
            'required': Eval('kind') == 'component',
            },
        help="The key component covered, such as compressor or motor.")
    duration = fields.Integer(
        "Duration (Months)", required=True,
        domain=[('duration', '>', 0)])
    start = fields.Selection(START_BASES, "Starts From", required=True)

    @classmethod
    def default_kind(cls):
        return 'unit'

    @classmethod
    def default_start(cls):
        return 'sale'

    def get_rec_name(self, name):
        label = self.component if self.kind == 'component' else (
            self.kind_string)
        return f'{label} ({self.duration})'


class _InWarrantyMixin:
    __slots__ = ()

    @classmethod
    def _in_warranty_domain(cls, prefix=''):
        today = cls._today()
        return [
            (prefix + 'start_date', '<=', today),
            (prefix + 'end_date', '>=', today),
            ]

    @staticmethod
    def _today():
        pool = Pool()
        Date = pool.get('ir.date')
        return Transaction().context.get('warranty_date') or Date.today()


class Coverage(_InWarrantyMixin, ModelSQL, ModelView):
    __name__ = 'appliance.warranty.coverage'

    appliance = fields.Many2One(
        'appliance.appliance', "Appliance", required=True,
        ondelete='CASCADE')
    kind = fields.Selection(
        COVERAGE_KINDS, "Coverage", required=True, readonly=True)
    kind_string = kind.translated('kind')
    component = fields.Char("Component", readonly=True)
    origin = fields.Selection([
            ('policy', "Warranty Policy"),
            ('extension', "Extended Warranty"),
            ], "Origin", required=True, readonly=True)
    policy_line = fields.Many2One(
        'appliance.warranty.policy.line', "Policy Coverage",
        ondelete='SET NULL', readonly=True)
    extension = fields.Many2One(
        'appliance.warranty.extension', "Extended Warranty",
        ondelete='CASCADE', readonly=True)
    start_date = fields.Date("Start Date", required=True, readonly=True)
    end_date = fields.Date("End Date", required=True, readonly=True)
    in_warranty = fields.Function(
        fields.Boolean("In Warranty"),
        'get_in_warranty', searcher='search_in_warranty')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('end_date', 'ASC'))

    def get_rec_name(self, name):
        label = self.component if self.kind == 'component' else (
            self.kind_string)
        return f'{label} ≤ {self.end_date}'

    def get_in_warranty(self, name):
        return self.start_date <= self._today() <= self.end_date

    @classmethod
    def search_in_warranty(cls, name, clause):
        _, operator, value = clause[:3]
        positive = (operator == '=') == bool(value)
        domain = cls._in_warranty_domain()
        if positive:
            return domain
        return ['OR',
            ('start_date', '>', cls._today()),
            ('end_date', '<', cls._today()),
            ]

    @property
    def key(self):
        # Not the component: it is translated and would not match in
        # another language, deleting the coverage and its reminders
        return (self.kind, self.origin,
            self.policy_line.id if self.policy_line else None,
            self.extension.id if self.extension else None)


class Extension(ModelSQL, ModelView):
    "Purchased extension of a coverage"
    __name__ = 'appliance.warranty.extension'

    appliance = fields.Many2One(
        'appliance.appliance', "Appliance", required=True,
        ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Service Product",
        domain=[('type', '=', 'service')],
        help="The extended warranty as it is sold.")
    kind = fields.Selection(COVERAGE_KINDS, "Coverage", required=True)
    kind_string = kind.translated('kind')
    component = fields.Char(
        "Component",
        states={
            'invisible': Eval('kind') != 'component',
            'required': Eval('kind') == 'component',
            })
    duration = fields.Integer(
        "Duration (Months)", required=True,
        domain=[('duration', '>', 0)])
    purchase_date = fields.Date("Purchase Date", required=True)
    reference = fields.Char("Reference")
    price = Monetary(
        "Price", currency='currency', digits='currency')
    currency = fields.Many2One('currency.currency', "Currency")

    @classmethod
    def default_kind(cls):
        return 'unit'

    @classmethod
    def default_purchase_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_currency(cls):
        pool = Pool()
        Company = pool.get('company.company')
        company_id = Transaction().context.get('company')
        if company_id is not None and company_id >= 0:
            return Company(company_id).currency.id

    @fields.depends('product', 'price')
    def on_change_product(self):
        if self.product and self.price is None:
            self.price = self.product.list_price_used

    def get_rec_name(self, name):
        label = self.component if self.kind == 'component' else (
            self.kind_string)
        return f'{label} +{self.duration}'

    @classmethod
    def on_modification(cls, mode, extensions, field_names=None):
        pool = Pool()
        Appliance = pool.get('appliance.appliance')
        super().on_modification(mode, extensions, field_names=field_names)
        if mode != 'delete':
            Appliance.update_coverages(
                list({e.appliance for e in extensions}))

    @classmethod
    def on_delete(cls, extensions):
        pool = Pool()
        Appliance = pool.get('appliance.appliance')
        callback = super().on_delete(extensions)
        appliances = list({e.appliance for e in extensions})
        callback.append(lambda: Appliance.update_coverages(
                Appliance.browse([a.id for a in appliances])))
        return callback

# This file is part of the appliance_service_parts module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"""Warranty claims to the suppliers of the defective parts: grouped per
supplier and period, sent with the parts returned, answered and credited;
and the amounts recovered against what could be claimed."""
import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from sql import Literal, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.appliance_service.common import require_state
from trytond.modules.company import CompanyReport
from trytond.modules.company.model import (
    employee_field, reset_employee, set_employee)
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .exceptions import ClaimError

CLAIM_STATES = [
    ('draft', "Draft"),
    ('sent', "Sent"),
    ('accepted', "Accepted"),
    ('rejected', "Rejected"),
    ('credited', "Credited"),
    ]
# The states in which the supplier has the claim
SENT_STATES = ['sent', 'accepted', 'rejected', 'credited']


def amount(value):
    return value if value is not None else Decimal(0)


class Claim(Workflow, ModelSQL, ModelView):
    "Supplier warranty claim"
    __name__ = 'appliance.supplier.claim'
    _rec_name = 'number'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    supplier = fields.Many2One(
        'party.party', "Supplier", required=True, ondelete='RESTRICT',
        states={
            'readonly': (_states['readonly'] | Eval('lines', [0])),
            },
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    period_start = fields.Date(
        "From", required=True, states=_states,
        domain=[('period_start', '<=', Eval('period_end', None))])
    period_end = fields.Date(
        "To", required=True, states=_states,
        domain=[('period_end', '>=', Eval('period_start', None))])
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    lines = fields.One2Many(
        'appliance.supplier.claim.line', 'claim', "Lines",
        states={
            'readonly': ~Eval('state').in_(['draft', 'sent']),
            })
    claimed_amount = fields.Function(
        fields.Numeric("Claimed", digits=(16, 2)), 'get_amounts')
    accepted_amount = fields.Function(
        fields.Numeric("Accepted", digits=(16, 2)), 'get_amounts')
    recovered_amount = fields.Function(
        fields.Numeric(
            "Recovered", digits=(16, 2),
            help="The amount the supplier credited."),
        'get_amounts')
    sent_at = fields.DateTime("Sent At", readonly=True)
    sent_by = employee_field("Sent By", states=SENT_STATES)
    answer = fields.Text(
        "Supplier's Answer",
        states={
            'readonly': ~Eval('state').in_(['draft', 'sent']),
            },
        help="Why the supplier accepted only part of the claim or "
        "rejected it.")
    credit_reference = fields.Char(
        "Credit Note",
        states={
            'readonly': Eval('state') != 'accepted',
            },
        help="The reference of the supplier's credit note.")
    credited_at = fields.DateTime("Credited At", readonly=True)
    return_shipment = fields.Many2One(
        'stock.shipment.in.return', "Return Shipment", readonly=True,
        ondelete='RESTRICT',
        help="The defective parts sent back to the supplier.")
    state = fields.Selection(
        CLAIM_STATES, "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')

    del _states

    @classmethod
    def __setup__(cls):
        cls.number.search_unaccented = False
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.number, Index.Similarity())),
                Index(t, (t.supplier, Index.Equality()),
                    (t.period_start, Index.Range())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft', 'sent', 'accepted'])),
                })
        cls._order = [('period_start', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'sent'),
            ('sent', 'draft'),
            ('sent', 'accepted'),
            ('sent', 'rejected'),
            ('accepted', 'credited'),
            }
        cls._buttons.update({
                'draft': {
                    'invisible': Eval('state') != 'sent',
                    'depends': ['state'],
                    },
                'send': {
                    'invisible': Eval('state') != 'draft',
                    'readonly': ~Eval('lines', []),
                    'depends': ['state', 'lines'],
                    },
                'accept': {
                    'invisible': Eval('state') != 'sent',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'sent',
                    'depends': ['state'],
                    },
                'credit': {
                    'invisible': Eval('state') != 'accepted',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        if self.company:
            return self.company.currency

    @classmethod
    def get_amounts(cls, claims, names):
        result = {n: {} for n in names}
        for claim in claims:
            lines = claim.lines
            values = {
                'claimed_amount': sum(
                    (amount(l.claimed_amount) for l in lines), Decimal(0)),
                'accepted_amount': sum(
                    (amount(l.accepted_amount) for l in lines), Decimal(0)),
                }
            values['recovered_amount'] = (values['accepted_amount']
                if claim.state == 'credited' else Decimal(0))
            for name in names:
                result[name][claim.id] = claim.company.currency.round(
                    values[name])
        return result

    def get_rec_name(self, name):
        return self.number or str(self.id)

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and not values.get('number'):
            values['number'] = (
                Configuration(1).supplier_claim_sequence.get())
        return values

    @classmethod
    def copy(cls, claims, default=None):
        default = default.copy() if default is not None else {}
        for name in ['number', 'lines', 'sent_at', 'sent_by', 'answer',
                'credit_reference', 'credited_at', 'return_shipment']:
            default.setdefault(name, None)
        return super().copy(claims, default=default)

    @classmethod
    def check_modification(cls, mode, claims, values=None, external=False):
        super().check_modification(
            mode, claims, values=values, external=external)
        if mode == 'delete':
            for claim in claims:
                if claim.state != 'draft':
                    raise ClaimError(gettext(
                            'appliance_service_parts.msg_claim_delete',
                            claim=claim.rec_name))

    @classmethod
    @ModelView.button
    @require_state('sent')
    @Workflow.transition('draft')
    @reset_employee('sent_by')
    def draft(cls, claims):
        pool = Pool()
        Shipment = pool.get('stock.shipment.in.return')
        shipments = [c.return_shipment for c in claims if c.return_shipment]
        if any(s.state == 'done' for s in shipments):
            raise ClaimError(gettext(
                    'appliance_service_parts.msg_claim_parts_returned'))
        Shipment.cancel(shipments)
        cls.write(claims, {'sent_at': None, 'return_shipment': None})

    @classmethod
    @ModelView.button
    @require_state('draft')
    @Workflow.transition('sent')
    @set_employee('sent_by')
    def send(cls, claims):
        "Send the claims to the suppliers with their defective parts"
        pool = Pool()
        ClaimLine = pool.get('appliance.supplier.claim.line')
        Shipment = pool.get('stock.shipment.in.return')
        for claim in claims:
            if not claim.lines:
                raise ClaimError(gettext(
                        'appliance_service_parts.msg_claim_empty',
                        claim=claim.rec_name))
            for line in claim.lines:
                line.check_claimable()
        ClaimLine.write([l for c in claims for l in c.lines], {
                'accepted_amount': None,
                })
        shipments = []
        for claim in claims:
            claim.sent_at = dt.datetime.now()
            claim.return_shipment = claim._return_shipment()
            if claim.return_shipment:
                shipments.append(claim.return_shipment)
        Shipment.save(shipments)
        cls.save(claims)
        Shipment.wait(shipments)
        Shipment.assign_try(shipments)
        for claim in claims:
            claim.email_supplier()

    def _return_shipment(self):
        """Return a shipment of the claimed parts still in the defective
        parts location back to the supplier"""
        pool = Pool()
        Move = pool.get('stock.move')
        Shipment = pool.get('stock.shipment.in.return')
        Configuration = pool.get('stock.configuration')
        location = Configuration(1).defective_location
        supplier_location = self.supplier.supplier_location
        if not location or not supplier_location:
            return None
        moves = []
        for line in self.lines:
            part = line.defective_part
            if not part.move or part.move.state != 'done' or (
                    part.move.to_location != location):
                continue
            moves.append(Move(
                    company=self.company,
                    product=part.product,
                    unit=part.product.default_uom,
                    quantity=part.quantity,
                    lot=part.lot,
                    from_location=location,
                    to_location=supplier_location,
                    planned_date=dt.date.today(),
                    origin=part.move,
                    unit_price=part.cost,
                    currency=self.company.currency))
        if moves:
            return Shipment(
                company=self.company,
                supplier=self.supplier,
                delivery_address=self.supplier.address_get(type='delivery'),
                from_location=location,
                to_location=supplier_location,
                reference=self.number,
                moves=moves)

    def email_supplier(self):
        """Email the claim to the supplier with the printed claim, when the
        supplier has an email address"""
        pool = Pool()
        Email = pool.get('ir.email')
        ModelData = pool.get('ir.model.data')
        email = self.supplier.email
        if not email:
            return
        language = self.supplier.lang.code if self.supplier.lang else None
        with Transaction().set_context(language=language):
            claim = self.__class__(self.id)
            Email.send(
                to=email,
                subject=gettext(
                    'appliance_service_parts.msg_claim_email_subject',
                    number=claim.number,
                    company=claim.company.rec_name),
                body=gettext(
                    'appliance_service_parts.msg_claim_email_body',
                    supplier=claim.supplier.rec_name,
                    number=claim.number,
                    count=len(claim.lines),
                    amount=claim.claimed_amount,
                    currency=claim.currency.code,
                    company=claim.company.rec_name),
                record=[claim.__name__, claim.id],
                reports=[ModelData.get_id(
                        'appliance_service_parts', 'report_claim')])

    @classmethod
    @ModelView.button
    @require_state('sent')
    @Workflow.transition('accepted')
    def accept(cls, claims):
        "The supplier accepts what each line accepts, else all of it"
        pool = Pool()
        ClaimLine = pool.get('appliance.supplier.claim.line')
        to_write = []
        for claim in claims:
            for line in claim.lines:
                if line.accepted_amount is None:
                    to_write.extend(([line], {
                                'accepted_amount': line.claimed_amount,
                                }))
        if to_write:
            ClaimLine.write(*to_write)

    @classmethod
    @ModelView.button
    @require_state('sent')
    @Workflow.transition('rejected')
    def reject(cls, claims):
        pool = Pool()
        ClaimLine = pool.get('appliance.supplier.claim.line')
        for claim in claims:
            if not claim.answer:
                raise ClaimError(gettext(
                        'appliance_service_parts.msg_claim_reject_answer',
                        claim=claim.rec_name))
        ClaimLine.write([l for c in claims for l in c.lines], {
                'accepted_amount': Decimal(0),
                })

    @classmethod
    @ModelView.button
    @require_state('accepted')
    @Workflow.transition('credited')
    def credit(cls, claims):
        for claim in claims:
            if not claim.credit_reference:
                raise ClaimError(gettext(
                        'appliance_service_parts.msg_claim_credit_reference',
                        claim=claim.rec_name))
        cls.write(claims, {'credited_at': dt.datetime.now()})

    @classmethod
    def create_claims(cls, start, end, company, suppliers=None):
        """Create a draft claim per supplier of the defective parts under
        warranty removed between start and end and not claimed yet"""
        pool = Pool()
        DefectivePart = pool.get('appliance.work_order.defective_part')
        ClaimLine = pool.get('appliance.supplier.claim.line')
        domain = [
            ('company', '=', company.id),
            ('under_warranty', '=', True),
            ('supplier', '!=', None),
            ('move.state', '=', 'done'),
            ('removal_date', '>=', start),
            ('removal_date', '<=', end),
            ('claim_lines', '=', None),
            ]
        if suppliers:
            domain.append(('supplier', 'in', [s.id for s in suppliers]))
        parts = DefectivePart.search(
            domain, order=[('removal_date', 'ASC'), ('id', 'ASC')])
        by_supplier = {}
        for part in parts:
            by_supplier.setdefault(part.supplier, []).append(part)
        claims = []
        for supplier, supplier_parts in by_supplier.items():
            claims.append(cls(
                    company=company,
                    supplier=supplier,
                    period_start=start,
                    period_end=end,
                    lines=[ClaimLine.from_defective_part(p)
                        for p in supplier_parts]))
        cls.save(claims)
        return claims


class ClaimLine(ModelSQL, ModelView):
    "Supplier warranty claim line"
    __name__ = 'appliance.supplier.claim.line'

    _states = {
        'readonly': Eval('claim_state') != 'draft',
        }

    claim = fields.Many2One(
        'appliance.supplier.claim', "Claim", required=True,
        ondelete='CASCADE', states=_states)
    defective_part = fields.Many2One(
        'appliance.work_order.defective_part', "Defective Part",
        required=True, ondelete='RESTRICT',
        domain=[
            ('under_warranty', '=', True),
            If(Eval('claim_state') == 'draft',
                [
                    ('supplier', '=', Eval('supplier', -1)),
                    ('company', '=',
                        Eval('_parent_claim', {}).get('company', -1)),
                    ],
                []),
            ],
        states=_states)
    supplier = fields.Function(
        fields.Many2One('party.party', "Supplier"),
        'on_change_with_supplier')
    product = fields.Function(
        fields.Many2One('product.product', "Part"), 'get_part_field')
    part_serial = fields.Function(
        fields.Char("Part Serial"), 'get_part_field')
    work_order = fields.Function(
        fields.Many2One('appliance.work_order', "Work Order"),
        'get_part_field')
    appliance_serial = fields.Function(
        fields.Char("Appliance Serial"), 'get_appliance_serial')
    received_date = fields.Function(
        fields.Date("Received"), 'get_part_field')
    removal_date = fields.Function(
        fields.Date("Removal Date"), 'get_part_field')
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    part_cost = fields.Numeric(
        "Part Cost", digits=(16, 2), required=True, states=_states,
        domain=[('part_cost', '>=', 0)])
    labour_hours = fields.Float(
        "Labour Hours", digits=(16, 2), states=_states)
    labour_amount = fields.Numeric(
        "Labour", digits=(16, 2), required=True, states=_states,
        domain=[('labour_amount', '>=', 0)])
    claimed_amount = fields.Function(
        fields.Numeric("Claimed", digits=(16, 2)),
        'on_change_with_claimed_amount')
    accepted_amount = fields.Numeric(
        "Accepted", digits=(16, 2),
        domain=['OR',
            ('accepted_amount', '=', None),
            ('accepted_amount', '>=', 0),
            ],
        states={
            'readonly': Eval('claim_state') != 'sent',
            },
        help="What the supplier accepts of the line; all of it when left "
        "empty on acceptance.")
    claim_state = fields.Function(
        fields.Selection(CLAIM_STATES, "Claim State"),
        'on_change_with_claim_state')

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('defective_part_unique', Unique(t, t.defective_part),
                'appliance_service_parts.msg_claim_line_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.claim, Index.Equality())))

    @classmethod
    def default_labour_amount(cls):
        return Decimal(0)

    @fields.depends('claim', '_parent_claim.supplier')
    def on_change_with_supplier(self, name=None):
        if self.claim:
            return self.claim.supplier

    @fields.depends('claim', '_parent_claim.company')
    def on_change_with_currency(self, name=None):
        if self.claim and self.claim.company:
            return self.claim.company.currency

    @fields.depends('claim', '_parent_claim.state')
    def on_change_with_claim_state(self, name=None):
        if self.claim:
            return self.claim.state

    @fields.depends('part_cost', 'labour_amount')
    def on_change_with_claimed_amount(self, name=None):
        return amount(self.part_cost) + amount(self.labour_amount)

    @fields.depends('defective_part')
    def on_change_defective_part(self):
        part = self.defective_part
        if part:
            self.part_cost = part.cost or Decimal(0)
            self.labour_hours = part.labour_hours
            self.labour_amount = part.labour_amount or Decimal(0)

    @classmethod
    def from_defective_part(cls, part):
        line = cls(defective_part=part)
        line.on_change_defective_part()
        return line

    def get_part_field(self, name):
        part = self.defective_part
        value = getattr(part, {
                'part_serial': 'serial_number',
                }.get(name, name))
        if name in {'product', 'work_order'}:
            return value.id if value else None
        return value

    def get_appliance_serial(self, name):
        appliance = self.defective_part.work_order.appliance
        if appliance:
            return appliance.serial_number

    def get_rec_name(self, name):
        return self.defective_part.rec_name

    def check_claimable(self):
        "Raise unless the part is under the warranty of the claim's supplier"
        part = self.defective_part
        if (not part.under_warranty or part.supplier != self.claim.supplier
                or part.company != self.claim.company):
            raise ClaimError(gettext(
                    'appliance_service_parts.msg_claim_line_not_claimable',
                    part=part.rec_name,
                    claim=self.claim.rec_name,
                    supplier=self.claim.supplier.rec_name))

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if mode == 'write' and values and set(values) == {'accepted_amount'}:
            return
        if mode in {'create', 'write', 'delete'}:
            for line in lines:
                if line.claim.state != 'draft':
                    raise ClaimError(gettext(
                            'appliance_service_parts.msg_claim_line_locked',
                            claim=line.claim.rec_name))


class CreateClaimsStart(ModelView):
    "Create supplier claims"
    __name__ = 'appliance.supplier.claim.create.start'

    company = fields.Many2One('company.company', "Company", required=True)
    period_start = fields.Date(
        "From", required=True,
        domain=[('period_start', '<=', Eval('period_end', None))])
    period_end = fields.Date(
        "To", required=True,
        domain=[('period_end', '>=', Eval('period_start', None))])
    suppliers = fields.Many2Many(
        'party.party', None, None, "Suppliers",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'},
        help="Leave empty for every supplier.")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_period_start(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today().replace(day=1) - relativedelta(months=1)

    @classmethod
    def default_period_end(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today().replace(day=1) - dt.timedelta(days=1)


class CreateClaims(Wizard):
    "Create supplier claims"
    __name__ = 'appliance.supplier.claim.create'

    start = StateView('appliance.supplier.claim.create.start',
        'appliance_service_parts.claim_create_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Create", 'create_', 'tryton-ok', default=True),
            ])
    create_ = StateAction('appliance_service_parts.act_claim_form')

    def do_create_(self, action):
        pool = Pool()
        Claim = pool.get('appliance.supplier.claim')
        claims = Claim.create_claims(
            self.start.period_start, self.start.period_end,
            self.start.company, self.start.suppliers)
        if not claims:
            raise ClaimError(gettext(
                    'appliance_service_parts.msg_claim_nothing',
                    start=self.start.period_start,
                    end=self.start.period_end))
        action['domain'] = [('id', 'in', [c.id for c in claims])]
        return action, {}


class ClaimReport(CompanyReport):
    "Supplier warranty claim"
    __name__ = 'appliance_service_parts.claim'


class ClaimRecoveryContext(ModelView):
    "Supplier claim recovery context"
    __name__ = 'appliance.supplier.claim.recovery.context'

    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date(
        "From",
        domain=[
            If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')),
                ()),
            ])
    to_date = fields.Date(
        "To",
        domain=[
            If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')),
                ()),
            ])

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_from_date(cls):
        pool = Pool()
        Date = pool.get('ir.date')
        return Date.today().replace(day=1) - relativedelta(months=11)


class ClaimRecovery(ModelSQL, ModelView):
    "Supplier claim recovery"
    __name__ = 'appliance.supplier.claim.recovery'

    company = fields.Many2One('company.company', "Company")
    supplier = fields.Many2One(
        'party.party', "Supplier",
        context={
            'company': Eval('company', -1),
            },
        depends={'company'})
    month = fields.Date("Month")
    parts = fields.Integer(
        "Parts", help="The defective parts under the supplier's warranty.")
    currency = fields.Function(
        fields.Many2One('currency.currency', "Currency"),
        'on_change_with_currency')
    claimable_amount = fields.Numeric(
        "Claimable", digits=(16, 2),
        help="The cost and the labour of the parts under warranty.")
    claimed_amount = fields.Numeric(
        "Claimed", digits=(16, 2), help="What the claims sent ask for.")
    accepted_amount = fields.Numeric("Accepted", digits=(16, 2))
    recovered_amount = fields.Numeric(
        "Recovered", digits=(16, 2),
        help="What the suppliers credited.")
    recovery_rate = fields.Function(
        fields.Float(
            "Recovery Rate", digits=(16, 4),
            help="The recovered amount against the claimable amount."),
        'get_recovery_rate')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('supplier', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        DefectivePart = pool.get('appliance.work_order.defective_part')
        ClaimLine = pool.get('appliance.supplier.claim.line')
        Claim = pool.get('appliance.supplier.claim')
        context = Transaction().context
        part = DefectivePart.__table__()
        line = ClaimLine.__table__()
        claim = Claim.__table__()

        claimed = line.part_cost + line.labour_amount
        accepted = Coalesce(line.accepted_amount, 0)
        where = (part.under_warranty == Literal(True)) & (
            part.removal_date != Null) & (part.supplier != Null)
        where &= part.company == context.get('company', -1)
        if context.get('from_date'):
            where &= part.removal_date >= context['from_date']
        if context.get('to_date'):
            where &= part.removal_date <= context['to_date']
        # The month is a column of a sub-query so that the grouping is by
        # that column: PostgreSQL does not match two DATE_TRUNC expressions
        # whose unit is given by two different parameters
        parts = (part
            .join(line, 'LEFT', condition=line.defective_part == part.id)
            .join(claim, 'LEFT', condition=line.claim == claim.id)
            .select(
                part.id.as_('part'),
                part.company.as_('company'),
                part.supplier.as_('supplier'),
                cls.month.sql_cast(
                    DateTrunc('month', part.removal_date)).as_('month'),
                (Coalesce(part.cost, 0)
                    + Coalesce(part.labour_amount, 0)).as_('claimable'),
                Case((claim.state.in_(SENT_STATES), claimed),
                    else_=0).as_('claimed'),
                Case((claim.state.in_(['accepted', 'credited']), accepted),
                    else_=0).as_('accepted'),
                Case((claim.state == 'credited', accepted),
                    else_=0).as_('recovered'),
                where=where))
        return parts.select(
            Min(parts.part).as_('id'),
            parts.company.as_('company'),
            parts.supplier.as_('supplier'),
            parts.month.as_('month'),
            Count(parts.part).as_('parts'),
            cls.claimable_amount.sql_cast(
                Sum(parts.claimable)).as_('claimable_amount'),
            cls.claimed_amount.sql_cast(
                Sum(parts.claimed)).as_('claimed_amount'),
            cls.accepted_amount.sql_cast(
                Sum(parts.accepted)).as_('accepted_amount'),
            cls.recovered_amount.sql_cast(
                Sum(parts.recovered)).as_('recovered_amount'),
            group_by=[parts.company, parts.supplier, parts.month])

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        if self.company:
            return self.company.currency

    def get_recovery_rate(self, name):
        if self.claimable_amount:
            return float(
                (self.recovered_amount or 0) / self.claimable_amount)

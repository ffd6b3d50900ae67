# This file is part of the appliance_service_hr module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Periodic appraisals of the engineers from a template of weighted
criteria: computed ones from the indicators of appliance_service_kpi over
the period's work orders, scored ones by the engineer then the supervisor.
"""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, Workflow, fields,
    sequence_ordered)
from trytond.modules.appliance_service_kpi.kpi import (
    KPI_SELECTION, KPIS, kpi_score)
from trytond.modules.company.company import CompanyReport
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .exceptions import AppraisalError

PERIODS = [
    ('monthly', "Monthly"),
    ('quarterly', "Quarterly"),
    ]
CRITERION_KINDS = [
    ('computed', "Computed"),
    ('scored', "Scored"),
    ]
STATES = [
    ('draft', "Draft"),
    ('self_assessed', "Self-Assessed"),
    ('submitted', "Submitted"),
    ('confirmed', "Confirmed"),
    ]
# The lowest total of each grade, best first
GRADES = [
    ('A', 90),
    ('B', 75),
    ('C', 60),
    ('D', 0),
    ]
GRADE_SELECTION = [
    (None, ""),
    ('A', "A - Excellent"),
    ('B', "B - Good"),
    ('C', "C - Satisfactory"),
    ('D', "D - Needs Improvement"),
    ]


def grade_of(total):
    "Return the grade of total, a score from 0 to 100"
    if total is None:
        return None
    for grade, minimum in GRADES:
        if total >= minimum:
            return grade


def period_of(date, period):
    "Return the (start, end) dates of the period containing date"
    if period == 'monthly':
        start = date.replace(day=1)
        months = 1
    else:
        start = date.replace(month=(date.month - 1) // 3 * 3 + 1, day=1)
        months = 3
    month = start.month - 1 + months
    following = start.replace(
        year=start.year + month // 12, month=month % 12 + 1)
    return start, following - dt.timedelta(days=1)


def previous_period(date, period):
    "Return the (start, end) of the period closed before the one of date"
    start, _ = period_of(date, period)
    return period_of(start - dt.timedelta(days=1), period)


class Template(DeactivableMixin, ModelSQL, ModelView):
    "Appraisal template"
    __name__ = 'appliance.appraisal.template'

    name = fields.Char("Name", required=True, translate=True)
    company = fields.Many2One('company.company', "Company", required=True)
    period = fields.Selection(PERIODS, "Period", required=True)
    criteria = fields.One2Many(
        'appliance.appraisal.template.criterion', 'template', "Criteria")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_period(cls):
        return 'quarterly'


class TemplateCriterion(sequence_ordered(), ModelSQL, ModelView):
    "Appraisal template criterion"
    __name__ = 'appliance.appraisal.template.criterion'

    template = fields.Many2One(
        'appliance.appraisal.template', "Template", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True, translate=True)
    kind = fields.Selection(CRITERION_KINDS, "Kind", required=True)
    kpi = fields.Selection(
        [(None, "")] + KPI_SELECTION, "Indicator", sort=False,
        states={
            'required': Eval('kind') == 'computed',
            'invisible': Eval('kind') != 'computed',
            },
        help="The indicator of the period's work orders.")
    kpi_string = kpi.translated('kpi')
    target = fields.Float(
        "Target", digits=(16, 2),
        states={
            'required': Eval('kind') == 'computed',
            'invisible': Eval('kind') != 'computed',
            },
        help="When higher is better, the value that scores 100; "
        "when lower is better, the value that scores 0.")
    weight = fields.Numeric(
        "Weight", digits=(16, 2), required=True,
        domain=[('weight', '>', 0)])

    @classmethod
    def default_kind(cls):
        return 'computed'

    @classmethod
    def default_weight(cls):
        return 1

    @fields.depends('kind', 'kpi', 'name')
    def on_change_kpi(self):
        if self.kpi and not self.name:
            # in the user's language, as the criterion's name is translated
            self.name = self.kpi_string

    @classmethod
    def validate_fields(cls, criteria, field_names):
        super().validate_fields(criteria, field_names)
        for criterion in criteria:
            if criterion.kind == 'computed' and criterion.kpi not in KPIS:
                raise AppraisalError(gettext(
                        'appliance_service_hr.msg_criterion_kpi',
                        criterion=criterion.name))


class Appraisal(Workflow, ModelSQL, ModelView):
    "Engineer appraisal"
    __name__ = 'appliance.appraisal'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_states)
    employee = fields.Many2One(
        'company.employee', "Engineer", required=True, ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))], states=_states)
    supervisor = fields.Many2One(
        'company.employee', "Supervisor", ondelete='RESTRICT',
        states={
            'readonly': Eval('state') == 'confirmed',
            })
    template = fields.Many2One(
        'appliance.appraisal.template', "Template", required=True,
        ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))], states=_states)
    period_start = fields.Date("Period Start", required=True, states=_states)
    period_end = fields.Date(
        "Period End", required=True,
        domain=[('period_end', '>=', Eval('period_start', None))],
        states=_states)
    lines = fields.One2Many(
        'appliance.appraisal.line', 'appraisal', "Criteria",
        states={
            'readonly': Eval('state') == 'confirmed',
            })
    self_comment = fields.Text(
        "Self-Assessment Comment", states=_states)
    supervisor_comment = fields.Text(
        "Supervisor Comment",
        states={
            'readonly': Eval('state') != 'self_assessed',
            })
    reward_note = fields.Text(
        "Reward and Promotion Note",
        help="What the confirmed appraisal brings to the engineer's rewards "
        "and promotion.")
    total = fields.Function(
        fields.Float("Total", digits=(16, 1),
            help="The weighted average of the scores of the criteria, "
            "from 0 to 100; the criteria without a score are left out."),
        'get_total')
    grade = fields.Function(
        fields.Selection(GRADE_SELECTION, "Grade"), 'get_total')
    working_hours = fields.Function(
        fields.Float("Working Hours", digits=(16, 2),
            help="The hours of attendance in the period."),
        'get_workload')
    timesheet_hours = fields.Function(
        fields.Float("Timesheet Hours", digits=(16, 2),
            help="The hours of the timesheet lines of the period."),
        'get_workload')
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')
    computed_at = fields.DateTime("Computed At", readonly=True)
    self_assessed_by = fields.Many2One(
        'res.user', "Self-Assessed By", readonly=True)
    self_assessed_at = fields.DateTime("Self-Assessed At", readonly=True)
    submitted_by = fields.Many2One('res.user', "Submitted By", readonly=True)
    submitted_at = fields.DateTime("Submitted At", readonly=True)
    confirmed_by = fields.Many2One('res.user', "Confirmed By", readonly=True)
    confirmed_at = fields.DateTime("Confirmed At", readonly=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('period_unique',
                Unique(t, t.employee, t.template, t.period_start),
                'appliance_service_hr.msg_appraisal_period_unique'),
            ]
        cls._order = [
            ('period_start', 'DESC'), ('employee', 'ASC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'self_assessed'),
            ('self_assessed', 'submitted'),
            ('self_assessed', 'draft'),
            ('submitted', 'self_assessed'),
            ('submitted', 'confirmed'),
            }
        cls._buttons.update({
                'compute': {
                    'invisible': Eval('state') == 'confirmed',
                    'depends': ['state'],
                    },
                'self_assess': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'submit': {
                    'invisible': Eval('state') != 'self_assessed',
                    'depends': ['state'],
                    },
                'confirm': {
                    'invisible': Eval('state') != 'submitted',
                    'depends': ['state'],
                    },
                'back': {
                    'invisible': ~Eval('state').in_(
                        ['self_assessed', 'submitted']),
                    'icon': If(Eval('state') == 'submitted',
                        'tryton-back', 'tryton-undo'),
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @fields.depends('employee')
    def on_change_employee(self):
        if self.employee and self.employee.supervisor:
            self.supervisor = self.employee.supervisor

    @fields.depends('template', 'period_start')
    def on_change_template(self):
        if self.template and not self.period_start:
            pool = Pool()
            Date = pool.get('ir.date')
            self.period_start, self.period_end = previous_period(
                Date.today(), self.template.period)

    def get_rec_name(self, name):
        pool = Pool()
        Lang = pool.get('ir.lang')
        lang = Lang.get()
        return '%s %s - %s' % (self.employee.rec_name,
            lang.strftime(self.period_start),
            lang.strftime(self.period_end))

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('employee.rec_name', *clause[1:])]

    @classmethod
    def get_total(cls, appraisals, names):
        result = {n: {} for n in names}
        for appraisal in appraisals:
            total = appraisal.compute_total()
            if 'total' in result:
                # To the digits of the field: the web client takes more for
                # a change
                result['total'][appraisal.id] = (
                    round(total, cls.total.digits[1])
                    if total is not None else None)
            if 'grade' in result:
                result['grade'][appraisal.id] = grade_of(total)
        return result

    def compute_total(self):
        "The weighted average of the scores of the lines, None without any"
        weights = total = 0
        for line in self.lines:
            score = line.score
            if score is None:
                continue
            weights += float(line.weight)
            total += float(line.weight) * score
        if not weights:
            return None
        return round(total / weights, 2)

    @classmethod
    def get_workload(cls, appraisals, names):
        pool = Pool()
        Sheet = pool.get('attendance.sheet')
        TimesheetLine = pool.get('timesheet.line')
        result = {n: {} for n in names}
        for appraisal in appraisals:
            domain = [
                ('employee', '=', appraisal.employee.id),
                ('date', '>=', appraisal.period_start),
                ('date', '<=', appraisal.period_end),
                ]
            if 'working_hours' in result:
                result['working_hours'][appraisal.id] = round(sum(
                        (s.duration or dt.timedelta()).total_seconds()
                        for s in Sheet.search(domain)) / 3600, 2)
            if 'timesheet_hours' in result:
                result['timesheet_hours'][appraisal.id] = round(sum(
                        (l.duration or dt.timedelta()).total_seconds()
                        for l in TimesheetLine.search(domain)) / 3600, 2)
        return result

    @classmethod
    def _line_values(cls, criterion):
        return {
            'criterion': criterion.id,
            'sequence': criterion.sequence,
            'name': criterion.name,
            'kind': criterion.kind,
            'kpi': criterion.kpi,
            'target': criterion.target,
            'weight': criterion.weight,
            }

    @classmethod
    def _create_lines(cls, appraisals):
        pool = Pool()
        Line = pool.get('appliance.appraisal.line')
        to_create = []
        for appraisal in appraisals:
            if appraisal.lines:
                continue
            for criterion in appraisal.template.criteria:
                to_create.append({
                        'appraisal': appraisal.id,
                        **cls._line_values(criterion),
                        })
        if to_create:
            Line.create(to_create)

    @classmethod
    def kpi_values(cls, appraisal, kpis):
        """Return {kpi: (value, numerator, denominator)} of the engineer's
        work orders in the period, by the definitions of the KPI module"""
        pool = Pool()
        Fact = pool.get('appliance.kpi.work_order')
        kpis = sorted(set(kpis))
        # Without any order a count is 0 and a rate has no value
        result = {k: (KPIS[k].value(None), None, None) for k in kpis}
        if not kpis:
            return result
        rows = Fact.aggregate(
            kpis, ['engineer'], [('engineer', '=', appraisal.employee.id)],
            [(appraisal.period_start, appraisal.period_end)],
            appraisal.company.id)
        for row in rows:
            for kpi in kpis:
                result[kpi] = (row[kpi], row.get(kpi + ':numerator'),
                    row.get(kpi + ':denominator'))
        return result

    @classmethod
    @ModelView.button
    def compute(cls, appraisals):
        "Fill in the criteria and compute the values from the work orders"
        pool = Pool()
        Line = pool.get('appliance.appraisal.line')
        for appraisal in appraisals:
            if appraisal.state == 'confirmed':
                raise AppraisalError(gettext(
                        'appliance_service_hr.msg_appraisal_confirmed',
                        appraisal=appraisal.rec_name))
        cls._create_lines(appraisals)
        appraisals = cls.browse(appraisals)
        to_write = []
        # The root user reads every fact, a manager those of the rules
        with Transaction().set_user(0):
            for appraisal in appraisals:
                computed = [l for l in appraisal.lines
                    if l.kind == 'computed' and l.kpi]
                values = cls.kpi_values(
                    appraisal, [l.kpi for l in computed])
                for line in computed:
                    value, numerator, denominator = values[line.kpi]
                    # Stored to the digits of the line (a rate such as
                    # 23 of 26 has more)
                    to_write.extend([[line], {
                                'value': (round(value, Line.value.digits[1])
                                    if value is not None else None),
                                'numerator': (float(numerator)
                                    if numerator is not None else None),
                                'denominator': (float(denominator)
                                    if denominator is not None else None),
                                }])
        if to_write:
            Line.write(*to_write)
        cls.write(appraisals, {'computed_at': dt.datetime.now()})

    @classmethod
    def _stamp(cls, appraisals, name):
        cls.write(appraisals, {
                name + '_by': Transaction().user,
                name + '_at': dt.datetime.now(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('self_assessed')
    def self_assess(cls, appraisals):
        for appraisal in appraisals:
            for line in appraisal.lines:
                if line.kind == 'scored' and line.self_score is None:
                    raise AppraisalError(gettext(
                            'appliance_service_hr.msg_appraisal_self_score',
                            appraisal=appraisal.rec_name,
                            criterion=line.name))
        cls._stamp(appraisals, 'self_assessed')

    @classmethod
    @ModelView.button
    @Workflow.transition('submitted')
    def submit(cls, appraisals):
        for appraisal in appraisals:
            for line in appraisal.lines:
                if line.kind == 'scored' and line.supervisor_score is None:
                    raise AppraisalError(gettext(
                            'appliance_service_hr'
                            '.msg_appraisal_supervisor_score',
                            appraisal=appraisal.rec_name,
                            criterion=line.name))
        cls._stamp(appraisals, 'submitted')

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, appraisals):
        cls._stamp(appraisals, 'confirmed')

    @classmethod
    @ModelView.button
    def back(cls, appraisals):
        "Return the appraisals one step back"
        cls.back_to_draft(
            [a for a in appraisals if a.state == 'self_assessed'])
        cls.back_to_self_assessed(
            [a for a in appraisals if a.state == 'submitted'])

    @classmethod
    @Workflow.transition('draft')
    def back_to_draft(cls, appraisals):
        cls.write(appraisals, {
                'self_assessed_by': None,
                'self_assessed_at': None,
                })

    @classmethod
    @Workflow.transition('self_assessed')
    def back_to_self_assessed(cls, appraisals):
        cls.write(appraisals, {
                'submitted_by': None,
                'submitted_at': None,
                })

    @classmethod
    def check_modification(cls, mode, appraisals, values=None,
            external=False):
        super().check_modification(
            mode, appraisals, values=values, external=external)
        if mode == 'delete':
            for appraisal in appraisals:
                if appraisal.state != 'draft':
                    raise AppraisalError(gettext(
                            'appliance_service_hr.msg_appraisal_delete',
                            appraisal=appraisal.rec_name))
        elif mode == 'write' and external and (
                set(values) - {'reward_note'}):
            for appraisal in appraisals:
                if appraisal.state == 'confirmed':
                    raise AppraisalError(gettext(
                            'appliance_service_hr.msg_appraisal_confirmed',
                            appraisal=appraisal.rec_name))

    @classmethod
    def copy(cls, appraisals, default=None):
        default = default.copy() if default is not None else {}
        for name in ['computed', 'self_assessed', 'submitted', 'confirmed']:
            if name != 'computed':
                default.setdefault(name + '_by', None)
            default.setdefault(name + '_at', None)
        default.setdefault('reward_note', None)
        return super().copy(appraisals, default=default)

    @classmethod
    def engineers_to_appraise(cls, company):
        pool = Pool()
        Employee = pool.get('company.employee')
        return Employee.search([
                ('company', '=', company.id),
                ('service_engineer', '=', True),
                ('hr_status', '!=', 'left'),
                ], order=[('id', 'ASC')])

    @classmethod
    def create_period_appraisals(cls, date=None):
        """Create and compute the appraisals of the period closed before
        date for every active engineer and active template.

        Called by the cron; the appraisals that exist are left as they
        are."""
        pool = Pool()
        Date = pool.get('ir.date')
        Template = pool.get('appliance.appraisal.template')
        if date is None:
            date = Date.today()
        to_create = []
        for template in Template.search([]):
            start, end = previous_period(date, template.period)
            existing = {a.employee.id for a in cls.search([
                        ('template', '=', template.id),
                        ('period_start', '=', start),
                        ])}
            for employee in cls.engineers_to_appraise(template.company):
                if employee.id in existing:
                    continue
                to_create.append(cls(
                        company=template.company,
                        employee=employee,
                        supervisor=employee.supervisor,
                        template=template,
                        period_start=start,
                        period_end=end))
        cls.save(to_create)
        if to_create:
            cls.compute(to_create)
        return to_create


class AppraisalLine(sequence_ordered(), ModelSQL, ModelView):
    "Appraisal criterion"
    __name__ = 'appliance.appraisal.line'

    appraisal = fields.Many2One(
        'appliance.appraisal', "Appraisal", required=True,
        ondelete='CASCADE', readonly=True)
    criterion = fields.Many2One(
        'appliance.appraisal.template.criterion', "Criterion",
        readonly=True, ondelete='SET NULL')
    name = fields.Char("Name", required=True, readonly=True)
    kind = fields.Selection(
        CRITERION_KINDS, "Kind", required=True, readonly=True)
    kpi = fields.Selection(
        [(None, "")] + KPI_SELECTION, "Indicator", readonly=True,
        sort=False)
    target = fields.Float("Target", digits=(16, 2), readonly=True)
    weight = fields.Numeric(
        "Weight", digits=(16, 2), required=True, readonly=True)
    value = fields.Float(
        "Value", digits=(16, 2), readonly=True,
        help="The value of the indicator over the period.")
    numerator = fields.Float("Numerator", digits=(16, 2), readonly=True)
    denominator = fields.Float(
        "Denominator", digits=(16, 2), readonly=True)
    self_score = fields.Float(
        "Self Score", digits=(16, 1),
        domain=['OR',
            ('self_score', '=', None),
            [('self_score', '>=', 0), ('self_score', '<=', 100)],
            ],
        states={
            'readonly': (Eval('appraisal_state') != 'draft')
            | (Eval('kind') != 'scored'),
            'invisible': Eval('kind') != 'scored',
            })
    supervisor_score = fields.Float(
        "Supervisor Score", digits=(16, 1),
        domain=['OR',
            ('supervisor_score', '=', None),
            [('supervisor_score', '>=', 0),
                ('supervisor_score', '<=', 100)],
            ],
        states={
            'readonly': (Eval('appraisal_state') != 'self_assessed')
            | (Eval('kind') != 'scored'),
            'invisible': Eval('kind') != 'scored',
            })
    score = fields.Function(
        fields.Float("Score", digits=(16, 1),
            help="From 0 to 100: the value against the target for a computed "
            "criterion, the supervisor's score for a scored one."),
        'get_score')
    appraisal_state = fields.Function(
        fields.Selection(STATES, "Appraisal State"),
        'on_change_with_appraisal_state')

    @fields.depends('appraisal', '_parent_appraisal.state')
    def on_change_with_appraisal_state(self, name=None):
        if self.appraisal:
            return self.appraisal.state

    def get_score(self, name):
        if self.kind == 'computed':
            if not self.kpi:
                return None
            score = kpi_score(self.kpi, self.value, self.target)
            return round(score, 2) if score is not None else None
        return self.supervisor_score

    @classmethod
    def check_modification(cls, mode, lines, values=None, external=False):
        super().check_modification(
            mode, lines, values=values, external=external)
        if not external:
            return
        for line in lines:
            state = line.appraisal.state
            if state == 'confirmed' or (mode in {'create', 'delete'}
                    and state != 'draft'):
                raise AppraisalError(gettext(
                        'appliance_service_hr.msg_appraisal_confirmed',
                        appraisal=line.appraisal.rec_name))
            if mode == 'write':
                if ('self_score' in values and state != 'draft'):
                    raise AppraisalError(gettext(
                            'appliance_service_hr.msg_self_score_state',
                            appraisal=line.appraisal.rec_name))
                if ('supervisor_score' in values
                        and state != 'self_assessed'):
                    raise AppraisalError(gettext(
                            'appliance_service_hr.msg_supervisor_score_state',
                            appraisal=line.appraisal.rec_name))


class AppraisalReport(CompanyReport):
    __name__ = 'appliance.appraisal'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['grades'] = dict(GRADE_SELECTION)
        return context

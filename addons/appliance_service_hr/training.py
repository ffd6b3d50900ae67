# This file is part of the appliance_service_hr module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""Training: courses and the skills they raise, sessions and their results;
a pass proposes a skill level that a Service Manager approves."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.appliance_service.engineer import SKILL_LEVELS
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import TrainingError

TOPICS = [
    ('product_knowledge', "Product Knowledge"),
    ('repair_technique', "Repair Technique"),
    ('service_attitude', "Service Attitude"),
    ('safety', "Safety"),
    ('other', "Other"),
    ]
MAX_LEVEL = 5


class Course(ModelSQL, ModelView):
    "Training course"
    __name__ = 'appliance.training.course'

    name = fields.Char("Name", required=True, translate=True)
    topic = fields.Selection(TOPICS, "Topic", required=True)
    hours = fields.Numeric(
        "Hours", digits=(16, 1), required=True,
        domain=[('hours', '>=', 0)])
    pass_score = fields.Numeric(
        "Pass Score", digits=(16, 1), required=True,
        domain=[('pass_score', '>=', 0)],
        help="The score from which a result is a pass.")
    skills = fields.One2Many(
        'appliance.training.course.skill', 'course', "Skills Raised",
        help="The skills a pass raises, when approved.")
    sessions = fields.One2Many(
        'appliance.training.session', 'course', "Sessions")
    description = fields.Text("Description")

    @classmethod
    def default_pass_score(cls):
        return 60


class CourseSkill(ModelSQL, ModelView):
    "Training course skill"
    __name__ = 'appliance.training.course.skill'

    course = fields.Many2One(
        'appliance.training.course', "Course", required=True,
        ondelete='CASCADE')
    category = fields.Many2One(
        'appliance.category', "Category", ondelete='CASCADE',
        help="Leave empty for all categories.")
    brand = fields.Many2One(
        'appliance.brand', "Brand", ondelete='CASCADE',
        help="Leave empty for all brands.")
    increase = fields.Integer(
        "Level Increase", required=True,
        domain=[('increase', '>=', 1), ('increase', '<=', MAX_LEVEL - 1)])
    max_level = fields.Selection(
        SKILL_LEVELS, "Up to Level", required=True,
        help="The course raises the skill to this level at most.")

    @classmethod
    def default_increase(cls):
        return 1

    @classmethod
    def default_max_level(cls):
        return str(MAX_LEVEL)


class Session(ModelSQL, ModelView):
    "Training session"
    __name__ = 'appliance.training.session'

    course = fields.Many2One(
        'appliance.training.course', "Course", required=True,
        ondelete='RESTRICT')
    company = fields.Many2One('company.company', "Company", required=True)
    trainer = fields.Char("Trainer", required=True)
    start_date = fields.Date("Start Date", required=True)
    end_date = fields.Date(
        "End Date", required=True,
        domain=[('end_date', '>=', Eval('start_date', None))])
    location = fields.Char("Location")
    results = fields.One2Many(
        'appliance.training.result', 'session', "Attendance and Results")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    def get_rec_name(self, name):
        pool = Pool()
        Lang = pool.get('ir.lang')
        return '%s (%s)' % (
            self.course.rec_name, Lang.get().strftime(self.start_date))


class Result(Workflow, ModelSQL, ModelView):
    "Training result"
    __name__ = 'appliance.training.result'

    _states = {
        'readonly': Eval('state') != 'draft',
        }

    session = fields.Many2One(
        'appliance.training.session', "Session", required=True,
        ondelete='CASCADE', states=_states)
    employee = fields.Many2One(
        'company.employee', "Engineer", required=True, ondelete='CASCADE',
        states=_states)
    course = fields.Function(
        fields.Many2One('appliance.training.course', "Course"),
        'on_change_with_course', searcher='search_course')
    date = fields.Function(fields.Date("Date"), 'on_change_with_date')
    hours = fields.Function(
        fields.Numeric("Hours", digits=(16, 1)), 'on_change_with_hours')
    attended = fields.Boolean("Attended", states=_states)
    score = fields.Numeric(
        "Score", digits=(16, 1), states=_states,
        domain=['OR', ('score', '=', None), ('score', '>=', 0)])
    state = fields.Selection([
            ('draft', "Draft"),
            ('passed', "Passed"),
            ('failed', "Failed"),
            ], "State", readonly=True, required=True, sort=False)
    proposals = fields.One2Many(
        'appliance.training.skill_proposal', 'result',
        "Skill Proposals", readonly=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {
            ('draft', 'passed'),
            ('draft', 'failed'),
            }
        cls._buttons.update({
                'grade': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_attended(cls):
        return True

    @fields.depends('session', '_parent_session.course')
    def on_change_with_course(self, name=None):
        return self.session.course if self.session else None

    @classmethod
    def search_course(cls, name, clause):
        return [('session.' + clause[0], *clause[1:])]

    @fields.depends('session', '_parent_session.start_date')
    def on_change_with_date(self, name=None):
        return self.session.start_date if self.session else None

    @fields.depends('session', '_parent_session.course', 'attended')
    def on_change_with_hours(self, name=None):
        if self.session and self.session.course and self.attended:
            return self.session.course.hours

    def get_rec_name(self, name):
        return '%s - %s' % (
            self.session.rec_name, self.employee.rec_name)

    @classmethod
    @ModelView.button
    def grade(cls, results):
        "Pass or fail the results by their score"
        passed, failed = [], []
        for result in results:
            if result.score is None and result.attended:
                raise TrainingError(gettext(
                        'appliance_service_hr.msg_result_no_score',
                        result=result.rec_name))
            if (result.attended
                    and result.score >= result.session.course.pass_score):
                passed.append(result)
            else:
                failed.append(result)
        cls.pass_(passed)
        cls.fail(failed)

    @classmethod
    @Workflow.transition('passed')
    def pass_(cls, results):
        pool = Pool()
        Proposal = pool.get('appliance.training.skill_proposal')
        proposals = []
        for result in results:
            proposals.extend(result.propose_skills())
        Proposal.save(proposals)

    @classmethod
    @Workflow.transition('failed')
    def fail(cls, results):
        pass

    def propose_skills(self):
        "Return the skill proposals of a pass"
        pool = Pool()
        Proposal = pool.get('appliance.training.skill_proposal')
        proposals = []
        for skill in self.session.course.skills:
            current = Proposal.skill_level_of(
                self.employee, skill.category, skill.brand)
            proposed = min(current + skill.increase, int(skill.max_level))
            if proposed <= current:
                continue
            proposals.append(Proposal(
                    result=self,
                    employee=self.employee,
                    category=skill.category,
                    brand=skill.brand,
                    current_level=str(current) if current else None,
                    proposed_level=str(proposed),
                    ))
        return proposals


class SkillProposal(Workflow, ModelSQL, ModelView):
    "Skill level proposal"
    __name__ = 'appliance.training.skill_proposal'

    result = fields.Many2One(
        'appliance.training.result', "Training Result", required=True,
        readonly=True, ondelete='CASCADE')
    employee = fields.Many2One(
        'company.employee', "Engineer", required=True, readonly=True,
        ondelete='CASCADE')
    category = fields.Many2One(
        'appliance.category', "Category", readonly=True, ondelete='CASCADE')
    brand = fields.Many2One(
        'appliance.brand', "Brand", readonly=True, ondelete='CASCADE')
    current_level = fields.Selection(
        [(None, "")] + SKILL_LEVELS, "Current Level", readonly=True)
    proposed_level = fields.Selection(
        SKILL_LEVELS, "Proposed Level", required=True, readonly=True)
    state = fields.Selection([
            ('proposed', "Proposed"),
            ('approved', "Approved"),
            ('rejected', "Rejected"),
            ], "State", required=True, readonly=True, sort=False)
    decided_by = fields.Many2One(
        'res.user', "Decided By", readonly=True)
    decided_at = fields.DateTime("Decided At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]
        cls._transitions |= {
            ('proposed', 'approved'),
            ('proposed', 'rejected'),
            }
        cls._buttons.update({
                'approve': {
                    'invisible': Eval('state') != 'proposed',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'proposed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'proposed'

    @classmethod
    def _skill(cls, employee, category, brand):
        pool = Pool()
        Skill = pool.get('appliance.engineer.skill')
        skills = Skill.search([
                ('employee', '=', employee.id),
                ('category', '=', category.id if category else None),
                ('brand', '=', brand.id if brand else None),
                ], order=[('level', 'DESC')], limit=1)
        return skills[0] if skills else None

    @classmethod
    def skill_level_of(cls, employee, category, brand):
        "The level of the skill of employee for exactly category and brand"
        skill = cls._skill(employee, category, brand)
        return int(skill.level) if skill else 0

    @classmethod
    def _decided(cls, proposals, state):
        cls.write(proposals, {
                'decided_by': Transaction().user,
                'decided_at': dt.datetime.now(),
                })

    @classmethod
    @ModelView.button
    @Workflow.transition('approved')
    def approve(cls, proposals):
        "Change the skill matrix to the proposed levels"
        pool = Pool()
        Skill = pool.get('appliance.engineer.skill')
        to_save = []
        for proposal in proposals:
            skill = cls._skill(
                proposal.employee, proposal.category, proposal.brand)
            if skill is None:
                skill = Skill(
                    employee=proposal.employee,
                    category=proposal.category,
                    brand=proposal.brand)
            elif int(skill.level) >= int(proposal.proposed_level):
                continue
            skill.level = proposal.proposed_level
            to_save.append(skill)
        Skill.save(to_save)
        cls._decided(proposals, 'approved')

    @classmethod
    @ModelView.button
    @Workflow.transition('rejected')
    def reject(cls, proposals):
        cls._decided(proposals, 'rejected')

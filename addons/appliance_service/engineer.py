# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import re

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .exceptions import EngineerLeaveError

WEEKDAYS = [
    ('0', "Monday"),
    ('1', "Tuesday"),
    ('2', "Wednesday"),
    ('3', "Thursday"),
    ('4', "Friday"),
    ('5', "Saturday"),
    ('6', "Sunday"),
    ]
CJK = re.compile('[\u3400-\u9fff]')
SKILL_LEVELS = [
    ('1', "Apprentice"),
    ('2', "Junior"),
    ('3', "Intermediate"),
    ('4', "Senior"),
    ('5', "Master"),
    ]


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    _engineer_states = {
        'invisible': ~Eval('service_engineer'),
        }

    service_engineer = fields.Boolean("Service Engineer")
    skills = fields.One2Many(
        'appliance.engineer.skill', 'employee', "Skills",
        states=_engineer_states)
    service_regions = fields.Many2Many(
        'appliance.engineer-service.region', 'employee', 'region',
        "Service Regions", states=_engineer_states)
    leaves = fields.One2Many(
        'appliance.engineer.leave', 'employee', "Leaves",
        states=_engineer_states)
    working_days = fields.MultiSelection(
        WEEKDAYS, "Working Days", sort=False, states=_engineer_states)
    daily_capacity = fields.Integer(
        "Daily Capacity", states=_engineer_states,
        domain=['OR',
            ('daily_capacity', '=', None),
            ('daily_capacity', '>', 0),
            ],
        help="The number of visits the engineer can do a day.")
    home_base = fields.Many2One(
        'party.address', "Home Base",
        domain=[('party', '=', Eval('party', -1))],
        states=_engineer_states,
        help="The address the engineer leaves from; its coordinates are "
        "copied to the home base latitude and longitude.")
    base_latitude = fields.Float(
        "Home Base Latitude", digits=(9, 6), states=_engineer_states)
    base_longitude = fields.Float(
        "Home Base Longitude", digits=(9, 6), states=_engineer_states)

    del _engineer_states

    @fields.depends('home_base')
    def on_change_home_base(self):
        if self.home_base and self.home_base.latitude is not None:
            self.base_latitude = self.home_base.latitude
            self.base_longitude = self.home_base.longitude

    @classmethod
    def default_working_days(cls):
        return ['0', '1', '2', '3', '4', '5']

    @classmethod
    def default_daily_capacity(cls):
        return 6

    @property
    def service_short_name(self):
        """What customers are told of the engineer: "<surname>师傅" for a
        Chinese name, else the first name"""
        name = (self.party.name or '').strip() if self.party else ''
        if not name:
            return None
        if CJK.match(name):
            return name if name.endswith('师傅') else name[0] + '师傅'
        return name.split()[0]

    def is_working_on(self, date):
        "Return whether the engineer works on date and is not on leave"
        if str(date.weekday()) not in (self.working_days or []):
            return False
        return not self.leave_on(date)

    def leave_on(self, date):
        for leave in self.leaves:
            if leave.start_date <= date <= leave.end_date:
                return leave

    def skill_level(self, category=None, brand=None):
        "Return the best level of the engineer for category and brand"
        lineage = []
        while category:
            lineage.append(category)
            category = category.parent
        best = 0
        for skill in self.skills:
            if skill.category and skill.category not in lineage:
                continue
            if skill.brand and skill.brand != brand:
                continue
            best = max(best, int(skill.level))
        return best


class EngineerSkill(ModelSQL, ModelView):
    "Engineer skill"
    __name__ = 'appliance.engineer.skill'

    employee = fields.Many2One(
        'company.employee', "Engineer", required=True, ondelete='CASCADE')
    category = fields.Many2One(
        'appliance.category', "Category", ondelete='CASCADE',
        help="Leave empty for all categories.")
    brand = fields.Many2One(
        'appliance.brand', "Brand", ondelete='CASCADE',
        help="Leave empty for all brands.")
    level = fields.Selection(SKILL_LEVELS, "Level", required=True)

    @classmethod
    def default_level(cls):
        return '3'


class EngineerLeave(ModelSQL, ModelView):
    "Engineer leave"
    __name__ = 'appliance.engineer.leave'

    employee = fields.Many2One(
        'company.employee', "Engineer", required=True, ondelete='CASCADE')
    start_date = fields.Date("Start Date", required=True)
    end_date = fields.Date(
        "End Date", required=True,
        domain=[('end_date', '>=', Eval('start_date'))])
    reason = fields.Char("Reason")

    @classmethod
    def validate_fields(cls, leaves, field_names):
        super().validate_fields(leaves, field_names)
        for leave in leaves:
            if leave.end_date < leave.start_date:
                raise EngineerLeaveError(gettext(
                        'appliance_service.msg_leave_dates',
                        engineer=leave.employee.rec_name))


class EngineerRegion(ModelSQL):
    "Engineer service region"
    __name__ = 'appliance.engineer-service.region'

    employee = fields.Many2One(
        'company.employee', "Engineer", required=True, ondelete='CASCADE')
    region = fields.Many2One(
        'appliance.service.region', "Region", required=True,
        ondelete='CASCADE')


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_cache_key(cls, model_names):
        pool = Pool()
        User = pool.get('res.user')
        key = super()._get_cache_key(model_names)
        return (*key, User.get_employees())

    @classmethod
    def _get_context(cls, model_name):
        pool = Pool()
        User = pool.get('res.user')
        context = super()._get_context(model_name)
        context['employees'] = User.get_employees()
        return context

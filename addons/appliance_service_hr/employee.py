# This file is part of the appliance_service_hr module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from collections import defaultdict

from trytond.model import Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice

from .certificate import CERTIFICATE_STATES

HR_STATUSES = [
    ('active', "Active"),
    ('on_leave', "On Leave"),
    ('left', "Left"),
    ]


class Employee(metaclass=PoolMeta):
    __name__ = 'company.employee'

    employee_number = fields.Char("Employee Number")
    mobile = fields.Char("Mobile")
    post = fields.Char("Post", help="The job title of the employee.")
    hr_status = fields.Selection(HR_STATUSES, "HR Status", required=True)
    certificates = fields.One2Many(
        'appliance.engineer.certificate', 'employee', "Certificates")
    certificate_state = fields.Function(
        fields.Selection([(None, "")] + CERTIFICATE_STATES,
            "Certificate State",
            help="The worst state of the engineer's certificates."),
        'get_certificate_state', searcher='search_certificate_state')
    training_results = fields.One2Many(
        'appliance.training.result', 'employee', "Training History",
        readonly=True)
    training_hours = fields.Function(
        fields.Float("Training Hours", digits=(16, 1),
            help="The hours of the courses attended."),
        'get_training_hours')
    appraisals = fields.One2Many(
        'appliance.appraisal', 'employee', "Appraisals", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('employee_number_unique',
                Unique(t, t.company, t.employee_number),
                'appliance_service_hr.msg_employee_number_unique'),
            ]
        cls.hr_status.states = {
            'invisible': ~Eval('service_engineer'),
            }

    @classmethod
    def default_hr_status(cls):
        return 'active'

    @classmethod
    def copy(cls, employees, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('employee_number', None)
        default.setdefault('certificates', None)
        default.setdefault('training_results', None)
        default.setdefault('appraisals', None)
        return super().copy(employees, default=default)

    @classmethod
    def search_rec_name(cls, name, clause):
        domain = super().search_rec_name(name, clause)
        if clause[1].startswith('!') or clause[1].startswith('not '):
            return ['AND', domain, ('employee_number', *clause[1:])]
        return ['OR', domain, ('employee_number', *clause[1:])]

    @classmethod
    def get_certificate_state(cls, employees, name):
        order = [s for s, _ in CERTIFICATE_STATES]
        # The worst first: expired, then expiring, then valid
        worst = ['expired', 'expiring', 'not_yet_valid', 'valid']
        result = {}
        for employee in employees:
            states = {c.state for c in employee.certificates}
            result[employee.id] = next(
                (s for s in worst if s in states and s in order), None)
        return result

    @classmethod
    def search_certificate_state(cls, name, clause):
        "The engineers with a certificate in the state"
        _, operator, value = clause
        if operator == '=' and value is None:
            return [('certificates', '=', None)]
        if operator == '=':
            return [('certificates.state', '=', value)]
        return [('certificates.state', operator, value)]

    @classmethod
    def get_training_hours(cls, employees, name):
        pool = Pool()
        Result = pool.get('appliance.training.result')
        hours = defaultdict(float)
        for sub_employees in grouped_slice(employees):
            for result in Result.search([
                        ('employee', 'in', [e.id for e in sub_employees]),
                        ('attended', '=', True),
                        ]):
                hours[result.employee.id] += float(result.hours or 0)
        return {e.id: hours[e.id] for e in employees}

    @classmethod
    def missing_certificates(cls, employees, types, date):
        """Return {employee id: [types]} of the types of which the employee
        holds no certificate valid on date, for the employees missing one"""
        pool = Pool()
        Certificate = pool.get('appliance.engineer.certificate')
        if not types or not employees:
            return {}
        valid = defaultdict(set)
        for sub_employees in grouped_slice(employees):
            for certificate in Certificate.search([
                        ('employee', 'in', [e.id for e in sub_employees]),
                        ('type', 'in', [t.id for t in types]),
                        ('issue_date', '<=', date),
                        ['OR',
                            ('expiry_date', '=', None),
                            ('expiry_date', '>=', date),
                            ],
                        ]):
                valid[certificate.employee.id].add(certificate.type.id)
        result = {}
        for employee in employees:
            missing = [t for t in types if t.id not in valid[employee.id]]
            if missing:
                result[employee.id] = missing
        return result

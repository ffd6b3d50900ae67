# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Id


def _sequence_default(xml_id):
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    try:
        return ModelData.get_id('appliance_service', xml_id)
    except KeyError:
        return None


class Configuration(metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    request_sequence = fields.Many2One(
        'ir.sequence', "Service Request Sequence", required=True,
        domain=[('sequence_type', '=',
                Id('appliance_service', 'sequence_type_request'))])
    work_order_sequence = fields.Many2One(
        'ir.sequence', "Work Order Sequence", required=True,
        domain=[('sequence_type', '=',
                Id('appliance_service', 'sequence_type_work_order'))])
    response_hours_urgent = fields.Integer(
        "Urgent Response Hours", required=True)
    response_hours_high = fields.Integer("High Response Hours", required=True)
    response_hours_normal = fields.Integer(
        "Normal Response Hours", required=True)
    response_hours_low = fields.Integer("Low Response Hours", required=True)
    complaint_escalation_hours = fields.Integer(
        "Complaint Escalation Hours", required=True,
        domain=[('complaint_escalation_hours', '>', 0)],
        help="Complaints not resolved after so many hours are escalated "
        "to the service managers.")

    @classmethod
    def default_request_sequence(cls):
        return _sequence_default('sequence_request')

    @classmethod
    def default_work_order_sequence(cls):
        return _sequence_default('sequence_work_order')

    @classmethod
    def default_response_hours_urgent(cls):
        return 2

    @classmethod
    def default_response_hours_high(cls):
        return 4

    @classmethod
    def default_response_hours_normal(cls):
        return 8

    @classmethod
    def default_response_hours_low(cls):
        return 24

    @classmethod
    def default_complaint_escalation_hours(cls):
        return 48

    def response_hours(self, priority):
        return {
            '3': self.response_hours_urgent,
            '2': self.response_hours_high,
            '1': self.response_hours_normal,
            '0': self.response_hours_low,
            }.get(priority, self.response_hours_normal)

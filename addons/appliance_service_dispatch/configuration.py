# This file is part of the appliance_service_dispatch module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright notices
# and license terms.
from trytond.model import ModelSQL, fields
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool, PoolMeta

from .solver import WEIGHTS, Weights

# The configuration field of each weight of the solver
WEIGHT_FIELDS = {
    'distance': 'dispatch_distance_weight',
    'skill': 'dispatch_skill_weight',
    'workload': 'dispatch_workload_weight',
    'window': 'dispatch_window_weight',
    'unknown_distance_km': 'dispatch_unknown_distance',
    'unassigned': 'dispatch_unassigned_weight',
    }


def weight_field(name, string, help):
    return fields.Float(
        string, required=True, digits=(16, 2),
        domain=[(name, '>=', 0)], help=help)


dispatch_distance_weight = weight_field(
    'dispatch_distance_weight', "Distance Weight",
    "The cost of each kilometre between the engineer's home base and the "
    "customer.")
dispatch_skill_weight = weight_field(
    'dispatch_skill_weight', "Skill Weight",
    "The cost of each skill level the engineer has above the level "
    "required, to keep the best engineers for the hard jobs.")
dispatch_workload_weight = weight_field(
    'dispatch_workload_weight', "Workload Weight",
    "The cost of an engineer whose day is fully booked; a day booked by "
    "half costs half.")
dispatch_window_weight = weight_field(
    'dispatch_window_weight', "Window Weight",
    "The cost of an engineer whose appointment window is fully booked; a "
    "window booked by half costs half.")
dispatch_unknown_distance = weight_field(
    'dispatch_unknown_distance', "Unknown Distance",
    "In kilometres: the distance counted when the customer or the engineer "
    "has no location.")
dispatch_unassigned_weight = weight_field(
    'dispatch_unassigned_weight', "Unassigned Weight",
    "The cost of leaving an order without engineer, times 1 + its "
    "priority: when engineers run short, urgent orders are served first.")


def default_func(field_name):
    @classmethod
    def default(cls, **pattern):
        return getattr(
            cls.multivalue_model(field_name),
            'default_%s' % field_name, lambda: None)()
    return default


def default_weight(name):
    @classmethod
    def default(cls):
        return getattr(WEIGHTS, name)
    return default


class Configuration(CompanyMultiValueMixin, metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    dispatch_distance_weight = fields.MultiValue(dispatch_distance_weight)
    dispatch_skill_weight = fields.MultiValue(dispatch_skill_weight)
    dispatch_workload_weight = fields.MultiValue(dispatch_workload_weight)
    dispatch_window_weight = fields.MultiValue(dispatch_window_weight)
    dispatch_unknown_distance = fields.MultiValue(dispatch_unknown_distance)
    dispatch_unassigned_weight = fields.MultiValue(
        dispatch_unassigned_weight)

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field in WEIGHT_FIELDS.values():
            return pool.get('appliance.configuration.dispatch_weight')
        return super().multivalue_model(field)

    default_dispatch_distance_weight = default_func(
        'dispatch_distance_weight')
    default_dispatch_skill_weight = default_func('dispatch_skill_weight')
    default_dispatch_workload_weight = default_func(
        'dispatch_workload_weight')
    default_dispatch_window_weight = default_func('dispatch_window_weight')
    default_dispatch_unknown_distance = default_func(
        'dispatch_unknown_distance')
    default_dispatch_unassigned_weight = default_func(
        'dispatch_unassigned_weight')

    def dispatch_weights(self, company):
        "Return the solver Weights of company"
        return Weights(**{
                name: self.get_multivalue(field, company=company.id)
                for name, field in WEIGHT_FIELDS.items()})


class ConfigurationDispatchWeight(ModelSQL, CompanyValueMixin):
    "Appliance configuration dispatch weights"
    __name__ = 'appliance.configuration.dispatch_weight'

    dispatch_distance_weight = dispatch_distance_weight
    dispatch_skill_weight = dispatch_skill_weight
    dispatch_workload_weight = dispatch_workload_weight
    dispatch_window_weight = dispatch_window_weight
    dispatch_unknown_distance = dispatch_unknown_distance
    dispatch_unassigned_weight = dispatch_unassigned_weight

    default_dispatch_distance_weight = default_weight('distance')
    default_dispatch_skill_weight = default_weight('skill')
    default_dispatch_workload_weight = default_weight('workload')
    default_dispatch_window_weight = default_weight('window')
    default_dispatch_unknown_distance = default_weight('unknown_distance_km')
    default_dispatch_unassigned_weight = default_weight('unassigned')

# This file is part of the appliance_service_route module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
import datetime as dt

from trytond.model import ModelSQL, fields
from trytond.modules.appliance_service_dispatch.routing import (
    DEFAULT_DETOUR, DEFAULT_SPEED_KMH)
from trytond.modules.company.model import (
    CompanyMultiValueMixin, CompanyValueMixin)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

ROUTE_FIELDS = [
    'route_time_limit', 'route_shift_start', 'route_shift_end',
    'route_detour', 'route_speed', 'route_service_minutes',
    'route_change_cost', 'route_arrival_margin',
    'route_repair_minutes', 'route_installation_minutes',
    'route_maintenance_minutes']
# The field of the default service time of each kind of work order
KIND_SERVICE_MINUTES = {
    'repair': 'route_repair_minutes',
    'installation': 'route_installation_minutes',
    'maintenance': 'route_maintenance_minutes',
    }

route_time_limit = fields.Float(
    "Planning Time Limit", required=True, digits=(16, 1),
    domain=[('route_time_limit', '>', 0)],
    help="In seconds: how long the route planner searches for a date.")
route_shift_start = fields.Time(
    "Shift Start", required=True,
    help="When the engineers may leave their home base.")
route_shift_end = fields.Time(
    "Shift End", required=True,
    domain=[('route_shift_end', '>', Eval('route_shift_start'))],
    help="When the engineers must be back at their home base.")
route_detour = fields.Float(
    "Detour Factor", required=True, digits=(16, 2),
    domain=[('route_detour', '>=', 1)],
    help="The road distance divided by the straight-line distance.")
route_speed = fields.Float(
    "Driving Speed (km/h)", required=True, digits=(16, 1),
    domain=[('route_speed', '>', 0)])
route_service_minutes = fields.Integer(
    "Default Service Time", required=True,
    domain=[('route_service_minutes', '>', 0)],
    help="In minutes: the time of a visit without repair plan, "
    "unless its kind has its own.")
route_change_cost = fields.Float(
    "Change Cost", required=True, digits=(16, 1),
    domain=[('route_change_cost', '>=', 0)],
    help="In kilometres: what moving a visit already announced to the "
    "customer costs when the day is planned again.")
route_arrival_margin = fields.Integer(
    "Arrival Margin", required=True,
    domain=[('route_arrival_margin', '>', 0)],
    help="In minutes: the customer is told the planned arrival "
    "this much earlier to this much later.")


def kind_service_minutes(name, string):
    return fields.Integer(
        string,
        domain=['OR',
            (name, '=', None),
            (name, '>', 0),
            ],
        help="In minutes: the time of a visit of this kind without repair "
        "plan; empty for the default service time.")


route_repair_minutes = kind_service_minutes(
    'route_repair_minutes', "Repair Time")
route_installation_minutes = kind_service_minutes(
    'route_installation_minutes', "Installation Time")
route_maintenance_minutes = kind_service_minutes(
    'route_maintenance_minutes', "Maintenance Time")


def default_func(field_name):
    @classmethod
    def default(cls, **pattern):
        return getattr(
            cls.multivalue_model(field_name),
            'default_%s' % field_name, lambda: None)()
    return default


class Configuration(CompanyMultiValueMixin, metaclass=PoolMeta):
    __name__ = 'appliance.configuration'

    route_time_limit = fields.MultiValue(route_time_limit)
    route_shift_start = fields.MultiValue(route_shift_start)
    route_shift_end = fields.MultiValue(route_shift_end)
    route_detour = fields.MultiValue(route_detour)
    route_speed = fields.MultiValue(route_speed)
    route_service_minutes = fields.MultiValue(route_service_minutes)
    route_change_cost = fields.MultiValue(route_change_cost)
    route_arrival_margin = fields.MultiValue(route_arrival_margin)
    route_repair_minutes = fields.MultiValue(route_repair_minutes)
    route_installation_minutes = fields.MultiValue(
        route_installation_minutes)
    route_maintenance_minutes = fields.MultiValue(route_maintenance_minutes)

    @classmethod
    def multivalue_model(cls, field):
        pool = Pool()
        if field in ROUTE_FIELDS:
            return pool.get('appliance.configuration.route')
        return super().multivalue_model(field)

    default_route_time_limit = default_func('route_time_limit')
    default_route_shift_start = default_func('route_shift_start')
    default_route_shift_end = default_func('route_shift_end')
    default_route_detour = default_func('route_detour')
    default_route_speed = default_func('route_speed')
    default_route_service_minutes = default_func('route_service_minutes')
    default_route_change_cost = default_func('route_change_cost')
    default_route_arrival_margin = default_func('route_arrival_margin')

    def route_settings(self, company):
        "Return {name: value} of the route settings of company"
        return {name: self.get_multivalue(name, company=company.id)
            for name in ROUTE_FIELDS}


class ConfigurationRoute(ModelSQL, CompanyValueMixin):
    "Appliance configuration route planning"
    __name__ = 'appliance.configuration.route'

    route_time_limit = route_time_limit
    route_shift_start = route_shift_start
    route_shift_end = route_shift_end
    route_detour = route_detour
    route_speed = route_speed
    route_service_minutes = route_service_minutes
    route_change_cost = route_change_cost
    route_arrival_margin = route_arrival_margin
    route_repair_minutes = route_repair_minutes
    route_installation_minutes = route_installation_minutes
    route_maintenance_minutes = route_maintenance_minutes

    @classmethod
    def default_route_time_limit(cls):
        return 10.

    @classmethod
    def default_route_shift_start(cls):
        return dt.time(8)

    @classmethod
    def default_route_shift_end(cls):
        # the evening slots end at 20:00
        return dt.time(21)

    @classmethod
    def default_route_detour(cls):
        return DEFAULT_DETOUR

    @classmethod
    def default_route_speed(cls):
        return DEFAULT_SPEED_KMH

    @classmethod
    def default_route_service_minutes(cls):
        return 60

    @classmethod
    def default_route_change_cost(cls):
        return 30.

    @classmethod
    def default_route_arrival_margin(cls):
        return 15

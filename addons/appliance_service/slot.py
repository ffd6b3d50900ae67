# This file is part of the appliance_service module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
import datetime as dt

from sql.operators import Equal, Not

from trytond.i18n import gettext
from trytond.model import (
    Check, DeactivableMixin, Exclude, Index, ModelSQL, ModelView, Unique,
    fields)
from trytond.pyson import Eval

from .exceptions import SlotFullError, SlotPastError
from .local_time import local_now, utc_datetime


class Region(DeactivableMixin, ModelSQL, ModelView):
    "Service region"
    __name__ = 'appliance.service.region'

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    subdivisions = fields.Many2Many(
        'appliance.service.region-country.subdivision', 'region',
        'subdivision', "Subdivisions",
        help="The provinces or cities the region serves.")
    cities = fields.Text(
        "Cities", help="One city per line; leave empty for all the cities "
        "of the subdivisions.")
    engineers = fields.Many2Many(
        'appliance.engineer-service.region', 'region', 'employee',
        "Engineers", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('code_unique', Unique(t, t.code),
                'appliance_service.msg_region_code_unique'),
            ]

    @property
    def city_names(self):
        return {c.strip() for c in (self.cities or '').splitlines()
            if c.strip()}

    def covers(self, address):
        if not address or not address.subdivision:
            return False
        subdivision = address.subdivision
        covered = set(self.subdivisions)
        while subdivision:
            if subdivision in covered:
                break
            subdivision = subdivision.parent
        else:
            return False
        return not self.city_names or (address.city in self.city_names)

    @classmethod
    def find_for_address(cls, address):
        for region in cls.search([]):
            if region.covers(address):
                return region


class RegionSubdivision(ModelSQL):
    "Service region subdivision"
    __name__ = 'appliance.service.region-country.subdivision'

    region = fields.Many2One(
        'appliance.service.region', "Region", required=True,
        ondelete='CASCADE')
    subdivision = fields.Many2One(
        'country.subdivision', "Subdivision", required=True,
        ondelete='CASCADE')


class Slot(ModelSQL, ModelView):
    "Appointment slot"
    __name__ = 'appliance.slot'

    region = fields.Many2One(
        'appliance.service.region', "Region", required=True,
        ondelete='CASCADE')
    date = fields.Date("Date", required=True)
    start_time = fields.Time("Start", required=True)
    end_time = fields.Time(
        "End", required=True,
        domain=[('end_time', '>', Eval('start_time'))])
    capacity = fields.Integer(
        "Capacity", required=True,
        domain=[('capacity', '>=', Eval('booked', 0))],
        help="How many visits can be booked in the window.")
    booked = fields.Integer("Booked", readonly=True)
    available = fields.Function(
        fields.Integer("Available"), 'get_available',
        searcher='search_available')
    past = fields.Function(
        fields.Boolean(
            "Past", help="The window is over in the time zone of the "
            "company: the slot is no longer offered."),
        'get_past', searcher='search_past')
    work_orders = fields.One2Many(
        'appliance.work_order', 'slot', "Work Orders", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('booked_capacity', Check(t, t.booked <= t.capacity),
                'appliance_service.msg_slot_full_constraint'),
            ('booked_positive', Check(t, t.booked >= 0),
                'appliance_service.msg_slot_full_constraint'),
            ('window_unique', Exclude(t,
                    (t.region, Equal), (t.date, Equal),
                    (t.start_time, Equal)),
                'appliance_service.msg_slot_unique'),
            ]
        cls._sql_indexes.add(Index(t,
                (t.region, Index.Equality()),
                (t.date, Index.Range())))
        cls._order = [
            ('date', 'ASC'), ('start_time', 'ASC'), ('region', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def default_booked(cls):
        return 0

    @classmethod
    def default_capacity(cls):
        return 4

    def get_rec_name(self, name):
        return (f'{self.region.rec_name} {self.date} '
            f'{self.start_time:%H:%M}-{self.end_time:%H:%M}')

    def get_available(self, name):
        return self.capacity - (self.booked or 0)

    @classmethod
    def search_available(cls, name, clause):
        table = cls.__table__()
        _, operator, value = clause[:3]
        Operator = fields.SQL_OPERATORS[operator]
        query = table.select(table.id,
            where=Operator(table.capacity - table.booked, value))
        return [('id', 'in', query)]

    def get_past(self, name):
        return self.is_over()

    def is_over(self, timezone=None):
        "Tell if the window has ended on the clocks of timezone"
        return (dt.datetime.combine(self.date, self.end_time)
            <= local_now(timezone))

    @classmethod
    def search_past(cls, name, clause):
        table = cls.__table__()
        _, operator, value = clause[:3]
        now = local_now().replace(microsecond=0)
        over = ((table.date < now.date())
            | ((table.date == now.date()) & (table.end_time <= now.time())))
        if (operator == '=') != bool(value):
            over = Not(over)
        return [('id', 'in', table.select(table.id, where=over))]

    def window(self, timezone=None):
        "Return the start and end of the window in UTC"
        return (utc_datetime(self.date, self.start_time, timezone),
            utc_datetime(self.date, self.end_time, timezone))

    @property
    def start(self):
        return self.window()[0]

    @property
    def end(self):
        return self.window()[1]

    @classmethod
    def book(cls, slot, timezone=None):
        """Take one place of slot, which must not be over on the clocks of
        timezone (the company's).

        The row is locked for the rest of the transaction and its counter
        written, so concurrent bookings of the last place serialise and all
        but the first fail; the check constraint on the table backs it up.
        """
        cls.lock([slot])
        values, = cls.read([slot.id], ['booked', 'capacity'])
        if slot.is_over(timezone):
            raise SlotPastError(gettext(
                    'appliance_service.msg_slot_past', slot=slot.rec_name))
        if values['booked'] >= values['capacity']:
            raise SlotFullError(gettext(
                    'appliance_service.msg_slot_full', slot=slot.rec_name))
        cls.write([slot], {'booked': values['booked'] + 1})

    @classmethod
    def release(cls, slot):
        cls.lock([slot])
        values, = cls.read([slot.id], ['booked'])
        cls.write([slot], {'booked': max(values['booked'] - 1, 0)})

    @classmethod
    def generate(cls, regions, start_date, end_date, windows, capacity):
        "Create the missing slots of regions for each day and window"
        existing = {(s.region.id, s.date, s.start_time) for s in cls.search([
                    ('region', 'in', [r.id for r in regions]),
                    ('date', '>=', start_date),
                    ('date', '<=', end_date),
                    ])}
        to_create = []
        date = start_date
        while date <= end_date:
            for region in regions:
                for start, end in windows:
                    if (region.id, date, start) in existing:
                        continue
                    to_create.append({
                            'region': region.id,
                            'date': date,
                            'start_time': start,
                            'end_time': end,
                            'capacity': capacity,
                            })
            date += dt.timedelta(days=1)
        return cls.create(to_create)

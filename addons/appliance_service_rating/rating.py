# This file is part of the appliance_service_rating module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""The customer's rating of a finished visit, given through a single-use
link that needs no login, on the engineer's device or on the portal."""
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.modules.appliance_service.local_time import utc_now
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import without_check_access

from .exceptions import RatingError

RATING_CHANNELS = [
    ('link', "Rating Link"),
    ('portal', "Customer Portal"),
    ('engineer', "Engineer Device"),
    ]
SCORES = ['overall', 'punctuality', 'attitude', 'quality']
# The path of the public rating page under the database
RATING_PATH = 'appliance/rating'


class Rating(ModelSQL, ModelView):
    "Work order rating"
    __name__ = 'appliance.work_order.rating'

    work_order = fields.Many2One(
        'appliance.work_order', "Work Order", required=True,
        ondelete='CASCADE',
        domain=[('state', '=', 'done')])
    company = fields.Function(
        fields.Many2One('company.company', "Company"),
        'on_change_with_company', searcher='search_work_order_field')
    customer = fields.Function(
        fields.Many2One('party.party', "Customer",
            context={
                'company': Eval('company', -1),
                },
            depends={'company'}),
        'on_change_with_customer', searcher='search_work_order_field')
    engineer = fields.Function(
        fields.Many2One('company.employee', "Engineer"),
        'on_change_with_engineer', searcher='search_work_order_field')
    overall = fields.Integer(
        "Overall", required=True, help="From 1 (very bad) to 5 (excellent).")
    punctuality = fields.Integer(
        "Punctuality", required=True,
        help="From 1 (very bad) to 5 (excellent).")
    attitude = fields.Integer(
        "Attitude", required=True, help="From 1 (very bad) to 5 (excellent).")
    quality = fields.Integer(
        "Quality", required=True, help="From 1 (very bad) to 5 (excellent).")
    comment = fields.Text("Comment")
    channel = fields.Selection(RATING_CHANNELS, "Channel", required=True)
    date = fields.DateTime("Date", required=True, readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('work_order_unique', Unique(t, t.work_order),
                'appliance_service_rating.msg_rating_unique'),
            ]
        cls._sql_indexes.add(Index(t, (t.date, Index.Range())))
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_channel(cls):
        return 'engineer'

    @classmethod
    def default_date(cls):
        return utc_now()

    @classmethod
    def default_overall(cls):
        return 5

    @classmethod
    def default_punctuality(cls):
        return 5

    @classmethod
    def default_attitude(cls):
        return 5

    @classmethod
    def default_quality(cls):
        return 5

    @fields.depends('work_order', '_parent_work_order.company')
    def on_change_with_company(self, name=None):
        if self.work_order:
            return self.work_order.company

    @fields.depends('work_order', '_parent_work_order.customer')
    def on_change_with_customer(self, name=None):
        if self.work_order:
            return self.work_order.customer

    @fields.depends('work_order', '_parent_work_order.engineer')
    def on_change_with_engineer(self, name=None):
        if self.work_order:
            return self.work_order.engineer

    @classmethod
    def search_work_order_field(cls, name, clause):
        nested = clause[0][len(name):]
        return [('work_order.' + name + nested, *clause[1:])]

    def get_rec_name(self, name):
        return f'{self.work_order.rec_name} ({self.overall}/5)'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('work_order.rec_name', *clause[1:])]

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            values['date'] = utc_now()
            if values.get('work_order') is not None:
                cls.check_rateable(values['work_order'])
        return values

    @classmethod
    def check_rateable(cls, order_id):
        """Refuse to rate an order that is not done or already rated.

        The order is locked so that two ratings sent at once queue up."""
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        order = WorkOrder(order_id)
        WorkOrder.lock([order])
        if cls.search([('work_order', '=', order.id)], limit=1):
            raise RatingError(gettext(
                    'appliance_service_rating.msg_rating_twice',
                    order=order.rec_name))
        if order.state != 'done':
            raise RatingError(gettext(
                    'appliance_service_rating.msg_rating_not_done',
                    order=order.rec_name,
                    state=order.state_string))

    @classmethod
    def check_modification(cls, mode, ratings, values=None, external=False):
        super().check_modification(
            mode, ratings, values=values, external=external)
        if mode == 'write' and 'work_order' in (values or {}):
            raise RatingError(gettext(
                    'appliance_service_rating.msg_rating_move',
                    rating=', '.join(r.rec_name for r in ratings)))

    @classmethod
    def validate_fields(cls, ratings, field_names):
        super().validate_fields(ratings, field_names)
        if field_names and not (field_names & set(SCORES)):
            return
        for rating in ratings:
            for name in SCORES:
                value = getattr(rating, name)
                if value is None or not 1 <= value <= 5:
                    raise RatingError(gettext(
                            'appliance_service_rating.msg_rating_score',
                            score=cls.__names__(name)['field'],
                            value=value if value is not None else ''))

    @classmethod
    def on_modification(cls, mode, ratings, field_names=None):
        pool = Pool()
        WorkOrder = pool.get('appliance.work_order')
        super().on_modification(mode, ratings, field_names=field_names)
        if mode == 'create':
            # A rated order needs its link no more, whoever rated
            with without_check_access():
                orders = WorkOrder.browse([r.work_order.id for r in ratings])
                WorkOrder.write(orders, {
                        'rating_token': None,
                        'rating_token_expiry': None,
                        })
                for rating in ratings:
                    WorkOrder.log_event([rating.work_order],
                        'appliance_service_rating.msg_event_rated',
                        overall=rating.overall)

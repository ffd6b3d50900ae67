# This file is part of the appliance_service_rating module.  The COPYRIGHT
# file at the top level of this repository contains the full copyright
# notices and license terms.
"""The rating link of the work orders and their follow-ups."""
import datetime as dt
import secrets
import urllib.parse

from trytond.i18n import gettext
from trytond.model import Index, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction
from trytond.url import http_base

from .exceptions import RatingError
from .rating import RATING_PATH, SCORES


class WorkOrder(metaclass=PoolMeta):
    __name__ = 'appliance.work_order'

    ratings = fields.One2Many(
        'appliance.work_order.rating', 'work_order', "Rating", size=1,
        states={
            'readonly': Eval('state') != 'done',
            },
        help="The customer rates a finished visit once.")
    rating_overall = fields.Function(
        fields.Integer("Overall Rating"), 'get_rating_overall')
    # Lazy: read only on purpose, staff have no read access (rating.xml)
    rating_token = fields.Char(
        "Rating Token", readonly=True, strip=False, loading='lazy',
        help="The secret of the single-use rating link.")
    rating_token_expiry = fields.DateTime(
        "Rating Link Expiry", readonly=True)
    rating_url = fields.Function(
        fields.Char("Rating Link", loading='lazy'), 'get_rating_url')
    follow_ups = fields.One2Many(
        'appliance.follow_up', 'work_order', "Follow-ups", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.rating_token, Index.Equality()),
                where=t.rating_token != None))  # noqa: E711
        cls._buttons.update({
                'request_rating': {
                    'invisible': ((Eval('state') != 'done')
                        | Eval('ratings', [0])),
                    'depends': ['state', 'ratings'],
                    },
                })

    @classmethod
    def copy(cls, orders, default=None):
        default = default.copy() if default is not None else {}
        for name in ['ratings', 'rating_token', 'rating_token_expiry',
                'follow_ups']:
            default.setdefault(name, None)
        return super().copy(orders, default=default)

    def get_rating_overall(self, name):
        for rating in self.ratings:
            return rating.overall

    def get_rating_url(self, name):
        if not self.rating_token:
            return None
        database = Transaction().database.name
        return '/'.join([
                http_base().rstrip('/'),
                urllib.parse.quote(database),
                RATING_PATH,
                self.rating_token,
                ])

    @classmethod
    def issue_rating_tokens(cls, orders):
        "Give each order a new single-use rating link"
        pool = Pool()
        Configuration = pool.get('appliance.configuration')
        days = Configuration(1).rating_link_days
        expiry = cls._now() + dt.timedelta(days=days)
        to_write = []
        for order in orders:
            to_write.extend(([order], {
                        'rating_token': secrets.token_urlsafe(32),
                        'rating_token_expiry': expiry,
                        }))
        if to_write:
            cls.write(*to_write)

    @classmethod
    def process_done(cls, orders):
        "Ask the customers for a rating and plan the follow-ups"
        pool = Pool()
        FollowUp = pool.get('appliance.follow_up')
        super().process_done(orders)
        cls.issue_rating_tokens([o for o in orders if not o.ratings])
        FollowUp.create_for_orders(orders)

    @classmethod
    @ModelView.button
    def request_rating(cls, orders):
        "Send the customer a new rating link"
        for order in orders:
            if order.state != 'done' or order.ratings:
                raise RatingError(gettext(
                        'appliance_service_rating.msg_rating_not_requestable',
                        order=order.rec_name))
        # Clear first so that the rating request triggers again
        cls.write(orders, {
                'rating_token': None,
                'rating_token_expiry': None,
                })
        cls.issue_rating_tokens(orders)

    @classmethod
    def find_by_rating_token(cls, token):
        """Return the order whose rating link is token and its status:
        'valid', 'expired' or 'unknown' (never issued or already used)."""
        if not token:
            return None, 'unknown'
        orders = cls.search([
                ('rating_token', '=', token),
                ], limit=1)
        if not orders:
            return None, 'unknown'
        order, = orders
        # Compare in constant time all the same
        if not secrets.compare_digest(order.rating_token, token):
            return None, 'unknown'
        if (not order.rating_token_expiry
                or order.rating_token_expiry < cls._now()):
            return order, 'expired'
        return order, 'valid'

    @classmethod
    def rate(cls, order, scores, channel='engineer', comment=None):
        """Record the customer's rating of order.

        scores maps overall, punctuality, attitude and quality to 1 to 5;
        overall is required, the others default to it.
        """
        pool = Pool()
        Rating = pool.get('appliance.work_order.rating')
        values = {
            'work_order': order.id,
            'channel': channel,
            'comment': comment or scores.get('comment'),
            }
        overall = scores.get('overall')
        for name in SCORES:
            values[name] = scores.get(name) or overall
        rating, = Rating.create([values])
        return rating

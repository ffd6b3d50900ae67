# This file is part of the appliance_service_rating module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""The public page where a customer rates a finished visit through the
single-use link of the rating request email; it needs no login.

The page is the Genshi template rating_page.html, rendered and translated
like the email templates (report appliance.work_order.rating_page); the
rating is recorded by appliance.work_order.rate, as on the portal and the
engineer's device."""
import logging

from trytond.pool import Pool
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, with_pool, with_transaction)
from trytond.report import Report
from trytond.transaction import Transaction
from trytond.wsgi import app

from .exceptions import RatingError
from .rating import RATING_PATH, SCORES

logger = logging.getLogger(__name__)
COMMENT_SIZE = 2000


class RatingPage(Report):
    "The page of the rating link"
    __name__ = 'appliance.work_order.rating_page'

    @classmethod
    def get_context(cls, records, header, data):
        context = super().get_context(records, header, data)
        context['page'] = data.get('page', 'form')
        context['values'] = data.get('values') or {}
        context['error'] = data.get('error', False)
        context['lang'] = (Transaction().context.get('language')
            or 'en').replace('_', '-')
        return context


def _activated(pool):
    "Whether the module rates the visits of the database"
    try:
        pool.get('appliance.work_order.rating_page', type='report')
    except KeyError:
        return False
    return True


def _language(order, request):
    pool = Pool()
    Lang = pool.get('ir.lang')
    if order and order.customer.lang:
        return order.customer.lang.code
    codes = [lang.code for lang in Lang.search([('translatable', '=', True)])]
    best = request.accept_languages.best_match(
        [c.replace('_', '-') for c in codes])
    return best.replace('-', '_') if best else None


def _page(order, status=HTTPStatus.OK, **data):
    "Render the page of order (none for the messages) with data"
    pool = Pool()
    Page = pool.get('appliance.work_order.rating_page', type='report')
    _, content, _, _ = Page.execute([order.id] if order else [], data)
    return Response(
        content, status=status, content_type='text/html; charset=utf-8',
        headers={
            'Cache-Control': 'no-store',
            'Referrer-Policy': 'no-referrer',
            'X-Robots-Tag': 'noindex',
            'Content-Security-Policy': (
                "default-src 'none'; style-src 'unsafe-inline'; "
                "form-action 'self'"),
            })


def _parse_scores(form):
    "Return the scores of form or None when one is missing or invalid"
    scores = {}
    for name in SCORES:
        try:
            value = int(form.get(name, ''))
        except ValueError:
            return None
        if not 1 <= value <= 5:
            return None
        scores[name] = value
    return scores


@app.route(
    f'/<database_name>/{RATING_PATH}/<token>', methods={'GET', 'POST'})
@with_pool
@with_transaction()
def appliance_rating(request, pool, token):
    WorkOrder = pool.get('appliance.work_order')
    transaction = Transaction()
    if not _activated(pool):
        abort(HTTPStatus.NOT_FOUND)

    order, status = WorkOrder.find_by_rating_token(token)
    language = _language(order, request)
    with transaction.set_context(language=language):
        if status == 'unknown':
            return _page(None, HTTPStatus.NOT_FOUND, page='invalid')
        elif status == 'expired':
            return _page(None, HTTPStatus.GONE, page='expired')

        if request.method == 'GET':
            return _page(order)

        form = request.form
        values = {name: form.get(name) for name in SCORES}
        values['comment'] = (form.get('comment') or '').strip()[
            :COMMENT_SIZE]
        scores = _parse_scores(form)
        if scores is None:
            return _page(order, HTTPStatus.BAD_REQUEST, values=values,
                error=True)
        try:
            # The order is locked: of two uses of the link at once, the
            # second finds the rating of the first
            WorkOrder.rate(
                order, scores, channel='link', comment=values['comment'])
        except RatingError as exception:
            transaction.rollback()
            logger.info("Rating of %s refused: %s", order.id, exception)
            return _page(None, HTTPStatus.CONFLICT, page='invalid')
        return _page(None, page='thanks')

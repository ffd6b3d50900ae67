# This file is part of the appliance_service_rating module.  The COPYRIGHT file
# at the top level of this repository contains the full copyright notices and
# license terms.
"""The public page where a customer rates a finished visit through the
single-use link of the rating request email; it needs no login."""
import html
import logging

from trytond.i18n import gettext
from trytond.pool import Pool
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

from .exceptions import RatingError
from .rating import RATING_PATH, SCORES

logger = logging.getLogger(__name__)

_SCORE_MESSAGES = {
    'overall': 'appliance_service_rating.msg_rating_page_overall',
    'punctuality': 'appliance_service_rating.msg_rating_page_punctuality',
    'attitude': 'appliance_service_rating.msg_rating_page_attitude',
    'quality': 'appliance_service_rating.msg_rating_page_quality',
    }
_STYLE = """
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",
sans-serif;margin:0;background:#f4f6f8;color:#1f2933}
main{max-width:32rem;margin:0 auto;padding:1.5rem 1rem}
h1{font-size:1.4rem}
.card{background:#fff;border-radius:.5rem;padding:1rem;margin:1rem 0;
box-shadow:0 1px 3px rgba(0,0,0,.1)}
fieldset{border:0;margin:0 0 1rem;padding:0}
legend{font-weight:600;margin-bottom:.4rem}
.scores{display:flex;gap:.4rem}
.scores label{flex:1;text-align:center;border:1px solid #cbd2d9;
border-radius:.4rem;padding:.6rem 0;cursor:pointer}
.scores input{display:block;margin:0 auto .2rem}
textarea{width:100%;box-sizing:border-box;min-height:5rem}
button{width:100%;padding:.8rem;font-size:1rem;border:0;border-radius:.4rem;
background:#1a73e8;color:#fff}
.error{color:#b00020;font-weight:600}
"""


def _activated(pool):
    "Whether the module rates the visits of the database"
    Module = pool.get('ir.module')
    return bool(Module.search([
                ('name', '=', 'appliance_service_rating'),
                ('state', '=', 'activated'),
                ], limit=1))


def _language(order, request):
    pool = Pool()
    Lang = pool.get('ir.lang')
    if order and order.customer.lang:
        return order.customer.lang.code
    codes = [lang.code for lang in Lang.search([('translatable', '=', True)])]
    best = request.accept_languages.best_match(
        [c.replace('_', '-') for c in codes])
    return best.replace('-', '_') if best else None


def _page(language, title, body, status=HTTPStatus.OK):
    lang = html.escape((language or 'en').replace('_', '-'))
    content = (
        '<!DOCTYPE html>\n'
        f'<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>{html.escape(title)}</title><style>{_STYLE}</style></head>'
        f'<body><main><h1>{html.escape(title)}</h1>{body}</main></body>'
        '</html>')
    return Response(
        content, status=status, content_type='text/html; charset=utf-8',
        headers={
            'Cache-Control': 'no-store',
            'Referrer-Policy': 'no-referrer',
            'X-Robots-Tag': 'noindex',
            })


def _message_page(language, message_id, status, **variables):
    title = gettext('appliance_service_rating.msg_rating_page_title')
    text = gettext(message_id, **variables)
    return _page(language, title,
        f'<div class="card"><p>{html.escape(text)}</p></div>', status)


def _form_page(order, language, values=None, error=None,
        status=HTTPStatus.OK):
    values = values or {}
    title = gettext('appliance_service_rating.msg_rating_page_title')
    intro = gettext('appliance_service_rating.msg_rating_page_intro',
        order=order.rec_name,
        engineer=order.engineer.party.name if order.engineer else '',
        appliance=order.appliance.rec_name if order.appliance else '')
    parts = [f'<p>{html.escape(intro)}</p>']
    if error:
        parts.append(f'<p class="error" role="alert">{html.escape(error)}</p>')
    parts.append('<form method="post" class="card">')
    for name in SCORES:
        label = gettext(_SCORE_MESSAGES[name])
        parts.append(
            f'<fieldset><legend>{html.escape(label)}</legend>'
            '<div class="scores">')
        for score in range(1, 6):
            checked = ' checked' if str(values.get(name)) == str(score) else ''
            required = ' required' if score == 1 else ''
            parts.append(
                f'<label><input type="radio" name="{name}" value="{score}"'
                f'{checked}{required}>{score}</label>')
        parts.append('</div></fieldset>')
    comment_label = gettext('appliance_service_rating.msg_rating_page_comment')
    comment = html.escape(values.get('comment') or '')
    parts.append(
        f'<label for="comment">{html.escape(comment_label)}</label>'
        f'<textarea id="comment" name="comment" maxlength="2000">'
        f'{comment}</textarea>')
    submit = gettext('appliance_service_rating.msg_rating_page_submit')
    parts.append(
        f'<p><button type="submit">{html.escape(submit)}</button></p>'
        '</form>')
    return _page(language, title, ''.join(parts), status)


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
            return _message_page(language,
                'appliance_service_rating.msg_rating_page_invalid',
                HTTPStatus.NOT_FOUND)
        elif status == 'expired':
            return _message_page(language,
                'appliance_service_rating.msg_rating_page_expired',
                HTTPStatus.GONE)

        if request.method == 'GET':
            return _form_page(order, language)

        form = request.form
        values = {name: form.get(name) for name in SCORES}
        values['comment'] = (form.get('comment') or '').strip()[:2000]
        scores = _parse_scores(form)
        if scores is None:
            return _form_page(order, language, values,
                error=gettext(
                    'appliance_service_rating.msg_rating_page_scores'),
                status=HTTPStatus.BAD_REQUEST)
        # Serialise concurrent uses of the same link
        WorkOrder.lock([order])
        order, status = WorkOrder.find_by_rating_token(token)
        if status != 'valid':
            return _message_page(language,
                'appliance_service_rating.msg_rating_page_invalid',
                HTTPStatus.NOT_FOUND)
        try:
            WorkOrder.rate(
                order, scores, channel='link', comment=values['comment'])
        except RatingError as exception:
            transaction.rollback()
            logger.info("Rating of %s refused: %s", order.id, exception)
            return _message_page(language,
                'appliance_service_rating.msg_rating_page_invalid',
                HTTPStatus.CONFLICT)
        return _message_page(language,
            'appliance_service_rating.msg_rating_page_thanks', HTTPStatus.OK)

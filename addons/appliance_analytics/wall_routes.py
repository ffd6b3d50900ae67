# This file is part of the appliance_analytics module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The wall screen and the fault heatmap pages served by trytond to the
Service Managers logged in the web client (session cookie) or with HTTP
basic authentication.  The charts are drawn by ECharts, installed with npm
in wall/node_modules (`make wall`) and served from there: no CDN."""
import datetime as dt
import html
import json
import os

from trytond.config import config
from trytond.protocols.jsonrpc import JSONEncoder
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app

WALL_DIRECTORY = os.path.join(os.path.dirname(__file__), 'wall')
ASSETS = {
    'wall.js': ('wall.js', 'text/javascript'),
    'wall.css': ('wall.css', 'text/css'),
    'heatmap.css': ('heatmap.css', 'text/css'),
    'echarts.min.js': (
        os.path.join('node_modules', 'echarts', 'dist', 'echarts.min.js'),
        'text/javascript'),
    }
DEFAULT_LANGUAGE = 'zh_CN'


def assets_directory():
    "Where the files of the page are, the npm packages in node_modules"
    return config.get(
        'appliance_analytics', 'wall_directory', default=WALL_DIRECTORY)


def _activated(pool):
    Module = pool.get('ir.module')
    return bool(Module.search([
                ('name', '=', 'appliance_analytics'),
                ('state', '=', 'activated'),
                ], limit=1))


def _company_context(pool, request):
    """Set the context of the user of the request, the language of the page
    and check the user may see the wall screen; return the company"""
    User = pool.get('res.user')
    ModelAccess = pool.get('ir.model.access')
    if not _activated(pool):
        abort(HTTPStatus.NOT_FOUND)
    transaction = Transaction()
    context = User(transaction.user).get_preferences(context_only=True)
    context['language'] = request.args.get('lang') or DEFAULT_LANGUAGE
    transaction.set_context(context)
    if not ModelAccess.check(
            'appliance.analytics.wall', 'read', raise_exception=False):
        abort(HTTPStatus.FORBIDDEN)
    company = User(transaction.user).company
    if not company:
        abort(HTTPStatus.NOT_FOUND)
    return company


def _headers():
    return {
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Content-Security-Policy': (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'self'"),
        }


def _page(language, title, body, scripts=(), styles=()):
    lang = html.escape(language.replace('_', '-'))
    head = ''.join(
        f'<link rel="stylesheet" href="assets/{html.escape(s)}">'
        for s in styles)
    tail = ''.join(
        f'<script src="assets/{html.escape(s)}"></script>' for s in scripts)
    content = (
        '<!DOCTYPE html>\n'
        f'<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        # No icon: else the browser asks trytond for /favicon.ico (405)
        '<link rel="icon" href="data:,">'
        f'<title>{html.escape(title)}</title>{head}</head>'
        f'<body>{body}{tail}</body></html>')
    return Response(content, content_type='text/html; charset=utf-8',
        headers=_headers())


def _json_script(element_id, value):
    "A JSON value in the page, safe inside a script element"
    text = json.dumps(value, cls=JSONEncoder, ensure_ascii=False).replace(
        '<', '\\u003c').replace('>', '\\u003e').replace('&', '\\u0026')
    return (f'<script type="application/json" id="{element_id}">'
        f'{text}</script>')


@app.route('/<database_name>/appliance/wall/', methods=['GET'])
@app.auth_required
@with_pool
@with_transaction(user='request')
def wall(request, pool):
    Wall = pool.get('appliance.analytics.wall')
    company = _company_context(pool, request)
    labels = Wall.labels()
    language = Transaction().context['language']
    body = (
        _json_script('labels', labels)
        + '<header><h1>' + html.escape(labels['title']) + '</h1>'
        + f'<span id="company">{html.escape(company.rec_name)}</span>'
        + '<span id="updated"></span></header>'
        + '<main id="wall"></main>')
    return _page(language, labels['title'], body,
        scripts=['echarts.min.js', 'wall.js'], styles=['wall.css'])


@app.route('/<database_name>/appliance/wall/data.json', methods=['POST'])
@app.auth_required
@with_pool
@with_transaction(user='request')
def wall_data(request, pool):
    "The figures of the wall screen; POST: the daily summary is updated"
    Wall = pool.get('appliance.analytics.wall')
    company = _company_context(pool, request)
    data = Wall.data(company)
    return Response(
        json.dumps(data, cls=JSONEncoder, ensure_ascii=False),
        content_type='application/json; charset=utf-8', headers=_headers())


@app.route('/<database_name>/appliance/wall/ping', methods=['GET'])
@app.auth_required
@with_pool
@with_transaction(user='request')
def wall_ping(request, pool):
    "A trivial request of the same path, for the benchmark"
    return Response('{}', content_type='application/json',
        headers=_headers())


@app.route('/<database_name>/appliance/wall/assets/<name>', methods=['GET'])
@app.route('/<database_name>/appliance/heatmap/assets/<name>',
    methods=['GET'])
def wall_asset(request, database_name, name):
    if name not in ASSETS:
        abort(HTTPStatus.NOT_FOUND)
    path, mimetype = ASSETS[name]
    path = os.path.join(assets_directory(), path)
    if not os.path.isfile(path):
        abort(HTTPStatus.NOT_FOUND)
    with open(path, 'rb') as file:
        content = file.read()
    return Response(content, content_type=mimetype + '; charset=utf-8',
        headers={
            'Cache-Control': 'public, max-age=3600',
            'X-Content-Type-Options': 'nosniff',
            })


@app.route('/<database_name>/appliance/heatmap/', methods=['GET'])
@app.auth_required
@with_pool
@with_transaction(user='request')
def heatmap(request, pool):
    """The repairs per 1,000 installed appliances per province and month
    as a grid; each cell links to its orders in the web client"""
    Wall = pool.get('appliance.analytics.wall')
    company = _company_context(pool, request)
    labels = Wall.labels()
    try:
        today = dt.date.fromisoformat(request.args['date'])
    except (KeyError, ValueError):
        today = None
    Daily = pool.get('appliance.analytics.daily')
    Daily.update()
    from .common import company_today
    data = Wall.heatmap(company, today or company_today(company.id))
    rates = [c['rate'] for c in data['cells'] if c['rate'] is not None]
    top = max(rates) if rates else 0
    rows = []
    for y, province in enumerate(data['provinces']):
        cells = [c for c in data['cells'] if c['y'] == y]
        tds = []
        for cell in cells:
            level = int(cell['rate'] / top * 9) if (
                top and cell['rate'] is not None) else 0
            text = '' if cell['rate'] is None else '%.1f' % cell['rate']
            title = '%s: %s, %s: %s' % (
                labels['repairs'], cell['repairs'],
                labels['installed'], cell['installed'])
            tds.append(
                f'<td class="level-{level}">'
                f'<a href="{html.escape(cell["url"])}" target="_blank" '
                f'title="{html.escape(title)}">{html.escape(text)}</a></td>')
        rows.append(f'<tr><th>{html.escape(province)}</th>'
            + ''.join(tds) + '</tr>')
    header = ''.join(f'<th>{html.escape(m)}</th>' for m in data['months'])
    body = (f'<h1>{html.escape(labels["heatmap"])}</h1>'
        f'<p>{html.escape(company.rec_name)} · {html.escape(labels["rate"])}'
        '</p><table class="heatmap"><thead><tr><th></th>'
        f'{header}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    return _page(Transaction().context['language'], labels['heatmap'], body,
        styles=['heatmap.css'])

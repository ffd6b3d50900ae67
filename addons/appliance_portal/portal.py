# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The customer portal and the engineer pages: static files served by
trytond that work only through the JSON API (no second implementation of
the rules)."""
import mimetypes
import os

from trytond.protocols.wrappers import HTTPStatus, Response, abort, redirect
from trytond.tools import safe_join
from trytond.wsgi import app

from .api import ApiError, get_pool

STATIC = os.path.join(os.path.dirname(__file__), 'static')
APPS = {'portal', 'engineer'}


def _serve(request, database_name, app_name, filename):
    try:
        get_pool(request, database_name)
    except ApiError:
        abort(HTTPStatus.NOT_FOUND)
    directory = os.path.join(STATIC, app_name)
    path = safe_join(directory, filename or 'index.html')
    if not path or not os.path.isfile(path):
        abort(HTTPStatus.NOT_FOUND)
    mimetype = mimetypes.guess_type(path)[0] or 'application/octet-stream'
    with open(path, 'rb') as file:
        data = file.read()
    response = Response(data, mimetype=mimetype)
    if mimetype.startswith('text/') or mimetype.endswith('javascript'):
        response.charset = 'utf-8'
    response.headers['Cache-Control'] = 'no-cache'
    response.headers['X-Content-Type-Options'] = 'nosniff'
    if filename in {None, 'index.html'}:
        response.headers['Content-Security-Policy'] = (
            "default-src 'self'; img-src 'self' data: blob:; "
            "style-src 'self'; script-src 'self'")
    return response


@app.route('/<database_name>/portal', methods=['GET'])
@app.route('/<database_name>/engineer', methods=['GET'])
def app_root(request, database_name):
    return redirect(request.path + '/')


@app.route('/<database_name>/portal/', methods=['GET'])
@app.route('/<database_name>/portal/<path:filename>', methods=['GET'])
def portal(request, database_name, filename=None):
    return _serve(request, database_name, 'portal', filename)


@app.route('/<database_name>/engineer/', methods=['GET'])
@app.route('/<database_name>/engineer/<path:filename>', methods=['GET'])
def engineer(request, database_name, filename=None):
    return _serve(request, database_name, 'engineer', filename)

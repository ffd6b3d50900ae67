# This file is part of the appliance_portal module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""The customer portal and the engineer pages: static files served by
trytond that work only through the JSON API (no second implementation of
the rules)."""
import os

from werkzeug.exceptions import NotFound
from werkzeug.utils import send_from_directory

from trytond.protocols.wrappers import HTTPStatus, Response, abort, redirect
from trytond.wsgi import app

from .api import ApiError, get_pool

STATIC = os.path.join(os.path.dirname(__file__), 'static')
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; "
    "style-src 'self'; script-src 'self'")


def _serve(request, database_name, app_name, filename):
    "The file of app_name with ETag and 304 answers (werkzeug's)"
    try:
        get_pool(request, database_name)
    except ApiError:
        abort(HTTPStatus.NOT_FOUND)
    try:
        response = send_from_directory(
            os.path.join(STATIC, app_name), filename or 'index.html',
            request.environ, max_age=0, response_class=Response)
    except NotFound:
        abort(HTTPStatus.NOT_FOUND)
    response.headers['Cache-Control'] = 'no-cache'
    response.headers['X-Content-Type-Options'] = 'nosniff'
    if response.mimetype == 'text/html':
        response.headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY
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

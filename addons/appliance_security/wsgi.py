# This file is part of the appliance_security module.  The COPYRIGHT file at
# the top level of this repository contains the full copyright notices and
# license terms.
"""What trytond does not tell the models about the request.

The middleware wraps trytond's WSGI application (outside werkzeug's ProxyFix,
which only rewrites the addresses) and keeps, for the time of the request,
the user agent and the key of the session the request authenticates with.
"""
import contextvars
from dataclasses import dataclass

from werkzeug.wrappers import Request

from trytond.protocols.wrappers import (
    TRYTON_SESSION_COOKIE, decode_session_cookie, parse_authorization_header)

USER_AGENT_SIZE = 512


@dataclass(frozen=True)
class RequestInfo:
    user_agent: str = None
    session_key: str = None


_current = contextvars.ContextVar('appliance_security_request', default=None)


def current():
    "Return the RequestInfo of the request being served or an empty one"
    return _current.get() or RequestInfo()


def _session_key(request):
    cookie = request.cookies.get(TRYTON_SESSION_COOKIE)
    if cookie:
        try:
            return decode_session_cookie(cookie)[2]
        except (ValueError, IndexError):
            return None
    authorization = parse_authorization_header(
        request.headers.get('Authorization'))
    if authorization is not None and authorization.type == 'session':
        return authorization.get('session')


def request_info(environ):
    request = Request(environ, populate_request=False, shallow=True)
    user_agent = request.headers.get('User-Agent') or None
    if user_agent:
        user_agent = user_agent[:USER_AGENT_SIZE]
    return RequestInfo(
        user_agent=user_agent, session_key=_session_key(request))


class RequestInfoMiddleware:

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        # trytond answers the whole request before it returns the body
        token = _current.set(request_info(environ))
        try:
            return self.app(environ, start_response)
        finally:
            _current.reset(token)


def install(app=None):
    "Wrap trytond's WSGI application once"
    if app is None:
        from trytond.wsgi import app
    if not isinstance(app.wsgi_app, RequestInfoMiddleware):
        app.wsgi_app = RequestInfoMiddleware(app.wsgi_app)

"""Lean request paths: Django's WSGI handler with part of settings.MIDDLEWARE, for requests that need no more.

gridwork/wsgi.py hands a request to a lean handler when its route says so (layers/lean.py: public vector tiles;
cases/lean.py: an Open311 POST); everything else goes through the full stack. A lean handler has the same URLconf
and views; it runs the middlewares it is given, in the order settings.MIDDLEWARE has them.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.utils.module_loading import import_string


class LeanHandler(WSGIHandler):
    """`keep(path)` says which of settings.MIDDLEWARE run (all of them when it answers True for every path)."""

    def __init__(self, keep):
        self.keep = keep
        super().__init__()

    def middleware_paths(self):
        return [path for path in settings.MIDDLEWARE if self.keep(path)]

    def load_middleware(self, is_async=False):
        """BaseHandler.load_middleware for the kept middlewares (synchronous, as the WSGI handler runs them)."""
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(self.middleware_paths()):
            try:
                middleware = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


def with_lean_paths(application, *routes):
    """The WSGI application that answers a request through the handler of the first route whose test takes its
    environ (routes are (test, handler) pairs), and every other request through `application`."""

    def dispatch(environ, start_response):
        for test, handler in routes:
            if test(environ):
                return handler(environ, start_response)
        return application(environ, start_response)

    return dispatch

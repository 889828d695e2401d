"""Reads from a streaming hot standby (the database alias `replica`, set by DATABASE_REPLICA_URL).

Only read-only work goes there: a GET or HEAD of a view named in settings.REPLICA["VIEWS"] (URL names, shell
patterns such as "ogc:*"), added by an app with `allow("ogc:*")`, or marked with the `replica_reads` decorator.
Everything else reads and writes on the primary, and so does:

- every read of a request after it has written (the router sees the write) and every read inside a transaction;
- every request of a client within REPLICA["PIN_S"] seconds of one of its writes (a signed cookie with the time),
  so nobody misses their own write while the standby replays it;
- the tables of sessions, accounts, roles and second factors (REPLICA["PRIMARY_APPS"]): who may read what is
  always the primary's current answer;
- every read while the standby is unreachable, promoted, or lags more than REPLICA["MAX_LAG_S"] seconds. Its state
  is probed at most every CHECK_S seconds per process (RETRY_S once it failed). A read that fails on the standby
  marks it down and the request is answered again from the primary: the client never sees the failure.

Without the `replica` alias nothing here acts. Background jobs read from the standby inside `with reads():`.
"""

import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, connections

REPLICA = "replica"
PRIMARY = "default"
PIN_COOKIE = "gridwork_primary"
PIN_SALT = "gridwork.replica.pin"
HEADER = "X-Gridwork-Database"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# Lag: nothing when the standby has replayed all it received from a streaming WAL receiver; otherwise the age of
# the last transaction it replayed (it does not know of anything newer). A server out of recovery is no standby.
PROBE_SQL = """
SELECT pg_is_in_recovery(),
       (SELECT status FROM pg_stat_wal_receiver LIMIT 1),
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
                 AND EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
       END
"""


def conf(name):
    return settings.REPLICA[name]


def configured():
    return REPLICA in connections.settings


@dataclass
class Health:
    checked: float = float("-inf")  # time.monotonic() of the last probe
    reachable: bool = False
    in_recovery: bool | None = None
    receiver: str | None = None
    lag_s: float | None = None
    error: str | None = None

    @property
    def usable(self):
        return self.reachable and bool(self.in_recovery) and self.lag_s is not None and self.lag_s <= conf("MAX_LAG_S")

    def report(self):
        return {
            "usable": self.usable,
            "reachable": self.reachable,
            "in_recovery": self.in_recovery,
            "wal_receiver": self.receiver,
            "lag_s": None if self.lag_s is None else round(self.lag_s, 3),
            "max_lag_s": conf("MAX_LAG_S"),
            "error": self.error,
        }


_health = Health()


def _close_quietly():
    try:
        connections[REPLICA].close()
    except DatabaseError:
        pass


def forget():
    """Drops the remembered state: the next read probes the standby again."""
    global _health
    _health = Health()


def mark_down(exc):
    global _health
    _close_quietly()
    _health = Health(checked=time.monotonic(), error=exc.__class__.__name__)


def health(force=False):
    """The standby's state, probed again when the last probe is older than CHECK_S (RETRY_S after a failure)."""
    global _health
    h = _health
    if not force and time.monotonic() - h.checked < (conf("CHECK_S") if h.usable else conf("RETRY_S")):
        return h
    try:
        with connections[REPLICA].cursor() as cur:
            cur.execute(PROBE_SQL)
            in_recovery, receiver, lag = cur.fetchone()
    except DatabaseError as exc:
        mark_down(exc)
        return _health
    _health = Health(
        checked=time.monotonic(),
        reachable=True,
        in_recovery=in_recovery,
        receiver=receiver,
        lag_s=None if lag is None else float(lag),
        error=None if in_recovery else "not in recovery",
    )
    return _health


def health_report():
    """For /healthz: {} without a replica, else {"replica": state and lag}."""
    return {"replica": health(force=True).report()} if configured() else {}


# --- which requests read from the standby ----------------------------------------------------------------------

_allowed = []


def allow(*patterns):
    """Lets views named by these URL-name patterns read from the standby (an app's AppConfig.ready())."""
    _allowed.extend(patterns)


def replica_reads(view):
    """Marks a view (function, class-based view or DRF viewset) as one whose GET may read from the standby."""
    view.replica_reads = True
    return view


def eligible(request, view_func):
    if request.method not in ("GET", "HEAD"):
        return False
    for obj in (view_func, getattr(view_func, "view_class", None), getattr(view_func, "cls", None)):
        if getattr(obj, "replica_reads", False):
            return True
    match = getattr(request, "resolver_match", None)
    name = match.view_name if match else None
    return bool(name) and any(fnmatchcase(name, p) for p in (*conf("VIEWS"), *_allowed))


def pinned(request):
    """True within PIN_S seconds after this client's last write."""
    return request.get_signed_cookie(PIN_COOKIE, default=None, salt=PIN_SALT, max_age=conf("PIN_S")) is not None


@dataclass
class ReadState:
    replica: bool = False  # reads may go to the standby
    wrote: bool = False
    used: set = field(default_factory=set)  # aliases the router sent reads to


_state = ContextVar("gridwork_replica_state", default=None)


class reads:
    """`with reads():` — reads inside go to the standby when it is usable (background jobs, exports)."""

    def __enter__(self):
        self.state = ReadState(replica=configured())
        self.token = _state.set(self.state)
        return self.state

    def __exit__(self, *exc):
        _state.reset(self.token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        st = _state.get()
        if st is None or not st.replica or not configured():
            return None
        if st.wrote or model._meta.app_label in conf("PRIMARY_APPS") or connections[PRIMARY].in_atomic_block:
            st.used.add(PRIMARY)
            return PRIMARY
        if not health().usable:
            st.replica = False
            st.used.add(PRIMARY)
            return PRIMARY
        st.used.add(REPLICA)
        return REPLICA

    def db_for_write(self, model, **hints):
        st = _state.get()
        if st is not None:
            st.wrote = True
        # An object read from the standby is saved on the primary (not on the database it came from).
        return PRIMARY if configured() else None

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints):
        return False if db == REPLICA else None


class ReplicaMiddleware:
    """Last in MIDDLEWARE: decides per request where its reads go, answers from the primary if the standby fails,
    and pins a client that wrote to the primary for PIN_S seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        st = ReadState()
        token = _state.set(st)
        request._replica_state = st
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if st.wrote or request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=conf("PIN_S"),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        if getattr(request, "_replica_eligible", False):
            failed = getattr(request, "_replica_failed", False)
            response[HEADER] = "replica" if REPLICA in st.used and not failed else "primary"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        st = getattr(request, "_replica_state", None)
        if st is not None and eligible(request, view_func):
            request._replica_eligible = True
            st.replica = not pinned(request) and not getattr(request, "_replica_failed", False)
        return None

    def process_exception(self, request, exception):
        st = getattr(request, "_replica_state", None)
        if (
            st is None
            or REPLICA not in st.used
            or st.wrote
            or getattr(request, "_replica_failed", False)
            or not isinstance(exception, DatabaseError)
            or isinstance(exception, (IntegrityError, DataError))
            or not connections[REPLICA].errors_occurred
        ):
            return None
        # The standby failed under this request (stopped, cut off, a query cancelled by replay): answer again,
        # from the primary, through the rest of the stack.
        mark_down(exception)
        request._replica_failed = True
        st.replica = False
        st.used.discard(REPLICA)
        return self.get_response(request)


def primary_only(view):
    """The opposite of replica_reads, for a view under an allowed pattern that must read the primary."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        st = _state.get()
        if st is not None:
            st.replica = False
        return view(request, *args, **kwargs)

    return wrapper

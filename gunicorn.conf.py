"""gunicorn settings, read by gunicorn itself from the working directory (the image's /app, the benchmark's checkout;
command-line options such as --workers and --bind still win over these).

The application is loaded once in the master and warmed there (gridwork/warmup.py: URLconf and views, URL resolvers
of every language, templates, translation catalogues), then forked: a fresh worker no longer pays Django's lazy
start on its first request. Each worker opens its own database connection right after the fork.
"""

preload_app = True


def when_ready(server):
    """In the master, after the application is loaded and before the first worker is forked."""
    if not server.cfg.preload_app:
        return
    from gridwork.warmup import warm

    found = warm()
    server.log.info("warmed: %(templates)s templates, %(modules)s modules, languages %(languages)s", found)


def post_fork(server, worker):
    """In each worker, right after the fork: its own database connection (the master holds none)."""
    from gridwork.warmup import connect

    try:
        connect()
    except Exception as e:  # the database not reachable yet: the first request connects, as without warming
        worker.log.warning("no database connection at start: %s", e)

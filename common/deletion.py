"""What keeps a record from being deleted: the kinds and counts of the records that still refer to it.

A ProtectedError or RestrictedError (on_delete=PROTECT / RESTRICT) becomes, for the API, a 409 answer
(common.api.exception_handler) and, for the delete pages, a 409 page (common.entity.EntityDelete); in both the
message reads e.g. "3 streets, 12 grid cells still refer to it." and nothing is deleted.
"""

from collections import Counter

from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

BLOCKING = (ProtectedError, RestrictedError)


def blocking_objects(exc):
    if isinstance(exc, ProtectedError):
        return exc.protected_objects
    if isinstance(exc, RestrictedError):
        return exc.restricted_objects
    return ()


def references(exc):
    """[(label, count, "app_label.model")] of the records that refer to the one being deleted, most first."""
    counts = Counter()
    models = {}
    for obj in blocking_objects(exc):
        meta = obj._meta
        key = meta.label_lower
        counts[key] += 1
        models[key] = meta
    rows = []
    for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        meta = models[key]
        rows.append((str(meta.verbose_name if n == 1 else meta.verbose_name_plural), n, key))
    return rows


def message(exc, obj=None):
    rows = references(exc)
    total = sum(n for _label, n, _key in rows)
    refs = ", ".join(_("%(count)s %(kind)s") % {"count": n, "kind": label} for label, n, _key in rows)
    refs = refs or _("other records")
    if obj is not None:
        text = ngettext(
            "%(obj)s cannot be deleted: %(refs)s still refers to it.",
            "%(obj)s cannot be deleted: %(refs)s still refer to it.",
            total,
        )
        return text % {"obj": obj, "refs": refs}
    text = ngettext(
        "This record cannot be deleted: %(refs)s still refers to it.",
        "This record cannot be deleted: %(refs)s still refer to it.",
        total,
    )
    return text % {"refs": refs}


def conflict_data(exc, obj=None):
    """The body of a 409 answer."""
    return {
        "detail": message(exc, obj),
        "references": [{"model": key, "label": label, "count": n} for label, n, key in references(exc)],
    }

"""The write of a new case: the case and its first step in one INSERT statement, their audit entries in one more.

`cases.services.submit` calls `insert_with_first_step` inside its transaction. What `save()` would do still
happens: the fields' own pre-save work (timestamps), the pre_save and post_save signals of both records (so every
receiver still hears of them), and the audit trail's create entries with the same changes, masking, actor, client
address and correlation id that django-auditlog writes on a save. Only auditlog's own entries of these two records
are held back while the signals go out (its `pre_log` answers False for them), since their entries are written here,
both in one statement, with no read; whatever another receiver writes meanwhile is audited as usual.
"""

import contextvars

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery
from django.utils.encoding import smart_str

from cases.models import Case, CaseEvent

# The records whose auditlog entries are written here rather than by auditlog's receivers (ids of the objects).
_written_here = contextvars.ContextVar("cases_intake_written_here", default=frozenset())


def hold_back_own_entries(sender, instance, **kwargs):
    """auditlog's pre_log receiver (connected in cases/apps.py): False skips auditlog's entry of `instance`."""
    return False if id(instance) in _written_here.get() else None


def _insert_sql(obj, using):
    """INSERT … VALUES (…) of `obj`'s concrete fields but its key (and the step's case), and its parameters."""
    opts = obj._meta
    fields = [f for f in opts.local_concrete_fields if f is not opts.pk and not getattr(f, "generated", False)]
    if isinstance(obj, CaseEvent):
        fields = [f for f in fields if f.name != "case"]
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj], raw=False)
    ((sql, params),) = query.get_compiler(using=using).as_sql()
    return sql, list(params)


def insert_with_first_step(case, event):
    """Insert `case` and `event` (its first step) with one statement; both come back saved (pk set)."""
    using = router.db_for_write(Case)
    pre_save.send(sender=Case, instance=case, raw=False, using=using, update_fields=None)
    case_sql, case_params = _insert_sql(case, using)  # the fields' pre_save sets created_at / updated_at here
    event.at = case.created_at  # the first step is taken when the case is made
    pre_save.send(sender=CaseEvent, instance=event, raw=False, using=using, update_fields=None)
    event_sql, event_params = _insert_sql(event, using)
    head, values = event_sql.split(" VALUES (", 1)
    table, columns = head.split(" (", 1)
    assert values.endswith(")") and table.startswith("INSERT INTO")
    sql = (
        f'WITH new_case AS ({case_sql} RETURNING "id") '
        f'{table} ("case_id", {columns} SELECT new_case."id", {values[:-1]} FROM new_case RETURNING "id", "case_id"'
    )
    with connections[using].cursor() as cur:
        cur.execute(sql, case_params + event_params)
        event.pk, case.pk = cur.fetchone()
    for obj in (case, event):
        obj._state.adding, obj._state.db = False, using
    event.case = case
    _after_create(using, case, event)
    return event


def _after_create(using, *objs):
    """post_save for each record (the audit's receivers held back), then their audit entries in one INSERT."""
    from auditlog.context import auditlog_disabled

    audited = not auditlog_disabled.get()
    token = _written_here.set(_written_here.get() | {id(obj) for obj in objs})
    try:
        for obj in objs:
            post_save.send(sender=type(obj), instance=obj, created=True, update_fields=None, raw=False, using=using)
    finally:
        _written_here.reset(token)
    if audited:
        audit_created(using, *objs)


def audit_created(using, *objs):
    """The audit trail's create entries of records inserted without save(), as django-auditlog writes them."""
    from auditlog.cid import get_cid
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry
    from auditlog.registry import auditlog

    entries = []
    for obj in objs:
        if not auditlog.contains(type(obj)):
            continue
        # The concrete fields: a new record has no related records to compare (no reverse reads).
        names = [f.name for f in obj._meta.concrete_fields]
        changes = model_instance_diff(
            None, obj, fields_to_check=names, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
        )
        entry = LogEntry(
            content_type=ContentType.objects.db_manager(using).get_for_model(obj),
            object_pk=smart_str(obj.pk),
            object_id=obj.pk,
            object_repr=smart_str(obj),
            serialized_data=LogEntry.objects._get_serialized_data_or_none(obj),
            action=LogEntry.Action.CREATE,
            changes=changes,
            cid=get_cid(),
        )
        additional = getattr(obj, "get_additional_data", None)
        if callable(additional):
            entry.additional_data = additional()
        # The actor, client address and port of the request, from auditlog's context (its pre_save receiver).
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using=using, update_fields=None)
        entries.append(entry)
    if entries:
        LogEntry.objects.using(using).bulk_create(entries)

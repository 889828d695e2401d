"""The write of a new case: the case and its first step in one INSERT statement, their audit entries in one more.

`cases.services.submit` calls `insert_with_first_step` inside its transaction. What `save()` would do still
happens: the fields' own pre-save work (timestamps), the pre_save and post_save signals of both records (so every
receiver still hears of them), and the audit trail's create entries with the same changes, masking, actor, client
address and correlation id that django-auditlog writes on a save. Only auditlog's own entries of these two records
are held back while the signals go out (its `pre_log` answers False for them), since their entries are written here,
both in one statement, with no read; whatever another receiver writes meanwhile is audited as usual.
"""

import contextvars
import functools

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import ForeignKey
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery
from django.utils.encoding import smart_str

from cases.models import Case, CaseEvent
from common.db import prepared_cursor

# The records whose auditlog entries are written here rather than by auditlog's receivers (ids of the objects).
_written_here = contextvars.ContextVar("cases_intake_written_here", default=frozenset())


def hold_back_own_entries(sender, instance, **kwargs):
    """auditlog's pre_log receiver (connected in cases/apps.py): False skips auditlog's entry of `instance`."""
    return False if id(instance) in _written_here.get() else None


def _fields(model, *leave_out):
    """The concrete fields an INSERT of `model` writes: all but its key (and `leave_out`)."""
    opts = model._meta
    return [
        f
        for f in opts.local_concrete_fields
        if f is not opts.pk and not getattr(f, "generated", False) and f.name not in leave_out
    ]


def _values(obj, fields, connection):
    """(placeholders, parameters) of `obj`'s values as SQLInsertCompiler writes them: each field's pre-save work
    (timestamps), its database value and its placeholder (a geometry in another SRID is transformed in SQL); None
    when a value is an expression, which only the compiler resolves."""
    placeholders, params = [], []
    for field in fields:
        value = field.pre_save(obj, True)
        if hasattr(value, "resolve_expression"):
            return None
        value = field.get_db_prep_save(value, connection)
        get_placeholder = getattr(field, "get_placeholder", None)
        placeholders.append("%s" if get_placeholder is None else get_placeholder(value, None, connection))
        params.append(value)
    return tuple(placeholders), params


def _compiled_values(obj, fields, using):
    """_values through the compiler, for values that are expressions."""
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj], raw=False)
    ((sql, params),) = query.get_compiler(using=using).as_sql()
    values = sql.split(" VALUES (", 1)[1]
    assert values.endswith(")")
    return (values[:-1],), list(params)


# SQL statements built once per process: (what, database, placeholders) → SQL
_SQL = {}


def insert_with_first_step(case, event):
    """Insert `case` and `event` (its first step) with one statement; both come back saved (pk set)."""
    using = router.db_for_write(Case)
    connection = connections[using]
    case_fields, event_fields = _fields(Case), _fields(CaseEvent, "case")
    pre_save.send(sender=Case, instance=case, raw=False, using=using, update_fields=None)
    # the fields' pre_save sets created_at / updated_at here
    case_values = _values(case, case_fields, connection) or _compiled_values(case, case_fields, using)
    event.at = case.created_at  # the first step is taken when the case is made
    pre_save.send(sender=CaseEvent, instance=event, raw=False, using=using, update_fields=None)
    event_values = _values(event, event_fields, connection) or _compiled_values(event, event_fields, using)
    key = ("case and first step", using, case_values[0], event_values[0])
    sql = _SQL.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        sql = _SQL[key] = (
            f"WITH new_case AS (INSERT INTO {qn(Case._meta.db_table)} ({', '.join(qn(f.column) for f in case_fields)})"
            f" VALUES ({', '.join(case_values[0])}) RETURNING {qn(Case._meta.pk.column)}) "
            f"INSERT INTO {qn(CaseEvent._meta.db_table)} ({qn(CaseEvent.case.field.column)}, "
            f"{', '.join(qn(f.column) for f in event_fields)}) "
            f"SELECT new_case.{qn(Case._meta.pk.column)}, {', '.join(event_values[0])} FROM new_case "
            f"RETURNING {qn(CaseEvent._meta.pk.column)}, {qn(CaseEvent.case.field.column)}"
        )
    with prepared_cursor(using) as cur:  # parsed and planned once per connection
        cur.execute(sql, case_values[1] + event_values[1])
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
    from auditlog.models import LogEntry
    from auditlog.registry import auditlog

    entries = []
    for obj in objs:
        if not auditlog.contains(type(obj)):
            continue
        changes = create_changes(obj)
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
        insert_rows(using, entries)


def insert_rows(using, objs):
    """Insert `objs` (new records of one model, keys left to the database) with one INSERT … VALUES (…), (…): the
    values bulk_create would write, without its compiling on every call or its array parameters (UNNEST), which
    cost more than the two rows of an intake's audit. Nothing is read back."""
    model = type(objs[0])
    connection = connections[using]
    fields = _fields(model)
    rows = [_values(obj, fields, connection) for obj in objs]
    if any(row is None for row in rows):
        model._base_manager.using(using).bulk_create(objs)  # values that only the compiler resolves
        return
    key = (model, using, tuple(placeholders for placeholders, _params in rows))
    sql = _SQL.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        values = ", ".join(f"({', '.join(placeholders)})" for placeholders, _params in rows)
        sql = _SQL[key] = (
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES {values}"
        )
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, [param for _placeholders, params in rows for param in params])
    for obj in objs:
        obj._state.adding, obj._state.db = False, using


def create_changes(obj):
    """The `changes` of the audit's create entry of the new record `obj`: what auditlog's
    `model_instance_diff(None, obj, fields_to_check=<the concrete fields>)` answers (a new record has no related
    records to compare, so no reverse reads), with the work that depends only on the model (which fields, their
    masking, the values a missing record stands for) done once per process (`_create_plan`)."""
    from auditlog.diff import get_field_value, is_primitive

    use_json = settings.AUDITLOG_STORE_JSON_CHANGES
    diff = {}
    for field, old, mask in _create_plan(type(obj)):
        new = get_field_value(obj, field, use_json)
        if old == new:
            continue
        if mask is not None:
            diff[field.name] = (mask(smart_str(old)), mask(smart_str(new)))
        elif not use_json:
            diff[field.name] = (smart_str(old), smart_str(new))
        else:
            diff[field.name] = (
                old if is_primitive(old) else smart_str(old),
                new if is_primitive(new) else smart_str(new),
            )
    return diff or None


@functools.cache
def _create_plan(model):
    """[(field, the value auditlog compares a new record's value with, mask function or None)] of the fields
    auditlog's diff of a new `model` record looks at: the tracked concrete fields, the registration's include and
    exclude lists applied, in the model's order. The value compared with is auditlog's value of a missing record: the
    same for every record (it never reaches the field's default, not even a callable one)."""
    from auditlog.diff import get_field_value, get_mask_function, track_field
    from auditlog.registry import auditlog

    names = {f.name for f in model._meta.concrete_fields}
    options = auditlog.get_model_fields(model)
    include, exclude = options["include_fields"], options["exclude_fields"]
    plan = []
    for field in (f for f in model._meta.get_fields() if track_field(f)):
        if not (field.name in names or (isinstance(field, ForeignKey) and field.attname in names)):
            continue
        if (include and field.name not in include) or field.name in exclude:
            continue
        mask = get_mask_function(options.get("mask_callable")) if field.name in options["mask_fields"] else None
        plan.append((field, get_field_value(None, field, settings.AUDITLOG_STORE_JSON_CHANGES), mask))
    return tuple(plan)

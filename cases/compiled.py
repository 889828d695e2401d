"""Queries of the intake built with the ORM and compiled to SQL once per process, then run with new values.

Compiling a queryset (building its Query, resolving lookups and expressions, writing the SQL) cost more of an
Open311 POST's Python than anything else: a third of it went to the three lookups every report makes (the client,
the category, the cell with its primary worker). A `Compiled` query keeps the ORM as the one definition of the
query: `build(**sentinels)` returns the queryset, which is compiled the first time it runs on a database; each
sentinel must turn up among the compiled parameters, and every run puts the caller's value of the same name in its
place. What the ORM does with the rows (the fields' converters, model instances with their select_related records)
is done by the ORM's own code.
"""

from django.contrib.gis.geos import GEOSGeometry
from django.db import connections, router
from django.db.models.query import get_related_populators

from common.db import prepared_cursor


class Compiled:
    def __init__(self, build, **sentinels):
        self.build = build
        self.sentinels = sentinels
        self._by_db = {}
        self._model = None

    def _compile(self, using):
        queryset = self.build(**self.sentinels)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        connection = connections[using]
        slots = [_slot(connection, param, self.sentinels) for param in params]
        missing = set(self.sentinels) - {slot[0] for slot in slots if slot}
        if missing:
            raise ValueError(f"{', '.join(sorted(missing))}: not found among the compiled parameters of {sql}")
        converters = compiler.get_converters([col for col, _sql, _alias in compiler.select])
        self._by_db[using] = compiled = (sql, params, slots, compiler, converters)
        return compiled

    def _run(self, using, values):
        if using is None:
            if self._model is None:
                self._model = self.build(**self.sentinels).model
            using = router.db_for_read(self._model)
        sql, params, slots, compiler, converters = self._by_db.get(using) or self._compile(using)
        args = [param if slot is None else slot[1](values[slot[0]]) for param, slot in zip(params, slots, strict=True)]
        connection = connections[using]
        with prepared_cursor(using) as cursor:  # parsed and planned once per connection
            cursor.execute(sql, args)
            rows = cursor.fetchall()
        if converters:  # as SQLCompiler.apply_converters, with this thread's connection
            rows = [list(row) for row in rows]
            for row in rows:
                for pos, (funcs, expression) in converters.items():
                    for func in funcs:
                        row[pos] = func(row[pos], expression, connection)
            rows = [tuple(row) for row in rows]
        return using, compiler, rows

    def rows(self, using=None, **values):
        """The rows (tuples, in the order of the queryset's values_list or select)."""
        return self._run(using, values)[2]

    def instances(self, using=None, **values):
        """The model instances, with the records of select_related set on them, as the queryset would give."""
        using, compiler, rows = self._run(using, values)
        select, klass_info = compiler.select, compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [col.target.attname for col, _sql, _alias in select[start:end]]
        populators = get_related_populators(klass_info, select, using)
        objs = []
        for row in rows:
            obj = klass_info["model"].from_db(using, names, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            objs.append(obj)
        return objs


def _slot(connection, param, sentinels):
    """(name, adapt) when `param` is the compiled form of one of the sentinels, else None."""
    for name, sentinel in sentinels.items():
        if isinstance(sentinel, GEOSGeometry):
            if isinstance(param, connection.ops.Adapter) and param.ewkb == bytes(sentinel.ewkb):
                return name, _geometry(connection, sentinel.srid, param.geography)
        elif type(param) is type(sentinel) and param == sentinel:
            return name, _same
    return None


def _same(value):
    return value


def _geometry(connection, srid, geography):
    """The adapter of a geometry value as the compiled query expects it: in the sentinel's SRID (the ORM would have
    transformed it in SQL; the same PROJ transformation is made here)."""

    def adapt(value):
        if value.srid is None:
            value = value.clone()
            value.srid = srid
        elif value.srid != srid:
            value = value.transform(srid, clone=True)
        return connection.ops.Adapter(value, geography=geography)

    return adapt

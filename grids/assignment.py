"""Bulk assignment of located rows (households, buildings) to their grid cell and community.

One UPDATE sets both the cell and its community from a single indexed lookup per row (a correlated subquery on
the GiST index of the cell boundaries); a second UPDATE gives the rows that fall in no cell the community that
covers them. A million rows cost two statements, not a million. A point on an edge shared by two cells goes to
the cell with the lowest id, deterministically.
"""

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection

from grids.models import Community, GridCell


def _where(queryset, table):
    """The queryset's WHERE clause as SQL on `table` itself, or a pk test against its ids when it joins others.

    A filter on the model's own columns is compiled as it is, so the UPDATE scans the table once; an
    `IN (subquery)` there can lead the planner, on fresh statistics, into a nested loop over the table twice.
    """
    query = queryset.query
    pk = connection.ops.quote_name(queryset.model._meta.pk.column)
    joined = [a for a in query.alias_map if query.alias_refcount.get(a)]
    if len(joined) <= 1 and not query.distinct and not query.is_sliced:
        try:
            sql, params = query.get_compiler(connection=connection).compile(query.where)
        except FullResultSet:
            return "TRUE", ()
        return f"({sql})", tuple(params)
    ids_sql, params = queryset.order_by().values("pk").query.sql_with_params()
    # ARRAY(…) runs the subquery once, then the rows are fetched by primary key.
    return f"{table}.{pk} = ANY(ARRAY({ids_sql}))", tuple(params)


def assign_cells(queryset):
    model = queryset.model
    meta = model._meta
    column = connection.ops.quote_name
    table = column(meta.db_table)
    location = f"{table}.{column(meta.get_field(model.location_field).column)}"
    cell_col = column(meta.get_field("cell").column)
    community_col = column(meta.get_field("community").column)
    cells = column(GridCell._meta.db_table)
    communities = column(Community._meta.db_table)
    try:
        where, params = _where(queryset, table)
    except EmptyResultSet:
        return 0
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {table} SET ({cell_col}, {community_col}) = (
                    SELECT c.id, c.community_id FROM {cells} c
                     WHERE ST_Covers(c.boundary, {location}) ORDER BY c.id LIMIT 1)
                 WHERE {where}""",
            params,
        )
        updated = cur.rowcount
        cur.execute(
            f"""UPDATE {table} SET {community_col} = (
                    SELECT m.id FROM {communities} m
                     WHERE ST_Covers(m.boundary, {location}) ORDER BY m.id LIMIT 1)
                 WHERE {table}.{cell_col} IS NULL AND {location} IS NOT NULL AND {where}""",
            params,
        )
    return updated

"""Backup with pg_dump, restore into a fresh database, find the same records."""

import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from grids.models import GridCell, Household
from grids.tests.factories import make_cells, make_community, make_households

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_then_restore_into_a_fresh_database(tmp_path):
    community = make_community()
    make_cells(community, 2, 2)
    make_households(community, 50, seed=9)
    Household.objects.all().assign_cells()
    dump = tmp_path / "gridwork.dump"
    call_command("backup", output=str(dump), stdout=open(tmp_path / "out.txt", "w"))
    assert dump.stat().st_size > 0

    fresh = f"restore_{uuid.uuid4().hex[:8]}"
    call_command("restore", str(dump), database_name=fresh, create=True, stdout=open(tmp_path / "out2.txt", "w"))
    db = settings.DATABASES["default"]
    conninfo = dict(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db.get("PASSWORD") or None)
    try:
        with psycopg.connect(dbname=fresh, **conninfo) as conn:
            codes = sorted(r[0] for r in conn.execute("SELECT code FROM grids_gridcell"))
            households = conn.execute(
                "SELECT count(*), count(cell_id), sum(ST_X(location)) FROM grids_household"
            ).fetchone()
        assert codes == sorted(GridCell.objects.values_list("code", flat=True))
        assert households[0] == households[1] == 50
        assert households[2] == pytest.approx(sum(h.location.x for h in Household.objects.all()))
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
    assert connection.is_usable()


def test_restore_of_a_missing_file_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no backup file"):
        call_command("restore", str(tmp_path / "nope.dump"))

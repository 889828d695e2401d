import pytest
from django.core.management import call_command

from grids.tests.factories import make_cells, make_community


@pytest.fixture
def types(db):
    from assets.models import AssetType

    call_command("loaddata", "asset_types", verbosity=0)
    return {t.full_code: t for t in AssetType.objects.select_related("family")}


@pytest.fixture
def town(db):
    """A 1000 m × 800 m community (district 420100) tiled by 2 × 2 cells."""
    community = make_community()
    cells = make_cells(community, 2, 2)
    return community, cells

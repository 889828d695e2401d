"""Ratings go apply → field assessment → award; boards show door plates or aliases, never names or phones."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership, Role
from cogov import services
from cogov.models import BoardEntry, Rating, Source
from cogov.tests.factories import rule, small_community
from grids.models import Building, Household

pytestmark = pytest.mark.django_db

PASS = {k: True for k in services.CHECKLISTS[Rating.Kind.COURTYARD]}
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    community, homes = small_community(3)
    staff = get_user_model().objects.create_user("assessor", password="x" * 12)
    Membership.objects.create(user=staff, role=Role.MANAGER, community=community)
    return community, homes, staff


def test_courtyard_award_workflow(setup):
    community, homes, staff = setup
    rule("rating-courtyard", 50, source=Source.RATING)
    h = homes[0]
    rating = services.apply_rating(h, Rating.Kind.COURTYARD, year=2026)
    assert Household.objects.get(pk=h.pk).courtyard == Household.Courtyard.APPLIED
    with pytest.raises(ValidationError, match="already applied"):
        services.apply_rating(h, Rating.Kind.COURTYARD, year=2026)
    with pytest.raises(ValidationError, match="Only an assessed"):
        services.decide(rating, by=staff, award=True)
    with pytest.raises(ValidationError, match="exactly these items"):
        services.assess(rating, by=staff, checklist={"clean": True})
    photo = SimpleUploadedFile("yard.png", PNG, content_type="image/png")
    rating = services.assess(rating, by=staff, checklist=PASS, photos=[photo])
    assert rating.score == 100 and rating.photos.count() == 1
    services.decide(rating, by=staff, award=True)
    rating.refresh_from_db()
    assert rating.status == Rating.Status.AWARDED
    assert Household.objects.get(pk=h.pk).courtyard == Household.Courtyard.AWARDED
    assert services.balance(h) == 50
    assert BoardEntry.objects.filter(household=h, board=BoardEntry.Board.RED, rating=rating).exists()


def test_a_failed_checklist_cannot_be_awarded(setup):
    _, homes, staff = setup
    rating = services.apply_rating(homes[1], Rating.Kind.TEN_STAR, year=2026)
    items = services.CHECKLISTS[Rating.Kind.TEN_STAR]
    rating = services.assess(rating, by=staff, checklist={k: i < 5 for i, k in enumerate(items)})
    assert rating.score == 50
    with pytest.raises(ValidationError, match="scored 50"):
        services.decide(rating, by=staff, award=True)
    services.decide(rating, by=staff, award=False, note="未达标")
    assert Rating.objects.get(pk=rating.pk).status == Rating.Status.REFUSED
    assert not BoardEntry.objects.exists() and services.balance(homes[1]) == 0
    services.apply_rating(homes[1], Rating.Kind.TEN_STAR, year=2026)  # may apply again after a refusal


def test_public_boards_show_door_plates_or_aliases_only(client, setup):
    community, homes, _ = setup
    b = Building.objects.create(name="3栋", footprint=homes[0].location.buffer(0.00005))
    Household.objects.filter(pk=homes[0].pk).update(
        building=b, unit="2单元", room="301", head_name="王大明", phone="13900001111"
    )
    Household.objects.filter(pk=homes[1].pk).update(head_name="李小红", phone="13700002222")
    first, second = Household.objects.get(pk=homes[0].pk), Household.objects.get(pk=homes[1].pk)
    BoardEntry.objects.create(community=community, board="red", household=first, reason="主动清理楼道")
    BoardEntry.objects.create(community=community, board="black", household=second, alias="某住户", reason="乱堆乱放")
    html = client.get(f"/cogov/boards/{community.pk}/").content.decode()
    assert "3栋-2单元-301" in html and "某住户" in html and "乱堆乱放" in html
    for secret in ("王大明", "李小红", "13900001111", "13700002222", "王*", "139****1111"):
        assert secret not in html


def test_a_board_entry_belongs_to_its_community(setup):
    community, homes, _ = setup
    other, _ = small_community(1, code="002", seed=9)
    entry = BoardEntry(community=other, board="red", household=homes[0], reason="x")
    with pytest.raises(ValidationError, match="does not belong"):
        entry.full_clean()

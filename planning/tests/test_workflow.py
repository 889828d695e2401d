"""Stage gates: no public notice before eligibility passes; no acceptance without a record with photos."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grids.models import Household
from grids.tests.factories import make_community
from planning.consent import record_vote
from planning.models import Acceptance, AcceptancePhoto, CompoundRecord, DesignChange, Item, Stage, Vote
from planning.tests.factories import eligible_setup
from planning.workflow import advance, delete_item, save_item

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def planner(django_user_model):
    return django_user_model.objects.create_superuser("planner", password="x")


def item(project, **kw):
    fields = dict(
        name="雨污分流", item_class="basic", quantity=Decimal("320"), unit="m", cost_estimate=Decimal("480000")
    )
    fields.update(kw)
    return Item(project=project, **fields)


def to_plan_stage(project, planner):
    for _ in range(3):
        project = advance(project, planner)
    assert project.stage == Stage.PLAN
    return project


def test_no_public_notice_before_eligibility_passes(planner):
    c, _z, project = eligible_setup(make_community())
    project = to_plan_stage(project, planner)
    with pytest.raises(ValidationError) as err:
        advance(project, planner)
    text = " ".join(err.value.messages)
    assert "和平小区 is not eligible" in text and "No consent survey" not in text and "0 of 9 households" in text
    assert "no renovation items" in text
    project.refresh_from_db()
    assert project.stage == Stage.PLAN and project.published_on is None

    for h in Household.objects.filter(building__compound=c):
        record_vote(project, h, Vote.Choice.AGREE, channel=Vote.Channel.RESIDENT)
    save_item(item(project), planner)
    CompoundRecord.objects.filter(compound=c).update(fee_collection_pct=30)
    with pytest.raises(ValidationError, match="30.0% of property fees"):
        advance(project, planner)
    CompoundRecord.objects.filter(compound=c).update(fee_collection_pct=65)
    project = advance(project, planner)
    assert project.stage == Stage.PUBLICATION and project.published_on == timezone.localdate()
    assert [s.to_stage for s in project.stage_changes.all()][-1] == Stage.PUBLICATION


def test_comment_period_then_acceptance_needs_photos(planner):
    c, _z, project = eligible_setup(make_community())
    for h in Household.objects.filter(building__compound=c):
        record_vote(project, h, Vote.Choice.AGREE, channel=Vote.Channel.RESIDENT)
    save_item(item(project), planner)
    project = advance(to_plan_stage(project, planner), planner)
    with pytest.raises(ValidationError, match="open for comments until"):
        advance(project, planner)
    project.published_on = timezone.localdate() - timedelta(days=7)
    project.save()
    project = advance(advance(project, planner), planner)
    assert project.stage == Stage.CONSTRUCTION
    record = Acceptance.objects.create(project=project, inspectors="住建局 张工")
    with pytest.raises(ValidationError, match="acceptance record with photos"):
        advance(project, planner)
    AcceptancePhoto.objects.create(acceptance=record, image=SimpleUploadedFile("pipe.png", PNG, "image/png"))
    project = advance(project, planner)
    assert project.stage == Stage.ACCEPTANCE


def test_funding_cannot_exceed_the_estimate_and_changes_after_notice_are_logged(planner):
    c, _z, project = eligible_setup(make_community())
    too_much = item(project, fund_government=Decimal("400000"), fund_residents=Decimal("100000"))
    with pytest.raises(ValidationError, match="500000 yuan, more than the cost estimate"):
        save_item(too_much, planner)
    assert not Item.objects.exists()
    first = save_item(item(project, fund_government=Decimal("400000")), planner)
    assert not DesignChange.objects.exists()  # before the notice nothing is logged
    for h in Household.objects.filter(building__compound=c):
        record_vote(project, h, Vote.Choice.AGREE, channel=Vote.Channel.RESIDENT)
    project = advance(to_plan_stage(project, planner), planner)
    first.refresh_from_db()
    first.progress_pct = 10
    save_item(first, planner)
    assert not DesignChange.objects.exists()  # progress is not a design change
    first.quantity = Decimal("400")
    save_item(first, planner)
    delete_item(first, planner)
    log = [d.description for d in project.design_changes.all()]
    assert len(log) == 2 and "320 m" in log[0] and "400 m" in log[0] and log[1].startswith("Removed 雨污分流")


def test_after_the_notice_funding_is_logged_and_the_zone_cannot_be_redrawn(planner, client):
    c, zone, project = eligible_setup(make_community())
    first = save_item(item(project, fund_government=Decimal("400000")), planner)
    for h in Household.objects.filter(building__compound=c):
        record_vote(project, h, Vote.Choice.AGREE, channel=Vote.Channel.RESIDENT)
    project = advance(to_plan_stage(project, planner), planner)
    assert project.is_published
    first.refresh_from_db()
    first.fund_government, first.fund_residents = Decimal("300000"), Decimal("100000")
    save_item(first, planner)
    (change,) = [d.description for d in project.design_changes.all()]
    assert "300000" in change and "100000" in change

    # the published zone keeps its boundary, through the API as through the model's rules
    client.force_login(planner)
    moved = zone.boundary.buffer(0.0005)
    resp = client.patch(
        f"/api/v1/zones/{zone.pk}/",
        {"type": "Feature", "geometry": json.loads(moved.json), "properties": {"name": zone.name}},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "public notice" in json.dumps(resp.json())
    zone.refresh_from_db()
    assert not zone.boundary.equals_exact(moved, 1e-9)
    # a zone with a project is not deleted either: a clear conflict, not a server error
    resp = client.delete(f"/api/v1/zones/{zone.pk}/")
    assert resp.status_code == 409 and project.name in json.dumps(resp.json(), ensure_ascii=False)

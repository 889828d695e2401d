"""The staff list says which filter it applies (open cases unless a state is asked for), finds cases by their
number, and the dispatch form offers the other handlers grouped, sorted, once each, people only with a handler role."""

import re

import pytest
from django.contrib.auth.models import Group

from accounts.models import ROLE_GROUPS, Membership, Role
from cases import workflow
from cases.models import Case, State
from cases.tests.factories import place, report
from grids.models import GridAssignment
from grids.tests.factories import make_cells, make_community
from responsibility.models import Party, ResponsibilityArea

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(django_user_model, admin_user):
    community, west, east, worker = place(django_user_model)
    return community, west, east, worker, admin_user


def selected_state(html):
    select = re.search(r'<select name="state"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select)


def feature_ids(client, query=""):
    return sorted(f["id"] for f in client.get(f"/cases/features/?{query}").json()["features"])


def test_the_list_opens_with_open_cases_and_says_so(admin_client, scene):
    *_, admin = scene
    open_case, rejected = report(x=100), report(x=300)
    workflow.perform(rejected, "reject", admin, note="不属于受理范围")

    html = admin_client.get("/cases/").content.decode()
    assert selected_state(html) == ["open"]
    assert re.search(r'id="case-count">1<', html)
    assert feature_ids(admin_client) == [open_case.pk]

    # 全部 (all): the empty state, asked for explicitly, lists every case and is shown as chosen.
    html = admin_client.get("/cases/?state=").content.decode()
    assert selected_state(html) == [""]
    assert re.search(r'id="case-count">2<', html)
    assert feature_ids(admin_client, "state=") == sorted([open_case.pk, rejected.pk])
    assert feature_ids(admin_client, "state=rejected") == [rejected.pk]
    # Another filter without a state keeps the default, and the form shows it.
    html = admin_client.get("/cases/?category=0101").content.decode()
    assert selected_state(html) == ["open"]


def test_cases_are_found_by_whole_or_partial_number(admin_client, scene):
    cases = [report(x=100 + 10 * i) for i in range(12)]
    target = cases[-1]
    # The whole id, with or without decoration.
    for q in (str(target.pk), f"%23{target.pk}", f"+{target.pk}+"):
        assert target.pk in feature_ids(admin_client, f"state=&q={q}"), q
    # Part of it: every case whose id holds those digits, no other.
    part = str(target.pk)[-2:]
    found = feature_ids(admin_client, f"state=&q={part}")
    assert target.pk in found
    assert found == sorted(c.pk for c in cases if part in str(c.pk))
    # The long number shown on the case page (report date + six-digit id), whole or its start.
    target.refresh_from_db()
    assert feature_ids(admin_client, f"state=&q={target.number}") == [target.pk]
    page = admin_client.get(f"/cases/{target.pk}/").content.decode()
    assert target.number in page
    assert target.pk in feature_ids(admin_client, f"state=&q={target.number[:-1]}")
    # Words are not a number: the form says so and lists nothing.
    html = admin_client.get("/cases/?q=abc", headers={"accept-language": "en"}).content.decode()
    assert "A case number is made of digits" in html or "案件编号由数字组成" in html
    assert feature_ids(admin_client, "q=abc") == []


def options_by_group(html):
    select = re.search(r'<select name="handler_other"[^>]*>(.*?)</select>', html, re.S).group(1)
    groups = {}
    for kind, body in re.findall(r'<optgroup label="[^"]*" data-kind="(\w+)">(.*?)</optgroup>', select, re.S):
        groups[kind] = re.findall(r'<option value="([^"]+)">([^<]+)</option>', body)
    return groups


def test_other_handlers_are_grouped_sorted_once_each_and_only_people_with_a_handler_role(
    admin_client, scene, django_user_model
):
    community, west, east, worker, admin = scene
    # Departments, one of them twice under the same name; shops with an area in the community, one elsewhere.
    for name in ("区水务局", "区园林局", "区环卫所", "区城管执法局", "区城管执法局"):
        Party.objects.create(kind=Party.Kind.DEPARTMENT, name=name)
    shops = [Party.objects.create(kind=Party.Kind.ORGANISATION, name=n) for n in ("水果店", "便利店", "药店")]
    for shop in shops:
        ResponsibilityArea.objects.create(
            kind=ResponsibilityArea.Kind.FRONTAGE,
            name=f"{shop.name}门前",
            community=community,
            party=shop,
            area=east.boundary,
        )
    elsewhere = make_community(code="002")
    far_shop = Party.objects.create(kind=Party.Kind.ORGANISATION, name="远处的花店")
    ResponsibilityArea.objects.create(
        kind=ResponsibilityArea.Kind.FRONTAGE,
        name="花店门前",
        community=elsewhere,
        party=far_shop,
        area=make_cells(elsewhere, 1, 1)[0].boundary,
    )
    # People: department handlers (by role), the east cell's worker; and accounts without a handler role.
    handlers = []
    for username, name, department in (("h2", "赵强", "区水务局"), ("h1", "钱敏", "区园林局")):
        user = django_user_model.objects.create_user(username, first_name=name)
        Membership.objects.create(user=user, role=Role.HANDLER, department=department)
        handlers.append(user)
    east_worker = django_user_model.objects.create_user("gw-east", first_name="孙丽")
    GridAssignment.objects.create(cell=east, worker=east_worker, start=west.assignments.first().start)
    resident = django_user_model.objects.create_user("resident", first_name="住户甲")
    resident.groups.add(Group.objects.get_or_create(name=ROLE_GROUPS[Role.RESIDENT])[0])
    planner = django_user_model.objects.create_user("planner", first_name="规划师", is_staff=True)
    planner.groups.add(Group.objects.get_or_create(name="planners")[0])
    inactive = django_user_model.objects.create_user("gone", first_name="已离职", is_active=False)
    Membership.objects.create(user=inactive, role=Role.HANDLER, department="区水务局")

    case = report(x=100)  # in the west cell: its worker is suggested
    workflow.perform(case, "register", admin)
    groups = options_by_group(admin_client.get(f"/cases/{case.pk}/").content.decode())

    assert list(groups) == ["departments", "parties", "people"]
    for options in groups.values():
        labels = [label for _v, label in options]
        assert labels == sorted(labels, key=str.casefold), labels
        assert len(set(labels)) == len(labels)
    values = [v for options in groups.values() for v, _l in options]
    assert len(set(values)) == len(values)
    departments = [label for _v, label in groups["departments"]]
    assert departments.count("区城管执法局") == 1
    suggested = Case.objects.get(pk=case.pk).category.department  # the suggestion lists it already
    assert suggested not in departments
    assert [label for _v, label in groups["parties"]] == sorted(s.name for s in shops)
    people = " ".join(label for _v, label in groups["people"])
    for user in (*handlers, east_worker):
        assert user.first_name in people
    for user in (resident, planner, inactive, admin):
        assert f"user:{user.pk}" not in values
    assert f"user:{worker.pk}" not in values  # the cell's worker is among the suggested candidates
    assert f"party:{far_shop.pk}" not in values

    # The list narrows as one types (the filter box of the dispatch form is there for it).
    html = admin_client.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-filters="handler-other"' in html
    # A chosen other handler is the one the case goes to.
    choice = next(v for v, label in groups["people"] if "赵强" in label)
    admin_client.post(f"/cases/{case.pk}/act/dispatch/", {"handler_other": choice, "version": 2})
    assert Case.objects.get(pk=case.pk).handler_user == handlers[0]
    assert Case.objects.get(pk=case.pk).state == State.DISPATCHED

"""The inbox badge counts per branch (field.inbox.waiting_count) what the inbox's one condition selects
(waiting_q with closing): for every kind of user, over cases in every state, handled by users, their parties and
departments, in and outside the worker's cells."""

import random

import pytest

from accounts.models import Membership, Role
from cases.models import Case, State
from cases.tests.factories import dispatcher, in_english, place, report
from field import inbox
from responsibility.models import Party

pytestmark = pytest.mark.django_db
english = pytest.fixture(autouse=True)(in_english)


def test_the_badge_counts_what_the_inbox_condition_selects_for_every_kind_of_user(django_user_model):
    community, west, east, worker = place(django_user_model)
    handler = django_user_model.objects.create_user("h1")
    Membership.objects.create(user=handler, role=Role.HANDLER, department="区环卫所")
    both = django_user_model.objects.create_user("h2")  # a handler of the department who is also a party of it
    Membership.objects.create(user=both, role=Role.HANDLER, department="区环卫所")
    department = Party.objects.create(kind=Party.Kind.DEPARTMENT, name="区环卫所", user=both)
    other_department = Party.objects.create(kind=Party.Kind.DEPARTMENT, name="区园林局")
    person = django_user_model.objects.create_user("p1")
    own_party = Party.objects.create(kind=Party.Kind.USER, name="个人", user=person)
    boss = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    nobody = django_user_model.objects.create_user("nobody")
    disp = dispatcher(django_user_model)

    def case(x, state, user, party, dept):
        made = report(x=x, y=100)
        Case.objects.filter(pk=made.pk).update(state=state, handler_user=user, handler_party=party, department=dept)

    # Where the branches meet: the department's party names a user who also handles for the department, a case
    # handled by a user through another's party, handled cases in and outside the worker's cells, verified ones.
    case(100, State.DISPATCHED, None, department, "区环卫所")
    case(100, State.IN_PROGRESS, both, department, "区环卫所")
    case(300, State.IN_PROGRESS, handler, own_party, "区园林局")
    case(100, State.HANDLED, None, None, "")
    case(300, State.HANDLED, worker, None, "")
    case(300, State.VERIFIED, None, other_department, "区园林局")
    rng = random.Random(16)
    parties = [None, department, other_department, own_party]
    handlers = [None, handler, both, person, worker]
    for _ in range(40):
        case(
            rng.choice([100, 300]),
            rng.choice(list(State)),
            rng.choice(handlers),
            rng.choice(parties),
            rng.choice(["", "区环卫所", "区园林局"]),
        )

    users = [worker, handler, both, person, boss, nobody, disp]
    counts = {}
    for user in users:
        expected = Case.objects.filter(inbox.waiting_q(user, closing=True)).count()
        assert inbox.waiting_count(user) == expected, user.username
        counts[user.username] = expected
    # The data reaches every branch: something waits for each user who has a role, nothing for the one without.
    assert counts["nobody"] == 0
    assert all(counts[u.username] > 0 for u in (worker, handler, both, person, boss, disp)), counts
    assert counts["root"] >= counts["disp"]

"""`./dev up` loads the demo on every start: a second start must neither fail nor change the demo. The commands
are read from `./dev` itself, so a demo step added there is covered here without editing this test."""

import re
import shlex
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def demo_commands(tmp_path):
    script = (Path(settings.BASE_DIR) / "dev").read_text()
    body = re.search(r"^load_demo\(\) \{\n(.*?)^\}", script, re.M | re.S).group(1)
    commands = []
    for line in body.splitlines():
        words = shlex.split(line.replace('"$LOCAL/', f'"{tmp_path}/'))
        if words and words[0] == "manage":
            commands.append(words[1:])
    return commands


def row_counts():
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def test_the_demo_loads_twice_and_the_second_load_changes_nothing(tmp_path):
    commands = demo_commands(tmp_path)
    names = [c[0] for c in commands]
    assert names[0] == "build_demo_city" and "build_demo_cocreate" in names and len(names) >= 10
    for words in commands:
        call_command(*words, verbosity=0)
    first = row_counts()
    assert first["grids.Household"] > 100 and first["cases.Case"] > 50 and first["planning.Project"] == 2
    for words in commands:
        call_command(*words, verbosity=0)
    second = row_counts()
    changed = {k: (first[k], second[k]) for k in first if first[k] != second[k]}
    assert changed == {}

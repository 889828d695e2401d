"""The apps are layered: `common` depends on no app of the project, and no app-level import cycle runs through the
domain code (models, services, rules, tasks, signals, registrations, figures — the pages, API, admin, tests,
migrations and management commands sit on top and may import anything).

The graph is read from the source with `ast`, so it sees what the running program would not notice: an import
inside a function, a string model reference ("planning.Zone" in a ForeignKey) and an apps.get_model() call all
count as a dependency of the module's app. Cross-app facts flow the other way through registries filled in
AppConfig.ready() (common.dashboard, layers.targets, layers.tiles, layers.coverage, planning.statistics,
common.entity hooks) or signals (cases.signals); see "Map of the code" in CONTRIBUTING.md.
"""

import ast
from pathlib import Path

from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parent.parent
# Modules of the presentation layer (and the code that is not part of the running domain): they may depend on
# any app, so they are left out of the graph.
TOP_MODULES = {"views", "api", "admin", "urls", "serializers", "forms", "entities", "pages", "open311", "ogc", "feeds"}
TOP_PACKAGES = {"tests", "migrations", "management", "views", "api", "templatetags"}
# Apps that stand above the domain: the demo city builder loads every app's data.
TOP_APPS = {"fixtures"}


def project_apps():
    """Labels and folders of the installed apps that live in this repository."""
    out = {}
    for config in django_apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.parent == ROOT:
            out[config.label] = (config.name, path)
    return out


def domain_modules(folder):
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(folder)
        if set(rel.parts[:-1]) & TOP_PACKAGES or path.stem in TOP_MODULES or path.stem.startswith("test_"):
            continue
        yield path


def _string_model(value, labels):
    """'planning.Zone' → 'planning' when it names a model of a project app."""
    if isinstance(value, str) and value.count(".") == 1:
        app, model = value.split(".")
        if app in labels and model[:1].isupper():
            return app
    return None


def module_dependencies(path, labels, names):
    """The project apps a module depends on, each with the line that shows it."""
    tree = ast.parse(path.read_text(), str(path))
    found = {}

    def add(app, node):
        found.setdefault(app, node.lineno)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in names:
                    add(names[top], node)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top in names:
                add(names[top], node)
        elif isinstance(node, ast.Call):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if fname == "get_model" and args:
                if len(args) >= 2 and args[0] in labels:
                    add(args[0], node)
                elif (app := _string_model(args[0], labels)) is not None:
                    add(app, node)
            elif fname in ("ForeignKey", "OneToOneField", "ManyToManyField") and args:
                if (app := _string_model(args[0], labels)) is not None:
                    add(app, node)
            for kw in node.keywords:
                if kw.arg in ("to", "through") and isinstance(kw.value, ast.Constant):
                    if (app := _string_model(kw.value.value, labels)) is not None:
                        add(app, node)
    return found


def app_graph():
    """{app: {other app: [(module, line), …]}} over the domain modules of the project apps."""
    found = project_apps()
    labels = set(found)
    names = {name.split(".")[0]: label for label, (name, _path) in found.items()}
    graph = {label: {} for label in labels - TOP_APPS}
    for label, (_name, folder) in found.items():
        if label in TOP_APPS:
            continue
        for path in domain_modules(folder):
            for other, line in module_dependencies(path, labels, names).items():
                if other != label:
                    graph[label].setdefault(other, []).append((str(path.relative_to(ROOT)), line))
    return graph


def cycles(graph):
    """The strongly connected components with more than one app (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def describe(graph, component):
    lines = []
    for a in component:
        for b in component:
            for module, line in graph[a].get(b, []):
                lines.append(f"{a} → {b}: {module}:{line}")
    return "\n".join(lines)


def test_the_graph_sees_every_kind_of_dependency(tmp_path):
    """An import in a function, a string model reference and a get_model call each count."""
    module = tmp_path / "m.py"
    module.write_text(
        "from django.db import models\n"
        "def f():\n"
        "    from cases.models import Case\n"
        "class M(models.Model):\n"
        "    zone = models.ForeignKey('planning.Zone', on_delete=models.CASCADE)\n"
        "    other = models.ManyToManyField(to='assets.Asset')\n"
        "def g(apps):\n"
        "    return apps.get_model('cogov', 'LedgerEntry'), apps.get_model('grids.Household')\n"
    )
    labels = {"cases", "planning", "assets", "cogov", "grids"}
    deps = module_dependencies(module, labels, {label: label for label in labels})
    assert set(deps) == labels
    assert cycles({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}, "d": {"a": []}}) == [["a", "b", "c"]]


def test_no_cycle_between_apps_in_the_domain_code():
    graph = app_graph()
    assert {"common", "grids", "layers", "cases", "planning"} <= set(graph)
    found = cycles(graph)
    assert not found, "\n\n".join(describe(graph, c) for c in found)


def test_common_depends_on_no_app_of_the_project():
    """common is the bottom layer: mixins, geometry, masking, API conventions, the generic entity pages, the
    registries. Its pages and API included: apps plug in through its registries, never the other way round."""
    found = project_apps()
    labels = set(found)
    names = {name.split(".")[0]: label for label, (name, _path) in found.items()}
    reach = []
    for path in sorted(found["common"][1].rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
            continue
        for other, line in module_dependencies(path, labels, names).items():
            if other != "common":
                reach.append(f"{path.relative_to(ROOT)}:{line} → {other}")
    assert not reach, reach

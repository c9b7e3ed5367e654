"""The layers of STYLE.md hold: imports run one way, and the README names what exists."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "accounts", "licensing", "privacy", "cookies", "config")


def modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def imported(path: Path) -> list[tuple[str, bool]]:
    """(module, at top level) of every import in the file."""
    tree = ast.parse(path.read_text())
    top = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


def offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules(package)
        for name, _top in imported(path)
        if name.split(".")[0] in forbidden or name.startswith(forbidden)
    ]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("core", ("accounts", "licensing", "privacy", "cookies", "config")),
        ("accounts", ("licensing", "privacy", "cookies")),
        ("cookies", ("licensing", "privacy")),
        # The domain's writes and reads know no tasks, views, API, admin or forms.
        (
            "licensing/services",
            (
                "licensing.tasks",
                "licensing.api",
                "licensing.views",
                "licensing.admin",
                "licensing.forms",
                "licensing.sweep",
            ),
        ),
        (
            "licensing/selectors",
            ("licensing.services", "licensing.tasks", "licensing.api"),
        ),
    ],
)
def test_a_lower_layer_never_imports_a_higher_one(package, forbidden):
    assert offending(package, forbidden) == []


def test_no_import_hides_inside_a_function():
    inner = [
        f"{path.relative_to(ROOT)}: {name}"
        for app in APPS
        for path in modules(app)
        for name, top in imported(path)
        if not top
    ]
    assert inner == []


def test_every_path_the_readme_architecture_names_exists():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    named = set(
        re.findall(
            r"`((?:config|core|accounts|licensing|cookies|privacy)/[\w/.]+)`", section
        )
    )
    assert named, "the architecture section names no paths"
    missing = [p for p in sorted(named) if not (ROOT / p.rstrip("/")).exists()]
    assert missing == []


def test_every_file_the_readme_tree_names_exists():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Architecture", 1)[1]
    tree = section.split("```", 2)[1]
    missing, top = [], None
    for line in tree.splitlines():
        if line and not line.startswith(" "):
            top = line.split()[0].rstrip("/").split(",")[0]
        if top not in ("config", "core", "accounts", "licensing", "cookies", "privacy"):
            continue
        for name in re.findall(r"([\w]+(?:\.py|/))(?=[\s,]|$)", line):
            if name.rstrip("/") != top and not (ROOT / top / name).exists():
                missing.append(f"{top}/{name}")
    assert missing == []

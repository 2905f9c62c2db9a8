"""The import contracts of `make lint` (pyproject.toml, [tool.importlinter]) break on
the imports DESIGN.md forbids. Each test runs lint-imports with the project's own
configuration over a small stand-in tree: one package per app, plus one module
that imports what the test says."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
APPS = CONFIG["root_packages"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tmp_path: Path, *modules: tuple[str, str]) -> subprocess.CompletedProcess:
    """lint-imports over stand-in packages; ``modules`` are (dotted name, source)."""
    for app in APPS:
        for sub in ("", ".services", ".selectors", ".models", ".views"):
            path = tmp_path.joinpath(*(app + sub).split("."))
            path.mkdir(parents=True, exist_ok=True)
            (path / "__init__.py").touch()
    shutil.copy(ROOT / "sms" / "import_contracts.py", tmp_path / "sms")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for name, source in modules:
        tmp_path.joinpath(*name.split(".")).with_suffix(".py").write_text(source)
    return subprocess.run(  # noqa: S603 (the venv's own tool)
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _output(result) -> str:
    return " ".join((result.stdout + result.stderr).split())


def test_allowed_imports_keep_every_contract(tmp_path):
    result = _lint(
        tmp_path,
        (
            "orders.checkout",
            "from customers import selectors\nimport inventory.services\n",
        ),
        (
            "inventory.stock",
            "import products.models\nfrom sms import import_contracts\n",
        ),
        ("analytics.report", "import opportunities.selectors\nimport orders.models\n"),
    )
    assert result.returncode == 0, _output(result)
    assert "2 kept, 0 broken" in _output(result)


@pytest.mark.parametrize(
    ("name", "source", "message"),
    [
        # an upward import: inventory is below orders
        (
            "inventory.bad",
            "from orders import services\n",
            "inventory is not allowed to import orders",
        ),
        # sms is below every app
        (
            "sms.bad",
            "from inventory.selectors import x\n",
            "sms is not allowed to import inventory",
        ),
        # customers and products are independent of each other
        (
            "products.bad",
            "import customers.services\n",
            "products is not allowed to import customers",
        ),
        # analytics is at the top: nothing below imports it
        (
            "opportunities.bad",
            "import analytics.models\n",
            "opportunities is not allowed to import analytics",
        ),
    ],
)
def test_a_forbidden_direction_breaks_the_layers(tmp_path, name, source, message):
    result = _lint(tmp_path, (name, source))
    assert result.returncode == 1
    output = _output(result)
    assert message in output
    assert f"{name} ->" in output


def test_reaching_into_another_apps_private_module_is_refused(tmp_path):
    result = _lint(tmp_path, ("orders.bad", "from customers.views import x\n"))
    assert result.returncode == 1
    output = _output(result)
    assert "An app reaches another app only through the modules it offers BROKEN" in (
        output
    )
    assert "orders.bad -> customers.views" in output
    assert "customers.views is private to customers" in output


def test_every_project_app_is_in_the_contracts():
    """A new app (demo, support...) must be added to root_packages and the layers,
    or the contracts would not see it."""
    ours = {
        app.split(".")[0]
        for app in settings.INSTALLED_APPS
        if (ROOT / app.split(".")[0]).is_dir()
    }
    assert ours == set(APPS)
    (layers,) = [c for c in CONFIG["contracts"] if c["type"] == "layers"]
    named = {
        part.strip(" ()")
        for layer in layers["layers"]
        for part in layer.replace(":", "|").split("|")
    }
    assert ours <= named

"""Start-up stays light: no process imports the analytics libraries until a job,
a forecast or a chart needs them (they cost seconds per process).

Each case starts a fresh interpreter with ``python -X importtime``, which prints
every import to stderr, children before their importer and indented one step
deeper, so the lines after a heavy import show who imported it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "sklearn", "statsmodels", "matplotlib")
SETUP = (
    "import os, django; "
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'sms.settings'); "
    "django.setup()"
)
LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \| ( *)(\S+)$")


def heavy_imports(stderr: str) -> dict[str, list[str]]:
    """{heavy package: [the module that first imported it, its importer, ...]}
    from ``python -X importtime`` output."""
    lines = [
        (len(m.group(1)) // 2, m.group(2))
        for m in map(LINE.match, stderr.splitlines())
        if m
    ]
    found: dict[str, list[str]] = {}
    for i, (depth, name) in enumerate(lines):
        package = name.partition(".")[0]
        if package not in HEAVY or package in found:
            continue
        chain, level = [name], depth
        for later_depth, later in lines[i + 1 :]:
            if later_depth < level:  # the next shallower line is the importer
                chain.append(later)
                level = later_depth
        found[package] = chain
    return found


def _importtime(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-X", "importtime", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "sms.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("manage.py", "check"), id="manage.py check"),
        pytest.param(("-c", SETUP), id="django.setup()"),
        pytest.param(
            (
                "-c",
                f"{SETUP}; from sms.celery import app; "
                "app.loader.import_default_modules()",
            ),
            id="celery tasks",
        ),
    ],
)
def test_start_up_imports_no_analytics_library(args):
    done = _importtime(*args)
    assert done.returncode == 0, done.stderr[-2000:]
    importers = {
        package: " <- ".join(chain)
        for package, chain in heavy_imports(done.stderr).items()
    }
    assert importers == {}


def test_heavy_imports_names_who_imported_what():
    # The check itself: a fresh interpreter importing pandas through a module of
    # ours is caught, with the chain of importers.
    done = _importtime("-c", "import analytics.rfm")
    assert done.returncode == 0, done.stderr[-2000:]
    found = heavy_imports(done.stderr)
    assert set(found) == {"pandas"}
    assert found["pandas"][-1] == "analytics.rfm"

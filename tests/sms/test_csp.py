"""The Content-Security-Policy header, and templates that stay within it."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
# An executable <script> without src (a type="application/json" block is data), and
# inline event handlers such as onclick= or onsubmit=.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def _templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        yield from folder.rglob("*.html")


def test_no_template_has_inline_scripts_or_event_handlers():
    templates = list(_templates())
    assert len(templates) > 50  # the walk found the project's templates
    offending = [
        f"{path.relative_to(ROOT)}: {match.group(0)[:80]}"
        for path in templates
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER)
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offending == []


@pytest.mark.django_db
def test_every_page_carries_the_policy(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src-elem"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["base-uri"] == "'self'"

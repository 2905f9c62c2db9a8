"""A matplotlib SVG made fit to sit inside a page: the one rule every chart in the
project follows (analytics' charts, the forecast's and the pipeline page's)."""

import re

from django.utils.html import escape


def svg_inline(svg: str, label: str) -> str:
    """``svg`` (as matplotlib saves it) without its XML prolog and fixed size, so
    CSS sizes it to its column, and without matplotlib's <style> element, which the
    Content-Security-Policy refuses (its one rule is in sms.css, scoped to
    .sms-chart); ``label`` names the picture for screen readers."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<style[^>]*>.*?</style>", "", svg, flags=re.DOTALL)
    return re.sub(
        r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
        lambda match: (
            f'<svg{match.group(1)} class="w-100 h-auto sms-chart" '
            f'role="img" aria-label="{escape(label)}"'
        ),
        svg,
        count=1,
    )

"""Submit a page's form as a browser would: every field keeps what the page put in it
(hidden fields, initial values, the selected or first option, ticked boxes) unless
the test types something else. A test then fills only what a user must fill."""

from html.parser import HTMLParser
from urllib.parse import urljoin

from django.test import Client

TEXT_TYPES = {
    "",
    "text",
    "hidden",
    "email",
    "number",
    "date",
    "datetime-local",
    "tel",
    "url",
    "search",
    "password",
}


class _Forms(HTMLParser):
    """The POST forms of a page: action and (name, value) pairs in page order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = {"action": a.get("action", ""), "fields": []}
                self.forms.append(self._form)
            return
        if self._form is None or ("disabled" in a and tag != "option"):
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "").lower()
            if kind in TEXT_TYPES:
                self._form["fields"].append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio") and "checked" in a:
                self._form["fields"].append((name, a.get("value", "on")))
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            self._option = a
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option" and self._option is not None:
            value = self._option.get("value", self._option_text.strip())
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in self._option:
                self._select["chosen"].append(value)
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["chosen"] or [self._select["first"]]
            self._form["fields"].extend(
                (self._select["name"], v) for v in chosen if v is not None
            )
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["fields"].append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None


def submit(client: Client, url: str, data: dict, **extra):
    """GET ``url``, take the POST form that has the most of ``data``'s fields (then
    the one posting to ``url``), fill them in and post it. Returns the response."""
    page = client.get(url, **extra)
    assert page.status_code == 200, (url, page.status_code)
    parser = _Forms()
    parser.feed(page.content.decode())
    form = max(
        parser.forms,
        key=lambda f: (
            len({name for name, _ in f["fields"]} & set(data)),
            urljoin(url, f["action"]) == url,  # the page's own form, not the navbar's
        ),
    )
    fields: dict[str, list[str]] = {}
    for name, value in form["fields"]:
        fields.setdefault(name, []).append(value)
    for name, value in data.items():
        fields[name] = value if isinstance(value, list) else [value]
    return client.post(urljoin(url, form["action"]), fields, **extra)

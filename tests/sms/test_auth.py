import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sms.demo_users import DEMO_PASSWORD
from tests.sms.factories import PASSWORD, RepFactory

pytestmark = pytest.mark.django_db

# Pages an anonymous visitor may open. Everything else needs a log-in.
PUBLIC_URL_NAMES = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "health",
    "opportunities:lead-form",  # the public web-to-lead form
}
SAMPLE_ARGS = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "0" * 32}


def _app_paths():
    """Every URL the project routes (the admin excepted), with sample arguments."""

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                ns = entry.namespace or namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                for kind, sample in SAMPLE_ARGS.items():
                    while f"<{kind}:" in route:
                        start = route.index(f"<{kind}:")
                        route = (
                            route[:start]
                            + sample
                            + route[route.index(">", start) + 1 :]
                        )
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield name, "/" + route.lstrip("^").rstrip("$")

    return list(walk(get_resolver().url_patterns, "", None))


def test_every_app_page_redirects_anonymous_visitors_to_the_login_page(client):
    paths = _app_paths()
    assert len(paths) > 10  # the walk found the project's urls
    for name, path in paths:
        if name in PUBLIC_URL_NAMES:
            continue
        response = client.get(path)
        assert response.status_code == 302, (name, path, response.status_code)
        assert response.url.startswith(reverse("login") + "?next="), (name, path)


def test_public_pages_open_without_a_log_in(client):
    for name in ("login", "password_reset", "health", "opportunities:lead-form"):
        assert client.get(reverse(name)).status_code == 200, name


def test_admin_sends_anonymous_visitors_to_a_log_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "login" in response.url


def test_login_with_the_right_password_lands_on_the_start_page(client):
    user = RepFactory(first_name="Rita")
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Rita" in response.content.decode()
    assert response.context["user"] == user


def test_login_with_a_wrong_password_shows_an_error_and_stays(client):
    user = RepFactory()
    response = client.post(
        reverse("login"), {"username": user.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_login_keeps_the_page_asked_for(client):
    user = RepFactory()
    response = client.post(
        reverse("login") + "?next=/orders/",
        {"username": user.username, "password": PASSWORD, "next": "/orders/"},
    )
    assert response.status_code == 302
    assert response.url == "/orders/"


def test_logout_ends_the_session(client):
    user = RepFactory()
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_refused(client):
    client.force_login(RepFactory())
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_password_change_takes_effect(client):
    user = RepFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase")


def test_password_change_shows_field_errors(client):
    user = RepFactory()
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "x", "new_password2": "y"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "old_password" in form.errors
    assert "new_password2" in form.errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def _fail(client, username, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": "wrong"}, REMOTE_ADDR=ip
    )


def test_five_failed_logins_lock_that_user_and_address_for_15_minutes(client):
    user = RepFactory()
    for _ in range(4):
        assert _fail(client, user.username).status_code == 200
    locked = _fail(client, user.username)
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Too many failed log-ins" in body
    assert "locked for 15 minutes" in body

    # Even the right password is refused from that address while locked.
    right = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert right.status_code == 429
    assert not right.wsgi_request.user.is_authenticated


def test_a_lockout_is_per_user_and_address(client):
    user = RepFactory()
    other = RepFactory()
    for _ in range(5):
        _fail(client, user.username)
    # The same user from another address, and another user from the same address.
    elsewhere = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
    )
    assert elsewhere.status_code == 302
    client.post(reverse("logout"))
    colleague = client.post(
        reverse("login"),
        {"username": other.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert colleague.status_code == 302


def test_a_successful_login_resets_the_failure_count(client):
    user = RepFactory()
    for _ in range(4):
        _fail(client, user.username)
    ok = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert ok.status_code == 302
    client.post(reverse("logout"))
    for _ in range(4):
        assert _fail(client, user.username).status_code == 200


def _fail_via_proxy(client, username, forwarded_for):
    return client.post(
        reverse("login"),
        {"username": username, "password": "wrong"},
        REMOTE_ADDR="172.16.0.5",  # the proxy
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_proxy_lockouts_use_the_forwarded_client_address(client, settings):
    settings.SMS_PROXY_COUNT = 1
    user = RepFactory()
    for _ in range(5):
        # A forged left-most entry does not change the address the proxy appended.
        _fail_via_proxy(client, user.username, f"6.6.6.{_}, 203.0.113.7")
    assert _fail_via_proxy(client, user.username, "203.0.113.7").status_code == 429
    # The same user from another client behind the same proxy is not locked out.
    ok = client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR="172.16.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert ok.status_code == 302


def test_without_proxies_a_forged_forwarded_header_is_ignored(client):
    user = RepFactory()
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="10.0.0.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    assert _fail(client, user.username, ip="10.0.0.9").status_code == 429


def _login(client, username, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip
    )


def test_password_spraying_across_user_names_locks_the_address(client, settings):
    assert settings.SMS_LOGIN_ADDRESS_FAILURE_LIMIT == 20
    user = RepFactory()
    # One guess each for 19 user names: no pair reaches 5, the address reaches 19.
    for n in range(19):
        assert _fail(client, f"sprayed{n}").status_code == 200
    locked = _fail(client, "sprayed19")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Too many failed log-ins" in body
    assert "every log-in from it is locked" in body
    assert "locked for 15 minutes" in body
    # Nobody logs in from that address now, not even with the right password...
    assert _login(client, user.username).status_code == 429
    # ...while the same user elsewhere still can.
    assert _login(client, user.username, ip="10.0.0.2").status_code == 302


def test_an_office_behind_one_address_survives_its_colleagues_typos(client):
    colleagues = RepFactory.create_batch(4)
    # 16 typos from one address (4 each, none locked alone), then everyone logs in.
    for user in colleagues:
        for _ in range(4):
            assert _fail(client, user.username).status_code == 200
    for user in colleagues:
        assert _login(client, user.username).status_code == 302
        client.post(reverse("logout"))


def test_logging_in_with_one_account_does_not_reset_the_spraying_count(client):
    insider = RepFactory()
    for n in range(15):
        _fail(client, f"sprayed{n}")
    assert _login(client, insider.username).status_code == 302
    client.post(reverse("logout"))
    for n in range(15, 19):
        assert _fail(client, f"sprayed{n}").status_code == 200
    assert _fail(client, "sprayed19").status_code == 429


def test_a_successful_login_forgives_that_users_typos_in_the_address_count(client):
    # 4 typos by each of 5 colleagues would be 20 from the address; each one's own
    # log-in in between takes their typos off the count.
    for user in RepFactory.create_batch(5):
        for _ in range(4):
            _fail(client, user.username)
        assert _login(client, user.username).status_code == 302
        client.post(reverse("logout"))
    assert _fail(client, "someone").status_code == 200


def test_with_debug_off_the_demo_password_is_refused(client, settings):
    settings.DEBUG = False
    user = RepFactory(password=DEMO_PASSWORD)
    refused = _login_with(client, user.username, DEMO_PASSWORD)
    assert refused.status_code == 200
    assert "Please enter a correct username and password" in refused.content.decode()
    assert not refused.wsgi_request.user.is_authenticated


def test_with_debug_on_the_demo_password_logs_in(client, settings):
    settings.DEBUG = True
    user = RepFactory(password=DEMO_PASSWORD)
    assert _login_with(client, user.username, DEMO_PASSWORD).status_code == 302


def _login_with(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})

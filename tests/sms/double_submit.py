"""Helpers for double-submit tests: read a form's token, post at the same moment."""

import re
import threading

from django.db import connection
from django.test import Client

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def form_token(client: Client, url: str) -> str:
    """The one-time token of the form at url, as the browser gets it."""
    response = client.get(url)
    assert response.status_code == 200, url
    found = TOKEN.findall(response.content.decode())
    assert len(found) == 1, f"{url}: {len(found)} form tokens"
    return found[0]


def posted_twice(client: Client, url: str, data: dict):
    """A double click: the same form (same token) posted twice, one after the other."""
    data = {**data, "form_token": form_token(client, url)}
    return client.post(url, data), client.post(url, data, follow=True)


def parallel_posts(user, url: str, payloads: list[dict]) -> list[tuple[int, str]]:
    """Each payload posted by its own client (own database connection), all released
    at once; returns (status, redirect target or '') per post."""
    barrier = threading.Barrier(len(payloads), timeout=30)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def run(data):
        client = Client()
        try:
            if user is not None:
                client.force_login(user)
            barrier.wait()
            response = client.post(url, data)
            outcome = (response.status_code, response.get("Location", ""))
        except Exception as exc:  # a deadlock or a 500 fails the test
            outcome = (0, repr(exc))
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(data,)) for data in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not any(thread.is_alive() for thread in threads), "a post hung"
    return results

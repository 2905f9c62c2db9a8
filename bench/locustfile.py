"""Load test: sales reps and managers working through the day (issue #13).

Run it through bench/bench_load.py, which starts the documented deployment
(gunicorn with gunicorn.conf.py), runs locust headless for a fixed time per user
count and writes the results to bench/results/. By hand, against a server on
loopback already serving the demo data (`seed_demo` users):

    locust -f bench/locustfile.py --headless -u 50 -r 5 -t 2m \
        --host http://127.0.0.1:8000

Each simulated user logs in (GET the form, POST it), then repeats a realistic mix
with 0.5 to 2 s of think time between requests: the start page, the customer list
(plain, searched, filtered, paged), a customer's page, logging a call (GET the form,
POST it), the opportunity list, board and pipeline, the order list and an order,
the product list, the analytics dashboard and a report. Now and then a user logs
out and in again, so log-in POSTs happen all through the run, not only at start.
Requests are named by route (not by id) so the statistics group per page.
"""

# ruff: noqa: S311 - random picks of pages and records, not secrets

import random
import re

from bench_load import MANAGERS, PASSWORD, REPS, csrf_token  # this directory
from locust import HttpUser, between, task

CUSTOMER_RE = re.compile(r'href="/customers/(\d+)/"')
ORDER_RE = re.compile(r'href="/orders/(\d+)/"')
SEARCHES = ("a", "ltd", "gmbh", "son", "tech", "in")


class SalesUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    usernames: tuple[str, ...] = ()

    def on_start(self):
        self.username = random.choice(self.usernames)
        self.customer_ids: list[str] = []
        self.order_ids: list[str] = []
        self.log_in()

    def log_in(self):
        form = self.client.get("/accounts/login/", name="log-in form")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf_token(form),
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="log-in POST",
            catch_response=True,
        ) as response:
            # A successful log-in redirects to the start page; a failure shows
            # the form again with 200.
            if response.url.rstrip("/") != self.host.rstrip("/"):
                response.failure(f"log-in failed, ended on {response.url}")

    def _ids(self, response, pattern: re.Pattern) -> list[str]:
        return list(dict.fromkeys(pattern.findall(response.text)))

    @task(1)
    def log_out_and_in(self):
        form = self.client.get("/", name="home")
        self.client.post(
            "/accounts/logout/",
            data={"csrfmiddlewaretoken": csrf_token(form)},
            headers={"Referer": f"{self.host}/"},
            name="log-out POST",
        )
        self.log_in()

    @task(3)
    def home(self):
        self.client.get("/", name="home")

    @task(6)
    def customer_list(self):
        choice = random.random()
        if choice < 0.4:
            response = self.client.get("/customers/", name="customer list")
        elif choice < 0.7:
            response = self.client.get(
                "/customers/",
                params={"q": random.choice(SEARCHES)},
                name="customer list: search",
            )
        elif choice < 0.9:
            response = self.client.get(
                "/customers/",
                params={"kind": "company", "status": "active", "sort": "name"},
                name="customer list: filter",
            )
        else:
            response = self.client.get(
                "/customers/", params={"page": 2}, name="customer list: page 2"
            )
        self.customer_ids = self._ids(response, CUSTOMER_RE) or self.customer_ids

    @task(6)
    def customer_page(self):
        if not self.customer_ids:
            return self.customer_list()
        pk = random.choice(self.customer_ids)
        self.client.get(f"/customers/{pk}/", name="customer page")

    @task(3)
    def log_call(self):
        if not self.customer_ids:
            return self.customer_list()
        pk = random.choice(self.customer_ids)
        url = f"/customers/{pk}/interactions/new/"
        form = self.client.get(url, params={"kind": "call"}, name="log call form")
        with self.client.post(
            url,
            data={
                "csrfmiddlewaretoken": csrf_token(form),
                "kind": "call",
                "occurred_at": "2026-01-15T10:30",
                "summary": "Load test: called about the next order.",
                "outcome": "Will order next week",
            },
            headers={"Referer": f"{self.host}{url}"},
            name="log call POST",
            catch_response=True,
        ) as response:
            # Success redirects to the customer's page.
            if not response.url.rstrip("/").endswith(f"/customers/{pk}"):
                response.failure(f"call not logged, ended on {response.url}")

    @task(3)
    def opportunity_list(self):
        self.client.get("/opportunities/", name="opportunity list")

    @task(2)
    def board(self):
        self.client.get("/opportunities/board/", name="opportunity board")

    @task(2)
    def pipeline(self):
        self.client.get("/opportunities/pipeline/", name="opportunity pipeline")

    @task(4)
    def order_list(self):
        response = self.client.get("/orders/", name="order list")
        self.order_ids = self._ids(response, ORDER_RE) or self.order_ids

    @task(4)
    def order_page(self):
        if not self.order_ids:
            return self.order_list()
        pk = random.choice(self.order_ids)
        self.client.get(f"/orders/{pk}/", name="order page")

    @task(3)
    def product_list(self):
        self.client.get("/products/", name="product list")

    @task(2)
    def dashboard(self):
        self.client.get("/analytics/", name="dashboard")

    @task(1)
    def report(self):
        slug = random.choice(("sales", "customers", "products", "pipeline"))
        self.client.get(f"/analytics/reports/{slug}/", name="report")


class Rep(SalesUser):
    weight = 4
    usernames = REPS


class Manager(SalesUser):
    weight = 1
    usernames = MANAGERS

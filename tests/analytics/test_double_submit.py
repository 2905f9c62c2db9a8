"""The new forecast driver form posted twice saves one driver."""

import pytest

from analytics.models import ForecastDriver
from tests.analytics.test_drivers import NEW
from tests.sms.double_submit import posted_twice

pytestmark = pytest.mark.django_db


def test_the_new_driver_form_posted_twice_makes_one_driver(manager_client):
    first, second = posted_twice(
        manager_client, NEW, {"name": "Spend", "values": "2024-01,5\n2024-02,6"}
    )
    driver = ForecastDriver.objects.get()
    assert first.status_code == 302
    assert "This was already saved." in second.content.decode()
    assert driver.values.count() == 2

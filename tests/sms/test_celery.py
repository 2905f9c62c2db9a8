import pytest
from django_celery_results.models import TaskResult

from sms.tasks import ping
from tests.sms.factories import RepFactory


@pytest.mark.django_db
def test_without_a_worker_tasks_run_in_process():
    RepFactory()
    assert ping.delay("hi").get(timeout=1) == {"echo": "hi", "users": 1}


@pytest.mark.broker
def test_a_real_worker_runs_a_task_through_redis_and_stores_its_result(celery_worker):
    RepFactory()
    RepFactory()
    result = ping.delay("through the broker")
    assert result.get(timeout=30) == {"echo": "through the broker", "users": 2}
    stored = TaskResult.objects.get(task_id=result.id)
    assert stored.status == "SUCCESS"
    assert stored.task_name == "sms.tasks.ping"

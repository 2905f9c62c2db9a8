from customers.selectors import tasks_due_count


def tasks_due(request) -> dict:
    """The navbar's count of the user's tasks due today or overdue (one query)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    # Templates rendered inside a page (tables, partials) run the processors again.
    if not hasattr(request, "_sms_tasks_due"):
        request._sms_tasks_due = tasks_due_count(user=user)
    return {"tasks_due": request._sms_tasks_due}

"""The outbox: every message SMS sends to the outside (customer e-mails today;
rule actions, support replies and webhooks next) is first a row, written in the
transaction of the event that causes it, then handed to a worker after commit.

A using app declares its outbox once, in its AppConfig.ready():

    outbox_register(model=OrderEmail, build="orders.emails.order_email_message")

``model`` is a concrete subclass of ``sms.outbox.models.OutboxMessage``; ``build``
(a function or its dotted path) turns one row into something with a ``send()``
method (an EmailMessage; a webhook call). The app then only writes rows
(``outbox_queue``); claiming, sending, retrying with back-off, the sweep and the
admin retry are shared (``sms.outbox.services``, ``sms.outbox.admin``, the tasks
in ``sms.tasks``). See docs/outbox.md.
"""

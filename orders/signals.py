"""Signals other apps may listen to (orders never imports them)."""

from django.dispatch import Signal

# Sent after bulk writes that bypass model signals (order history imports, demo
# data), once they are committed; analytics refreshes its cached figures on it.
orders_bulk_changed = Signal()

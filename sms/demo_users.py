"""The demo log-ins: created by ``seed_demo`` under DEBUG, refused in production.

``sms.security.DemoPasswordRefusingBackend`` refuses the demo password when DEBUG is
off, and the deploy check ``sms.E001`` (sms/checks.py) fails while a demo user still
has it.
"""

from sms.roles import SALES_MANAGER, SALES_REP

DEMO_PASSWORD = "sms-demo"  # noqa: S105 - printed for the demo; refused without DEBUG

# username, first name, last name, role (None: a staff admin)
DEMO_USERS = (
    ("admin", "Alex", "Admin", None),
    ("manager", "Maria", "Moreno", SALES_MANAGER),
    ("rep1", "Rita", "Reyes", SALES_REP),
    ("rep2", "Sam", "Patel", SALES_REP),
)

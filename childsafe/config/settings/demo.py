"""`childsafe demo`: the embedded settings (local) plus the demo's own conveniences, never in production.

The demo's worker delivers email to the demo mail catcher (childsafe.demo.mailcatcher), which keeps it
in this Maildir, and administrators can read it on the "Sent email" page, which exists only when this
is set.
"""

from __future__ import annotations

from .local import *  # noqa: F403
from .local import VAR_DIR

CHILDSAFE_DEMO_MAILDIR = VAR_DIR / "demo-mail"

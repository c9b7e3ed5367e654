"""The DPO's admin: cases (the console) and logs (exports, erasures, and what
others may not see of the outbox and audit log)."""

from privacy.admin import cases, logs

__all__ = ["cases", "logs"]

"""What the outbox holds, as tests read it."""

from core.models import OutboxEmail


def queued_templates() -> list[str]:
    """The emails queued so far, by template name (without its folder), oldest first."""
    rows = OutboxEmail.objects.order_by("id").values_list("template", flat=True)
    return [t.rsplit("/", 1)[-1] for t in rows]

from django import template

from cookies import inventory, selectors

register = template.Library()


@register.inclusion_tag("cookies/history.html", takes_context=True)
def consent_history(context):
    """The signed-in person's cookie choices, for their profile."""
    request = context["request"]
    consent = getattr(request, "cookie_consent", None)
    return {
        "history": selectors.consent_history(
            consent_id=consent.consent_id if consent else None, user=request.user
        ),
        "groups": {group.varname: group for group in inventory.GROUPS},
    }

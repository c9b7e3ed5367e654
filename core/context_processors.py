from django.conf import settings


def vendor(request):
    return {
        "vendor_name": settings.VENDOR_NAME,
        "support_email": settings.VENDOR_SUPPORT_EMAIL,
        "dpo_email": settings.VENDOR_DPO_EMAIL,
    }

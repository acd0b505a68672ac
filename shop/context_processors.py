"""Template context every page needs."""

from django.conf import settings


def shop(request):
    return {"shop_name": settings.SHOP_NAME}

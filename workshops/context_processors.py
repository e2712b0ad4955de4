from django.conf import settings


def organiser(request):
    return {"ORGANISER_NAME": settings.ORGANISER_NAME, "ORGANISER_EMAIL": settings.ORGANISER_EMAIL}

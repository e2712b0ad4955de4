from django.conf import settings
from django.shortcuts import render


def home(request):
    return render(request, "workshops/public/home.html")


def privacy(request):
    return render(request, "workshops/public/privacy.html", {"retention_days": settings.RETENTION_DAYS})


def accessibility(request):
    return render(request, "workshops/public/accessibility.html")

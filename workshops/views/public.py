from datetime import date

from django.conf import settings
from django.shortcuts import redirect, render

from ..forms import JoinCodeForm
from ..models import Workshop, normalise_join_code

# The day the accessibility statement was last reviewed against the pages.
ACCESSIBILITY_REVIEWED = date(2026, 11, 23)


def home(request):
    """The front page: a field for the code on the projector, which leads to /<CODE>."""
    form = JoinCodeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("join", code=form.cleaned_data["code"])
    return render(request, "workshops/public/home.html", {"form": form})


def privacy(request):
    # ?workshop=CODE (linked from a participant's page) adds that workshop's deletion date.
    workshop = None
    if request.GET.get("workshop"):
        workshop = Workshop.objects.filter(code=normalise_join_code(request.GET["workshop"][:20])).first()
    return render(
        request,
        "workshops/public/privacy.html",
        {"retention_days": settings.RETENTION_DAYS, "workshop": workshop},
    )


def accessibility(request):
    return render(request, "workshops/public/accessibility.html", {"reviewed": ACCESSIBILITY_REVIEWED})

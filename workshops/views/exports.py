"""The owner's downloads and the printable report. Everyone else gets 404."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import exports
from ..access import owned_workshop


@never_cache
@login_required
@require_GET
def export_page(request, code):
    workshop = owned_workshop(request, code)
    return render(
        request,
        "workshops/exports/export_page.html",
        {
            "workshop": workshop,
            "has_signatures": workshop.signatures.exists(),
            # The report and the spreadsheet CSV come in each of the workshop's languages.
            "languages": [(code, str(dict(settings.LANGUAGES)[code])) for code in workshop.languages],
        },
    )


@login_required
@require_GET
def export(request, code, fmt):
    workshop = owned_workshop(request, code)
    if fmt not in exports.FORMATS:
        raise Http404
    file = exports.export(
        workshop, fmt, signatures=request.GET.get("signatures") == "1", language=request.GET.get("language")
    )
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, file.filename)
    # Answers and names are personal data: no cache keeps a copy.
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_GET
def report(request, code):
    workshop = owned_workshop(request, code)
    # The report is a document of the workshop, so it speaks the workshop's language, or another
    # of its languages that the organiser picked on the export page.
    language = exports.export_language(workshop, request.GET.get("language"))
    with translation.override(language):
        context = exports.report_context(workshop, language)
        response = render(request, "workshops/exports/report.html", context)
    response["Cache-Control"] = "no-store"
    return response

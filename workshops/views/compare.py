"""Workshops compared side by side, and the next round of a workshop.

Only the facilitator's own workshops: each code goes through `owned_workshop`, so another's
workshop in the query is a 404, not a silently empty column.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import comparison, services
from ..access import owned_workshop
from ..forms import compare_query
from ..models import Workshop

COMPARE = "workshops/facilitator/compare.html"


def _picked(request) -> tuple[list[Workshop], dict[int, int]]:
    codes, by_hand = compare_query(request.GET)
    return [owned_workshop(request, code) for code in codes], by_hand


def _hand_matches(result: comparison.Comparison, by_hand: dict[int, int]) -> list[dict]:
    """The page's "match by hand" choices: every statement in an incomplete row or matched by hand."""
    choices = []
    for row in result.rows:
        for workshop_id, statement in row.statements.items():
            matched = statement.pk in by_hand and len(row.statements) > 1
            if row.complete and not matched:
                continue
            options = [
                {"value": other.first.pk, "label": f"{other.number}. {other.label}", "selected": False}
                for other in result.rows
                if other is not row and workshop_id not in other.statements
            ]
            if matched:
                options.insert(
                    0,
                    {"value": by_hand[statement.pk], "label": f"{row.number}. {row.label}", "selected": True},
                )
            workshop = next(w for w in result.workshops if w.pk == workshop_id)
            if options:
                choices.append({"statement": statement, "workshop": workshop, "options": options})
    return choices


@never_cache
@login_required
@require_GET
def compare(request):
    workshops, by_hand = _picked(request)
    picked = {w.pk for w in workshops}
    context = {
        "own": [
            {"workshop": w, "picked": w.pk in picked}
            for w in Workshop.objects.filter(owner=request.user).order_by("-created_at")
        ],
        "workshops": workshops,
        "max_compared": comparison.MAX_COMPARED,
    }
    if len(workshops) >= 2:
        result = comparison.compare(workshops, by_hand)
        rows = [
            {
                "row": row,
                "cells": [
                    {"workshop": w, "cell": cell, "flags": comparison.flags(cell) if cell else []}
                    for w, cell in zip(workshops, row.cells, strict=True)
                ],
                "reworded": len({comparison.normalise(s.text) for s in row.statements.values()}) > 1,
            }
            for row in result.rows
        ]
        context.update(
            result=result,
            rows=rows,
            hand_matches=_hand_matches(result, by_hand),
            query=request.GET.urlencode(),
            scale=comparison.Rating.choices,
        )
    return render(request, COMPARE, context)


@login_required
@require_GET
def compare_export(request, fmt):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    workshops, by_hand = _picked(request)
    if len(workshops) < 2:
        raise Http404
    result = comparison.compare(workshops, by_hand)
    name = f"comparison-{'-'.join(w.code for w in workshops)}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(comparison.xlsx_bytes(result), content_type=content_type)
    else:
        response = HttpResponse(comparison.data_csv(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


# --- Rounds -----------------------------------------------------------------------------------


@login_required
def next_round(request, code):
    """Confirm, then start the next round; the join code moves to it (services.start_next_round)."""
    workshop = owned_workshop(request, code)
    error = None
    if request.method == "POST":
        try:
            new = services.start_next_round(workshop)
        except services.WorkshopError as refused:
            error = refused.message
        else:
            messages.success(
                request,
                _("Round %(number)s has started. Round %(previous)s is kept under the join code %(old)s.")
                % {"number": new.round_number, "previous": workshop.round_number, "old": workshop.code},
            )
            return redirect("workshop_run", code=new.code)
    return render(
        request,
        "workshops/facilitator/next_round.html",
        {"workshop": workshop, "next_number": workshop.round_number + 1, "error": error},
        status=400 if error else 200,
    )

"""Workshops compared side by side, and the next round of a workshop."""

from django.http import Http404


def compare(request):
    raise Http404


def compare_export(request, fmt):
    raise Http404


def next_round(request, code):
    raise Http404

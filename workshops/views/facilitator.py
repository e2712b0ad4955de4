from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..models import Workshop


@login_required
def workshop_list(request):
    workshops = Workshop.objects.filter(owner=request.user)
    return render(request, "workshops/facilitator/workshop_list.html", {"workshops": workshops})

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import exports, facilitator, projector, public

urlpatterns = [
    # --- Public pages -------------------------------------------------------------------------
    path("", public.home, name="home"),
    path("privacy/", public.privacy, name="privacy"),
    path("accessibility/", public.accessibility, name="accessibility"),
    # --- Facilitator accounts -----------------------------------------------------------------
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # --- Facilitator: workshops ---------------------------------------------------------------
    path("workshops/", facilitator.workshop_list, name="workshop_list"),
    # --- Projector ----------------------------------------------------------------------------
    path("workshops/<str:code>/projector/<str:key>/", projector.projector, name="projector"),
    path("workshops/<str:code>/notes/", projector.workshop_notes, name="workshop_notes"),
    # --- Exports ------------------------------------------------------------------------------
    path("workshops/<str:code>/export/", exports.export_page, name="export_page"),
    path("workshops/<str:code>/export/<str:fmt>/", exports.export, name="export"),
    path("workshops/<str:code>/report/", exports.report, name="report"),
    # --- Participants (last: the join URL is /<JOIN CODE> at the site root) --------------------
]

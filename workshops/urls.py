from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from .views import compare, exports, facilitator, ideas, paper, participant, projector, public

register_converter(participant.JoinCodeConverter, "joincode")

urlpatterns = [
    # --- Public pages -------------------------------------------------------------------------
    path("", public.home, name="home"),
    path("privacy/", public.privacy, name="privacy"),
    path("accessibility/", public.accessibility, name="accessibility"),
    # --- Facilitator accounts -----------------------------------------------------------------
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # --- Facilitator: workshops ---------------------------------------------------------------
    path("workshops/", facilitator.workshop_list, name="workshop_list"),
    path("workshops/new/", facilitator.workshop_new, name="workshop_new"),
    # Before workshops/<code>/, so that "compare" is not read as a join code.
    path("workshops/compare/", compare.compare, name="compare"),
    path("workshops/compare/<str:fmt>/", compare.compare_export, name="compare_export"),
    path("workshops/<str:code>/", facilitator.workshop_run, name="workshop_run"),
    path("workshops/<str:code>/phase/", facilitator.workshop_phase, name="workshop_phase"),
    path("workshops/<str:code>/timer/", facilitator.workshop_timer, name="workshop_timer"),
    path("workshops/<str:code>/results/", facilitator.workshop_results, name="workshop_results"),
    path("workshops/<str:code>/slide/", facilitator.workshop_slide, name="workshop_slide"),
    path("workshops/<str:code>/joining/", facilitator.workshop_joining, name="workshop_joining"),
    path("workshops/<str:code>/approval/", facilitator.workshop_approval, name="workshop_approval"),
    path(
        "workshops/<str:code>/projector-link/",
        facilitator.workshop_projector_link,
        name="workshop_projector_link",
    ),
    path("workshops/<str:code>/edit/", facilitator.workshop_edit, name="workshop_edit"),
    path("workshops/<str:code>/statements/", facilitator.statement_add, name="statement_add"),
    path(
        "workshops/<str:code>/statements/<int:statement_id>/",
        facilitator.statement_edit,
        name="statement_edit",
    ),
    path(
        "workshops/<str:code>/statements/<int:statement_id>/remove/",
        facilitator.statement_remove,
        name="statement_remove",
    ),
    path(
        "workshops/<str:code>/statements/<int:statement_id>/move/",
        facilitator.statement_move,
        name="statement_move",
    ),
    path("workshops/<str:code>/duplicate/", facilitator.workshop_duplicate, name="workshop_duplicate"),
    path("workshops/<str:code>/clear-votes/", facilitator.workshop_clear_votes, name="workshop_clear_votes"),
    path("workshops/<str:code>/delete/", facilitator.workshop_delete, name="workshop_delete"),
    # --- Facilitator: ideas from the hall ------------------------------------------------------
    path("workshops/<str:code>/ideas/", ideas.console, name="ideas_console"),
    path("workshops/<str:code>/ideas/<int:proposal_id>/", ideas.accept, name="idea_accept"),
    path("workshops/<str:code>/ideas/<int:proposal_id>/set-aside/", ideas.set_aside, name="idea_set_aside"),
    # --- Paper sheets and rounds --------------------------------------------------------------
    path("workshops/<str:code>/paper/", paper.paper, name="paper"),
    path("workshops/<str:code>/paper/<int:number>/", paper.paper_edit, name="paper_edit"),
    path("workshops/<str:code>/paper/<int:number>/remove/", paper.paper_remove, name="paper_remove"),
    path("workshops/<str:code>/paper/helpers/", paper.helper_add, name="paper_helper_add"),
    path(
        "workshops/<str:code>/paper/helpers/<int:user_id>/remove/",
        paper.helper_remove,
        name="paper_helper_remove",
    ),
    path("workshops/<str:code>/next-round/", compare.next_round, name="next_round"),
    # --- Projector ----------------------------------------------------------------------------
    path("workshops/<str:code>/projector/", projector.projector_screen, name="projector_screen"),
    path("workshops/<str:code>/projector/<str:key>/", projector.projector, name="projector"),
    path("workshops/<str:code>/notes/", projector.workshop_notes, name="workshop_notes"),
    # --- Exports ------------------------------------------------------------------------------
    path("workshops/<str:code>/export/", exports.export_page, name="export_page"),
    path("workshops/<str:code>/export/<str:fmt>/", exports.export, name="export"),
    path("workshops/<str:code>/report/", exports.report, name="report"),
    # --- Participants (last: the join URL is /<JOIN CODE> at the site root) --------------------
    path("<joincode:code>", participant.join, name="join"),
    path("<joincode:code>/me/", participant.home, name="participant_home"),
    path("<joincode:code>/me/live/", participant.live, name="participant_live"),
    path("<joincode:code>/me/sign/", participant.sign, name="participant_sign"),
    path("<joincode:code>/me/<int:statement_id>/dots/", participant.set_dots, name="participant_dots"),
    path("<joincode:code>/me/<int:statement_id>/rating/", participant.set_rating, name="participant_rating"),
    path("<joincode:code>/me/<int:statement_id>/notes/", participant.add_note, name="participant_note_add"),
    path("<joincode:code>/me/notes/<int:note_id>/", participant.edit_note, name="participant_note_edit"),
    path("<joincode:code>/me/ideas/", ideas.propose, name="participant_idea_add"),
    path("<joincode:code>/me/ideas/<int:proposal_id>/", ideas.edit, name="participant_idea_edit"),
    path(
        "<joincode:code>/me/ideas/<int:proposal_id>/withdraw/",
        ideas.withdraw,
        name="participant_idea_withdraw",
    ),
    path(
        "<joincode:code>/me/notes/<int:note_id>/delete/",
        participant.delete_note,
        name="participant_note_delete",
    ),
]

from django.contrib import admin

from .models import (
    Answer,
    Note,
    PaperSheetEdit,
    Participant,
    PhaseRecord,
    Proposal,
    Signature,
    Statement,
    Workshop,
)


class StatementInline(admin.TabularInline):
    model = Statement
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "owner", "phase", "results_visibility", "created_at", "delete_after"]
    list_filter = ["phase", "language"]
    search_fields = ["code", "title", "owner__username"]
    inlines = [StatementInline]


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ["short_name", "workshop", "position"]
    search_fields = ["workshop__code", "short_name"]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["number", "workshop", "source", "joined_at"]
    list_filter = ["source"]
    search_fields = ["workshop__code"]
    exclude = ["token"]


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    list_display = ["name", "workshop", "signed_at"]
    search_fields = ["workshop__code", "name"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["participant", "statement", "dots", "rating"]
    search_fields = ["statement__workshop__code"]
    list_select_related = ["participant", "statement"]


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["kind", "text", "statement", "hidden_on_projector", "created_at"]
    list_filter = ["kind", "hidden_on_projector"]
    search_fields = ["statement__workshop__code", "text"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["short_name", "text", "participant", "outcome", "created_at"]
    list_filter = ["outcome"]
    search_fields = ["participant__workshop__code", "short_name", "text"]
    list_select_related = ["participant__workshop"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened: an audit log that the admin could rewrite would prove nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaperSheetEdit)
class PaperSheetEditAdmin(ReadOnlyAdmin):
    list_display = ["workshop", "participant_number", "action", "edited_by_name", "edited_at"]
    list_filter = ["action"]
    search_fields = ["workshop__code", "edited_by_name"]
    list_select_related = ["workshop"]


@admin.register(PhaseRecord)
class PhaseRecordAdmin(ReadOnlyAdmin):
    list_display = ["workshop", "phase", "started_at", "ended_at"]
    list_filter = ["phase"]
    search_fields = ["workshop__code"]
    list_select_related = ["workshop"]

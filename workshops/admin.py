from django.contrib import admin

from .models import Answer, Note, Participant, Signature, Statement, Workshop


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
    list_display = ["number", "workshop", "joined_at"]
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

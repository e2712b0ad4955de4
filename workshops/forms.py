import re
import unicodedata

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import (
    INSTRUCTION_MAX_LENGTH,
    MAX_DOTS,
    NOTE_MAX_LENGTH,
    SHORT_NAME_MAX_LENGTH,
    SIGNATURE_MAX_LENGTH,
    STATEMENT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    NoteKind,
    Phase,
    Rating,
)

# --- Shared validators ------------------------------------------------------------------------

# Line breaks and tabs are text; every other control character (a bell, an escape, a NUL) is not,
# and some of them make a spreadsheet export unreadable.
ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def no_control_characters(value: str) -> None:
    """Refuse control characters in free text: every note, name, statement, title and instruction field."""
    if any(unicodedata.category(ch) == "Cc" and ch not in ALLOWED_CONTROLS for ch in value or ""):
        raise forms.ValidationError(
            _("The text contains a control character that cannot be saved. Remove it and try again."),
            code="control_character",
        )


# --- Texts in several languages (issue 15) ------------------------------------------------------


def language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


class SideBySideTexts:
    """A form whose texts (`side_by_side`: field name -> its label) are written in each of the
    workshop's languages: the main field, and a `<name>_<code>` field for each further language,
    drawn in one row by `_fields.html` (see `layout`)."""

    side_by_side: dict = {}

    def add_languages(self, languages, translations=None, labels=None) -> None:
        self.main_language, self.further_languages = languages[0], list(languages[1:])
        labels = labels or {}
        self.row_labels = {}
        for name, label in self.side_by_side.items():
            main = self.fields[name]
            label = self.row_labels[name] = labels.get(name, label)
            if self.further_languages:
                main.label = self._label(label, self.main_language)
            for code in self.further_languages:
                field = forms.CharField(
                    label=self._label(label, code),
                    max_length=main.max_length,
                    required=False,
                    validators=[no_control_characters],
                    widget=type(main.widget)(attrs={**main.widget.attrs, "lang": code}),
                )
                field.error_messages = {**field.error_messages, **main.error_messages}
                field.disabled = main.disabled
                written = ((translations or {}).get(code) or {}).get(name, "")
                if written:
                    field.initial = written
                else:
                    # A fallback shows on the edit page only, never on a phone.
                    field.help_text = _(
                        "Not written yet: the text in the main language (%(language)s) is shown instead."
                    ) % {"language": language_name(self.main_language)}
                if main.disabled:
                    field.help_text = main.help_text
                self.fields[f"{name}_{code}"] = field

    @staticmethod
    def _label(label, code: str) -> str:
        # "Statement 2, Swedish": a label names its language, for a screen reader as for the eye.
        return _("%(field)s, %(language)s") % {"field": label, "language": language_name(code)}

    def translations(self) -> dict[str, dict[str, str]]:
        """The further languages' texts as services take them (empty ones fall back)."""
        data = self.cleaned_data
        return {
            code: {name: data.get(f"{name}_{code}") or "" for name in self.side_by_side}
            for code in getattr(self, "further_languages", [])
        }

    def cleaned_texts(self) -> dict:
        """cleaned_data without the `<name>_<code>` fields, with `translations` instead."""
        further = getattr(self, "further_languages", [])
        translated = {f"{name}_{code}" for name in self.side_by_side for code in further}
        data = {k: v for k, v in self.cleaned_data.items() if k not in translated}
        return {**data, "translations": self.translations()}

    def layout(self):
        """The fields in order, each text with its translations as one row: ("row", [fields])."""
        further = getattr(self, "further_languages", [])
        translated = {f"{name}_{code}" for name in self.side_by_side for code in further}
        for field in self:
            if field.name in translated:
                continue
            if field.name in self.side_by_side and further:
                fields = [field] + [self[f"{field.name}_{code}"] for code in further]
                yield "row", {"label": self.row_labels.get(field.name, field.name), "fields": fields}
            else:
                yield "field", field


# --- Facilitator forms ------------------------------------------------------------------------


class WorkshopSettingsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH, validators=[no_control_characters])
    language = forms.ChoiceField(
        label=_("Language of the workshop"),
        choices=settings.LANGUAGES,
        initial="fi",
        help_text=_("The statements of the template and the participants' pages use this language."),
    )
    further_languages = forms.MultipleChoiceField(
        label=_("Further languages"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The statements and instructions can also be written in these; each phone shows the "
            "language chosen on it."
        ),
    )
    dots_per_participant = forms.IntegerField(
        label=_("Dots per participant"), min_value=1, max_value=MAX_DOTS, initial=10
    )
    max_dots_per_statement = forms.IntegerField(
        label=_("Most dots on one statement"),
        min_value=1,
        max_value=MAX_DOTS,
        required=False,
        help_text=_("Leave empty for no limit."),
    )
    collect_signatures = forms.BooleanField(
        label=_("Collect the signature list"),
        required=False,
        initial=True,
        help_text=_("Participants may sign a list of names, kept apart from their answers."),
    )

    def clean(self):
        data = super().clean()
        main = data.get("language")
        if main and main in (data.get("further_languages") or []):
            # Ticked beside itself it would be dropped without a word; say so instead.
            self.add_error(
                "further_languages",
                _("%(language)s is already the language of the workshop: tick only the other languages.")
                % {"language": capfirst(language_name(main))},
            )
        dots, cap = data.get("dots_per_participant"), data.get("max_dots_per_statement")
        if dots and cap and cap > dots:
            self.add_error(
                "max_dots_per_statement",
                _("A participant has %(dots)s dots, so at most %(dots)s can go on one statement.")
                % {"dots": dots},
            )
        return data


class WorkshopCreateForm(WorkshopSettingsForm):
    TEMPLATE_CHOICES = [("ped", _("PED network: four network types")), ("blank", _("Blank"))]

    template = forms.ChoiceField(
        label=_("Statements"), choices=TEMPLATE_CHOICES, initial="ped", widget=forms.RadioSelect
    )
    field_order = ["title", "template", "language", "further_languages"]


def instruction_field(label) -> forms.CharField:
    """A per-phase instruction: optional, at most INSTRUCTION_MAX_LENGTH characters, three rows."""
    return forms.CharField(
        label=label,
        max_length=INSTRUCTION_MAX_LENGTH,
        required=False,
        validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WorkshopEditForm(SideBySideTexts, WorkshopSettingsForm):
    side_by_side = {
        "title": _("Title"),
        "pair_talk_1_question": _("Question for pair talk 1"),
        "pair_talk_2_question": _("Question for pair talk 2"),
        "voting_instruction": _("Voting instruction"),
    }
    projector_second_language = forms.ChoiceField(
        label=_("Languages on the projector"),
        required=False,
        help_text=_("Two languages are shown side by side."),
    )
    participant_limit = forms.IntegerField(label=_("Most participants"), min_value=1, max_value=10000)
    collect_ideas = forms.BooleanField(
        label=_("Collect ideas"),
        required=False,
        help_text=_(
            "Adds an ideas phase after the first pair talk: participants propose statements on their "
            "phones, and you choose which ones the hall votes on."
        ),
    )
    delete_after = forms.DateField(
        label=_("Delete data after"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The workshop and all its answers are deleted after this date."),
    )

    close_when_time_is_up = forms.BooleanField(
        label=_("Close voting when the time is up"),
        required=False,
        help_text=_("Off: voting stays open after the countdown until you close it."),
    )
    own_order_per_phone = forms.BooleanField(
        label=_("Each phone sees the statements in its own order"),
        required=False,
        help_text=_(
            "On paper the sheet on top of the pile gets the most dots. With this on, each phone lists "
            "the statements in a random order of its own; the numbers stay the same everywhere."
        ),
    )
    pair_talk_1_question = instruction_field(_("Question for pair talk 1"))
    pair_talk_2_question = instruction_field(_("Question for pair talk 2"))
    voting_instruction = instruction_field(_("Voting instruction"))

    def __init__(self, *args, workshop=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("pair_talk_1_question", "pair_talk_2_question", "voting_instruction"):
            field = self.fields[name]
            field.error_messages["max_length"] = _(
                "An instruction can be at most %(limit_value)d characters long; this one has %(show_value)d."
            )
            if workshop is not None and workshop.phase in (Phase.VOTING, Phase.CLOSED):
                # The services refuse a change once voting has started; the form says so first.
                field.disabled = True
                field.help_text = _("Voting has started, so the instructions can no longer be changed.")
            else:
                field.help_text = _("Shown on the projector and the phones. At most %(max)s characters.") % {
                    "max": INSTRUCTION_MAX_LENGTH
                }
        main = workshop.language if workshop is not None else settings.LANGUAGE_CODE
        self.fields["projector_second_language"].choices = [("", _("The main language only"))] + [
            (code, f"{language_name(main)} | {name}") for code, name in settings.LANGUAGES if code != main
        ]
        if workshop is not None:
            self.add_languages(workshop.languages, workshop.translations)
        if workshop is not None and workshop.phase in (Phase.VOTING, Phase.CLOSED):
            # The phones have shown their order, and the exports record it; the services refuse too.
            field = self.fields["own_order_per_phone"]
            field.disabled = True
            field.help_text = _(
                "Voting has started, so the order of the statements can no longer be changed."
            )

    def clean(self):
        data = super().clean()
        second = data.get("projector_second_language")
        if second and second not in (data.get("further_languages") or []):
            self.add_error(
                "projector_second_language",
                _("Add %(language)s to the further languages to show it on the projector.")
                % {"language": language_name(second)},
            )
        return data

    def clean_delete_after(self):
        # The same range update_workshop enforces: today .. five years ahead.
        from .services import InvalidInput, check_delete_after

        value = self.cleaned_data["delete_after"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later date."))
        try:
            check_delete_after(value)
        except InvalidInput as refused:
            raise forms.ValidationError(refused.message) from None
        return value


class StatementForm(SideBySideTexts, forms.Form):
    side_by_side = {"short_name": _("Short name"), "text": pgettext_lazy("form field", "Statement")}

    def __init__(self, *args, workshop=None, statement=None, **kwargs):
        super().__init__(*args, **kwargs)
        if workshop is not None:
            labels = {}
            if statement is not None:
                labels = {
                    "short_name": _("Short name of statement %(position)s")
                    % {"position": statement.position},
                    "text": _("Statement %(position)s") % {"position": statement.position},
                }
            self.add_languages(workshop.languages, statement.translations if statement else None, labels)

    short_name = forms.CharField(
        label=_("Short name"),
        max_length=SHORT_NAME_MAX_LENGTH,
        required=False,
        validators=[no_control_characters],
        help_text=_("Shown on the projector and in the exports, e.g. “Influence network”."),
    )
    text = forms.CharField(
        label=pgettext_lazy("form field", "Statement"),
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_control_characters],
    )


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(choices=Phase.choices)
    minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=1,
        max_value=180,
        initial=10,
        required=False,
        error_messages={
            key: _("Minutes for the phase: a whole number from 1 to 180. The phase was not changed.")
            for key in ("invalid", "min_value", "max_value")
        },
    )


class TimerForm(forms.Form):
    """Pause, resume, or (a button with only `minutes`) add minutes to the countdown."""

    action = forms.ChoiceField(
        choices=[("pause", "pause"), ("resume", "resume"), ("extend", "extend")], required=False
    )
    minutes = forms.IntegerField(min_value=1, max_value=180, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("action"):
            if not data.get("minutes"):
                raise forms.ValidationError(_("Unknown timer control."))
            data["action"] = "extend"
        return data


# --- Participant forms ------------------------------------------------------------------------


class JoinCodeForm(forms.Form):
    """The front page's field: what a person typed off the projector."""

    code = forms.CharField(label=_("Join code"), max_length=20, strip=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Empty or far too long: the same plain advice as a code of the wrong length.
        field = self.fields["code"]
        field.error_messages = {
            **field.error_messages,
            "required": self.wrong_length(),
            "max_length": self.wrong_length(),
        }

    @staticmethod
    def wrong_length():
        from .models import JOIN_CODE_LENGTH

        return _("A join code has %(length)s letters and numbers, like ABC234.") % {
            "length": JOIN_CODE_LENGTH
        }

    def clean_code(self):
        from .models import JOIN_CODE_LENGTH, normalise_join_code

        code = normalise_join_code(self.cleaned_data["code"])
        if len(code) != JOIN_CODE_LENGTH:
            raise forms.ValidationError(self.wrong_length())
        return code


class DotsForm(forms.Form):
    # An absolute count, so that sending it twice is harmless; the services check the budget.
    dots = forms.IntegerField(
        error_messages={
            "required": _("The number of dots must be a whole number."),
            "invalid": _("The number of dots must be a whole number."),
        }
    )


class RatingForm(forms.Form):
    # Empty clears the tick.
    rating = forms.ChoiceField(
        choices=Rating.choices,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the options on the scale.")},
    )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        choices=NoteKind.choices,
        error_messages={
            "required": _("Choose S, W, O or T for the note."),
            "invalid_choice": _("Choose S, W, O or T for the note."),
        },
    )
    text = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        strip=True,
        error_messages={"required": _("The note is empty.")},
        validators=[no_control_characters],
    )


class SignatureForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=SIGNATURE_MAX_LENGTH,
        strip=True,
        validators=[no_control_characters],
        error_messages={"required": _("Write your name to sign the list.")},
    )


class ProposalForm(forms.Form):
    """A participant's idea: the same limits as a facilitator's statement (services._clean_proposal)."""

    short_name = forms.CharField(
        label=_("Short name"),
        max_length=SHORT_NAME_MAX_LENGTH,
        required=False,
        strip=True,
        help_text=_("A few words, e.g. “Shared training”. Optional."),
        error_messages={
            "max_length": _(
                "A short name can be at most %(limit_value)d characters long; this one has %(show_value)d."
            )
        },
    )
    text = forms.CharField(
        label=_("Your idea as a statement"),
        max_length=STATEMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Write your idea as a statement first: it is empty."),
            "max_length": _(
                "An idea can be at most %(limit_value)d characters long; this one has %(show_value)d."
            ),
        },
    )


class IdeaAcceptForm(StatementForm):
    """The facilitator's wording for an idea, and any other ideas that it merges."""

    merge = forms.TypedMultipleChoiceField(
        label=_("Merge these ideas into the same statement"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, others=(), **kwargs):
        super().__init__(*args, **kwargs)
        if others:
            self.fields["merge"].choices = [(p.pk, p.short_name or p.text[:80]) for p in others]
        else:
            del self.fields["merge"]  # nothing to merge with

    def clean(self):
        data = super().clean()
        data.setdefault("merge", [])
        return data


# --- Paper sheets, helpers, comparison --------------------------------------------------------

# A note line may start with its SWOT letter: "S: good", "o) chance", "T - risk".
NOTE_LINE = re.compile(r"^([SWOT])(?:\s*[:).–-]\s*|\s+)(.+)$", re.IGNORECASE)
# The paper sheet's two SWOT boxes and the kind a line without a letter gets in each.
NOTE_BOXES = (("so", NoteKind.STRENGTH), ("wt", NoteKind.WEAKNESS))


def note_lines(text: str, default_kind: str) -> list[tuple[str, str]]:
    """One note per line of a SWOT box, its kind from a leading letter or the box's default."""
    notes = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = NOTE_LINE.match(line)
        notes.append((match[1].upper(), match[2].strip()) if match else (default_kind, line))
    return notes


class PaperSheetForm(forms.Form):
    """One paper sheet: for each statement, in the sheet's order, its dots, its tick, its two SWOT boxes.

    The fields are made in that order, so the page's Tab order runs along the paper sheet.
    """

    def __init__(self, statements, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements = list(statements)
        ticks = [("", _("No tick")), *Rating.choices]
        # Room for the service's most notes per statement, each at its longest, one per line.
        box_length = (NOTE_MAX_LENGTH + 4) * 20
        for statement in self.statements:
            n = statement.pk
            self.fields[f"dots_{n}"] = forms.IntegerField(
                label=_("Dots"),
                min_value=0,
                max_value=MAX_DOTS,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "paper-dots"}),
            )
            self.fields[f"rating_{n}"] = forms.ChoiceField(
                label=_("Tick"), choices=ticks, required=False, widget=forms.RadioSelect
            )
            self.fields[f"so_{n}"] = forms.CharField(
                label=_("Strengths (S) and opportunities (O)"),
                required=False,
                max_length=box_length,
                validators=[no_control_characters],
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"wt_{n}"] = forms.CharField(
                label=_("Weaknesses (W) and threats (T)"),
                required=False,
                max_length=box_length,
                validators=[no_control_characters],
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if self.statements:
            # After Enter saved a sheet, the next one starts at its first field.
            self.fields[f"dots_{self.statements[0].pk}"].widget.attrs["autofocus"] = True

    def clean(self):
        data = super().clean()
        if self.statements:
            # Said of the sheet, not of a phone's "dots left": the person typing has no dots.
            budget = self.statements[0].workshop.dots_per_participant
            total = sum(data.get(f"dots_{statement.pk}") or 0 for statement in self.statements)
            if total > budget:
                raise forms.ValidationError(
                    _(
                        "This sheet has %(total)s dots, but a participant has %(budget)s. "
                        "Check the dots on the sheet; nothing was saved."
                    )
                    % {"total": total, "budget": budget},
                    code="over_budget",
                )
        return data

    def rows(self):
        """The template's rows: each statement with its bound fields."""
        for statement in self.statements:
            n = statement.pk
            yield {
                "statement": statement,
                "dots": self[f"dots_{n}"],
                "rating": self[f"rating_{n}"],
                "so": self[f"so_{n}"],
                "wt": self[f"wt_{n}"],
            }

    def sheet(self) -> tuple[dict, dict, dict]:
        """The cleaned sheet as `services.enter_paper_sheet` takes it."""
        data = self.cleaned_data
        dots, ratings, notes = {}, {}, {}
        for statement in self.statements:
            n = statement.pk
            dots[n] = data.get(f"dots_{n}") or 0
            ratings[n] = data.get(f"rating_{n}") or None
            notes[n] = [note for box, kind in NOTE_BOXES for note in note_lines(data.get(f"{box}_{n}"), kind)]
        return dots, ratings, notes

    @staticmethod
    def initial_of(state) -> dict:
        """A sheet as entered (services.ParticipantState), as the form's initial values."""
        initial = {}
        for own in state.answers:
            n = own.statement.pk
            initial[f"dots_{n}"] = own.dots or None
            initial[f"rating_{n}"] = own.rating or ""
            for box, kinds in (("so", "SO"), ("wt", "WT")):
                initial[f"{box}_{n}"] = "\n".join(
                    f"{note.kind}: {note.text}" for note in own.notes if note.kind in kinds
                )
        return initial


class HelperForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150, strip=True)


def compare_query(query) -> tuple[list[str], dict[int, int]]:
    """The comparison page's query: the join codes picked (`w`) and the matches made by hand
    (`same_<statement id>=<statement id>`), malformed parts dropped."""
    from .comparison import MAX_COMPARED
    from .models import normalise_join_code

    codes = list(dict.fromkeys(normalise_join_code(c)[:20] for c in query.getlist("w") if c.strip()))
    by_hand = {}
    for key, value in query.items():
        name, _sep, statement_id = key.partition("_")
        if name == "same" and statement_id.isdigit() and value.isdigit() and len(by_hand) < 500:
            by_hand[int(statement_id)] = int(value)
    return codes[:MAX_COMPARED], by_hand

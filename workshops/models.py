import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Join codes are read off a projector and typed on a phone: no 0/O, 1/I/L look-alikes.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6

MAX_DOTS = 100
TITLE_MAX_LENGTH = 200
SHORT_NAME_MAX_LENGTH = 120
STATEMENT_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 500
SIGNATURE_MAX_LENGTH = 80
INSTRUCTION_MAX_LENGTH = 500

# The texts a workshop can have in its further languages, with the main field's length limit.
WORKSHOP_TEXTS = {
    "title": TITLE_MAX_LENGTH,
    "pair_talk_1_question": INSTRUCTION_MAX_LENGTH,
    "pair_talk_2_question": INSTRUCTION_MAX_LENGTH,
    "voting_instruction": INSTRUCTION_MAX_LENGTH,
}
STATEMENT_TEXTS = {"short_name": SHORT_NAME_MAX_LENGTH, "text": STATEMENT_MAX_LENGTH}


def normalise_join_code(raw: str) -> str:
    """What a person typed ("abc 23k", "ABC-23K") as the stored code ("ABC23K")."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def default_delete_after():
    return (timezone.now() + timedelta(days=settings.RETENTION_DAYS)).date()


class Phase(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("phase", "Draft")
    PAIR_TALK_1 = "pair_talk_1", pgettext_lazy("phase", "Pair talk 1")
    IDEAS = "ideas", pgettext_lazy("phase", "Ideas")
    PAIR_TALK_2 = "pair_talk_2", pgettext_lazy("phase", "Pair talk 2")
    VOTING = "voting", pgettext_lazy("phase", "Voting")
    CLOSED = "closed", pgettext_lazy("phase", "Closed")


class ResultsVisibility(models.TextChoices):
    HIDDEN = "hidden", _("Hidden")
    LIVE = "live", _("Live while voting")
    REVEALED = "revealed", _("Revealed")


class Rating(models.TextChoices):
    # The six columns of the paper sheet, in the sheet's order.
    FULLY_AGREE = "fully_agree", _("Fully agree")
    PARTLY_AGREE = "partly_agree", _("Partly agree")
    NEUTRAL = "neutral", _("Neutral")
    PARTLY_DISAGREE = "partly_disagree", _("Partly disagree")
    FULLY_DISAGREE = "fully_disagree", _("Fully disagree")
    CANT_SAY = "cant_say", _("? Can't say")


class NoteKind(models.TextChoices):
    STRENGTH = "S", _("Strength (S)")
    WEAKNESS = "W", _("Weakness (W)")
    OPPORTUNITY = "O", _("Opportunity (O)")
    THREAT = "T", _("Threat (T)")


class Workshop(models.Model):
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshops", verbose_name=_("owner")
    )
    code = models.CharField(_("join code"), max_length=JOIN_CODE_LENGTH, unique=True, default=new_join_code)
    dots_per_participant = models.PositiveSmallIntegerField(
        _("dots per participant"), default=10, validators=[MinValueValidator(1), MaxValueValidator(MAX_DOTS)]
    )
    max_dots_per_statement = models.PositiveSmallIntegerField(
        _("most dots on one statement"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DOTS)],
        help_text=_("Leave empty for no limit."),
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.DRAFT)
    results_visibility = models.CharField(
        _("results"), max_length=10, choices=ResultsVisibility.choices, default=ResultsVisibility.HIDDEN
    )
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES, default="fi")
    collect_signatures = models.BooleanField(_("collect the signature list"), default=True)
    participant_limit = models.PositiveIntegerField(
        _("most participants"), default=500, validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    # The countdown of the current phase: ends at phase_ends_at, or is paused with
    # timer_paused_seconds left. Both empty: no countdown.
    phase_started_at = models.DateTimeField(null=True, blank=True)
    phase_ends_at = models.DateTimeField(null=True, blank=True)
    timer_paused_seconds = models.PositiveIntegerField(null=True, blank=True)
    # The projector URL carries this so that a second screen needs no login.
    projector_secret = models.CharField(max_length=64, default=new_secret, editable=False)
    delete_after = models.DateField(_("delete data after"), default=default_delete_after)
    # The seminar's script: what the hall is asked to do in each phase, on the projector and phones.
    pair_talk_1_question = models.TextField(
        _("question for pair talk 1"), max_length=INSTRUCTION_MAX_LENGTH, blank=True
    )
    pair_talk_2_question = models.TextField(
        _("question for pair talk 2"), max_length=INSTRUCTION_MAX_LENGTH, blank=True
    )
    voting_instruction = models.TextField(
        _("voting instruction"), max_length=INSTRUCTION_MAX_LENGTH, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # An "Ideas" phase where the hall proposes statements (Proposal); off: the facilitator's own only.
    collect_ideas = models.BooleanField(_("collect ideas from the participants"), default=False)
    # Accounts the owner names to type in paper sheets; only the owner controls the workshop.
    helpers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="helped_workshops",
        verbose_name=_("paper sheet helpers"),
    )
    # A round is a workshop of its own, linked to the round it repeats; the newest round holds
    # the join code, so phones that were in the previous round find it by the same code.
    previous_round = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_round",
        verbose_name=_("previous round"),
    )
    round_number = models.PositiveSmallIntegerField(_("round"), default=1)
    # The presenter's state (issues 11 and 12).
    joining_open = models.BooleanField(_("joining open"), default=True)
    notes_need_approval = models.BooleanField(
        _("notes wait for approval before they reach the projector"), default=False
    )
    close_when_time_is_up = models.BooleanField(_("close voting when the time is up"), default=False)
    # The slide the console chose: "" (the phase's first), "overview", "st-<statement id>", "thanks".
    projector_slide = models.CharField(max_length=20, blank=True, default="")
    # Bilingual workshops (issue 15): the main language is `language`, its texts the fields above;
    # `translations` holds the further languages' texts, {"sv": {"title": ..., "voting_instruction": ...}},
    # in the row itself, so that showing a phone its language costs no query.
    further_languages = models.JSONField(_("further languages"), default=list, blank=True)
    translations = models.JSONField(default=dict, blank=True)
    # Empty: the projector shows the main language; else this language beside it ("fi | sv").
    projector_second_language = models.CharField(
        _("second language on the projector"), max_length=2, blank=True, default=""
    )
    # Against the paper pile's bias (the sheet on top gets dotted most): each phone lists the
    # statements in an order of its own (screens.phone_order); the numbers stay the statements' own.
    own_order_per_phone = models.BooleanField(
        _("each phone sees the statements in its own order"), default=False
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        constraints = [
            models.CheckConstraint(
                condition=Q(dots_per_participant__gte=1, dots_per_participant__lte=MAX_DOTS),
                name="workshop_dots_in_range",
            ),
            models.CheckConstraint(
                condition=Q(max_dots_per_statement__isnull=True) | Q(max_dots_per_statement__gte=1),
                name="workshop_cap_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    @property
    def is_voting(self) -> bool:
        return self.phase == Phase.VOTING

    def seconds_left(self, now=None) -> int | None:
        """Seconds left on the phase countdown, or None when there is no countdown."""
        if self.timer_paused_seconds is not None:
            return self.timer_paused_seconds
        if self.phase_ends_at is None:
            return None
        now = now or timezone.now()
        return max(0, int((self.phase_ends_at - now).total_seconds()))

    @property
    def timer_running(self) -> bool:
        return self.phase_ends_at is not None and self.timer_paused_seconds is None

    @property
    def instruction(self) -> str:
        """What the hall is asked to do in the current phase ("" in draft and closed)."""
        return {
            Phase.PAIR_TALK_1: self.pair_talk_1_question,
            Phase.PAIR_TALK_2: self.pair_talk_2_question,
            Phase.VOTING: self.voting_instruction,
        }.get(self.phase, "")

    @property
    def results_visible(self) -> bool:
        return self.results_visibility != ResultsVisibility.HIDDEN

    @property
    def languages(self) -> list[str]:
        """The main language first, then the further ones, in the settings' order."""
        further = set(self.further_languages or ())
        return [self.language] + [
            code for code, _name in settings.LANGUAGES if code in further - {self.language}
        ]

    def text_language(self, language: str) -> str:
        """The language the workshop's own texts are shown in to someone who chose `language`."""
        return language if language in self.languages else self.language

    def text_in(self, name: str, language: str) -> str:
        """The text `name` (a WORKSHOP_TEXTS key) in `language`, else in the main language."""
        return getattr(self, name) if language == self.language else translated(self, name, language)

    def has_text_in(self, name: str, language: str) -> bool:
        return language == self.language or has_translation(self, name, language)

    @property
    def instruction_field(self) -> str | None:
        """The field of the current phase's instruction (None in draft, ideas and closed)."""
        return {
            Phase.PAIR_TALK_1: "pair_talk_1_question",
            Phase.PAIR_TALK_2: "pair_talk_2_question",
            Phase.VOTING: "voting_instruction",
        }.get(self.phase)

    def instruction_in(self, language: str) -> str:
        name = self.instruction_field
        return self.text_in(name, language) if name else ""

    @property
    def projector_languages(self) -> list[str]:
        """The languages the projector shows side by side: the main one, and the second if set."""
        second = self.projector_second_language
        return [self.language, second] if second and second in self.languages[1:] else [self.language]


def translated(obj, name: str, language: str) -> str:
    """`obj.<name>` in the further `language` from its translations, else the main language's text.

    Only for a further language: texts kept for a language that has since become the main one
    (the facilitator switched) are never shown over the main fields."""
    return ((obj.translations or {}).get(language) or {}).get(name) or getattr(obj, name)


def has_translation(obj, name: str, language: str) -> bool:
    return bool(((obj.translations or {}).get(language) or {}).get(name))


class Statement(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="statements")
    position = models.PositiveSmallIntegerField(_("position"))
    short_name = models.CharField(_("short name"), max_length=SHORT_NAME_MAX_LENGTH)
    text = models.TextField(_("statement"), max_length=STATEMENT_MAX_LENGTH)
    # The further languages' texts: {"sv": {"short_name": ..., "text": ...}} (see Workshop.translations).
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["workshop", "position", "id"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")

    def __str__(self) -> str:
        return f"{self.position}. {self.short_name}"

    def texts_in(self, language: str, main_language: str) -> "StatementTexts":
        """What a screen in `language` shows of this statement, each text with the language it is in."""
        return StatementTexts(self, language, main_language)


class StatementTexts:
    """A statement's texts in one language, falling back to the main language's, each with its
    own `lang`, so that a Swedish phone reading a Finnish fallback can tell a screen reader so."""

    def __init__(self, statement: Statement, language: str, main_language: str):
        self.statement = statement
        self.language = language
        own = {
            name: language != main_language and has_translation(statement, name, language)
            for name in STATEMENT_TEXTS
        }
        self.short_name = (
            translated(statement, "short_name", language) if own["short_name"] else statement.short_name
        )
        self.text = translated(statement, "text", language) if own["text"] else statement.text
        self.short_name_lang = language if own["short_name"] else main_language
        self.text_lang = language if own["text"] else main_language
        # Whether this language has its own text (the edit page notes a fallback, phones never do).
        self.written = own["text"] or language == main_language

    # The statement's own id and number: a phone lists texts in its own order by them.
    @property
    def pk(self) -> int:
        return self.statement.pk

    @property
    def position(self) -> int:
        return self.statement.position

    @property
    def name_lang(self) -> str:
        return self.short_name_lang if self.short_name else self.text_lang

    @property
    def name(self) -> str:
        return self.short_name or self.text


class Source(models.TextChoices):
    PHONE = "phone", _("Phone")
    PAPER = "paper", _("Paper")


class Participant(models.Model):
    """A phone in the hall, or a paper sheet typed in. Deliberately nameless: see Signature."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    number = models.PositiveIntegerField(_("participant number"))
    token = models.CharField(max_length=64, unique=True, default=new_secret, editable=False)
    joined_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(_("source"), max_length=5, choices=Source.choices, default=Source.PHONE)
    # Only that this phone has put a name on the list (once); never which name: see Signature.
    signed = models.BooleanField(_("signed the list"), default=False)

    class Meta:
        ordering = ["workshop", "number"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "number"], name="participant_number_unique"),
        ]

    def __str__(self) -> str:
        return _("Participant %(number)s") % {"number": self.number}


class Signature(models.Model):
    """A name on the workshop's signature list.

    There is no link to a Participant on purpose: an opinion on a public statement tied to a
    name is sensitive personal data (GDPR art. 9). The list shows who took part, never who
    put which dot.
    """

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="signatures")
    name = models.CharField(_("name"), max_length=SIGNATURE_MAX_LENGTH)
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workshop", "name"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return self.name


class Answer(models.Model):
    """One participant's dots and rating on one statement: one row on the paper sheet."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="answers")
    dots = models.PositiveSmallIntegerField(_("dots"), default=0)
    # NULL is "no tick", which the tally counts apart (dots with no opinion given).
    rating = models.CharField(  # noqa: DJ001
        _("rating"), max_length=20, choices=Rating.choices, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["participant", "statement"], name="answer_once_per_statement"),
            models.CheckConstraint(
                condition=Q(dots__gte=0) & Q(dots__lte=MAX_DOTS), name="answer_dots_in_range"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__in=Rating.values), name="answer_rating_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} / {self.statement}: {self.dots}"


class Note(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="notes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=1, choices=NoteKind.choices)
    text = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH)
    # The facilitator can keep an insult or a name off the projector without deleting data.
    hidden_on_projector = models.BooleanField(_("hidden on the projector"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the workshop's notes wait for approval; showing or hiding the note clears it.
    awaiting_approval = models.BooleanField(_("waiting for approval"), default=False)

    class Meta:
        ordering = ["statement", "-created_at"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=NoteKind.values), name="note_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:40]}"


class PhaseRecord(models.Model):
    """When a phase of a workshop started and ended (written by services.set_phase), for the report."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="phase_records")
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    started_at = models.DateTimeField()
    # Empty while the phase is the current one.
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["workshop", "started_at", "id"]
        verbose_name = _("phase record")
        verbose_name_plural = _("phase records")

    def __str__(self) -> str:
        return f"{self.workshop_id} {self.phase} {self.started_at:%Y-%m-%d %H:%M}"


class ProposalOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting")
    ACCEPTED = "accepted", _("Accepted")
    MERGED = "merged", _("Merged")
    SET_ASIDE = "set_aside", _("Set aside")


class Proposal(models.Model):
    """An idea from the hall: a statement one participant proposes in the ideas phase.

    Like a note, it knows its author only as the nameless Participant (a number), never a name.
    It becomes a Statement only when the facilitator accepts it (or merges it with others).
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="proposals")
    short_name = models.CharField(_("short name"), max_length=SHORT_NAME_MAX_LENGTH, blank=True)
    text = models.TextField(_("statement"), max_length=STATEMENT_MAX_LENGTH)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ProposalOutcome.choices, default=ProposalOutcome.PENDING
    )
    # The statement it became (accepted) or was merged into; kept if the statement is removed later.
    statement = models.ForeignKey(
        Statement, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ProposalOutcome.values), name="proposal_outcome_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant}: {self.short_name or self.text[:40]}"


class PaperSheetEdit(models.Model):
    """One entry, correction or removal of a paper sheet: who, when, and a short JSON of what."""

    class Action(models.TextChoices):
        ENTERED = "entered", _("Entered")
        CORRECTED = "corrected", _("Corrected")
        REMOVED = "removed", _("Removed")

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="paper_edits")
    # The number, not a link: a removed sheet's participant is gone but its log stays.
    participant_number = models.PositiveIntegerField(_("participant number"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    edited_by_name = models.CharField(_("by"), max_length=150)
    change = models.JSONField(_("change"), default=dict)
    edited_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["workshop", "-edited_at", "-id"]
        verbose_name = _("paper sheet edit")
        verbose_name_plural = _("paper sheet edits")

    def __str__(self) -> str:
        return f"{self.participant_number} {self.action} by {self.edited_by_name}"

    @property
    def change_text(self) -> str:
        return json.dumps(self.change, ensure_ascii=False, separators=(", ", ": "))

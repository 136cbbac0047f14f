"""The message templates HR may edit, and the sample facts an edit must render against.

Every file under `templates/<channel>/` of a channel that reaches candidates is one template,
keyed by its path without `.txt.j2` (`email/birthday.ceo.de`). A file serves one occasion on
one channel, in one language (none: English), for one sender role (`birthday.ceo`) or for
every role without a file of its own (`birthday`). An edit replaces the file's text for
everyone it serves; it is accepted only if it renders, in the same sandbox with strict
undefined values, against every sample here: full and sparse facts (a sender the directory
does not name, no employer, no title), each role it serves, and the occasion's own values
(one, two and three vacancies, each kind of invitation, first and later anniversaries).
The digest and tasks, written to employees, are not edited here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from activities.dates import day_and_month, event_start
from activities.drafting import (
    ArticleView,
    InvitationView,
    MessageSettings,
    VacancyView,
    message_values,
    unsubscribe_url,
)
from activities.templates import TEMPLATE_SUFFIX, TEMPLATES_DIR, InvalidTemplateError, Renderer
from rapport.db.models import Candidate, Person
from rapport.vocabulary import Channel, Occasion, SenderRole

ROLES = [role.value for role in SenderRole]
CHANNELS = [channel.value for channel in Channel]
SUFFIX = TEMPLATE_SUFFIX
# The longest text an edit may have (the longest default is about 2,500 characters).
MAX_SOURCE = 20_000


@dataclass(frozen=True)
class MessageTemplate:
    key: str
    channel: str
    occasion: str
    role: str | None  # None: every role without a file of its own
    language: str | None  # None: the default, English
    roles: tuple[str, ...]  # the sender roles whose messages it writes

    @property
    def file_name(self) -> str:
        return self.key + SUFFIX


def _parse(key: str) -> tuple[str, str, str | None, str | None] | None:
    channel, _, name = key.partition("/")
    occasion, *rest = name.split(".")
    if channel not in CHANNELS or occasion not in set(Occasion) or len(rest) > 2:
        return None
    role = next((part for part in rest if part in ROLES), None)
    language = next((part for part in rest if part not in ROLES), None)
    return channel, occasion, role, language


def catalog(root: Path | None = None) -> dict[str, MessageTemplate]:
    """Every editable template, by key, in channel, occasion, voice and language order."""
    base = root or TEMPLATES_DIR
    keys = sorted(
        path.relative_to(base).as_posix().removesuffix(SUFFIX) for path in base.glob(f"*/*{SUFFIX}")
    )
    found: dict[str, MessageTemplate] = {}
    for key in keys:
        parsed = _parse(key)
        if parsed is None:
            continue
        channel, occasion, role, language = parsed
        tail = f".{language}" if language else ""
        roles = (
            (role,)
            if role
            else tuple(r for r in ROLES if f"{channel}/{occasion}.{r}{tail}" not in keys)
        )
        found[key] = MessageTemplate(key, channel, occasion, role, language, roles)
    return dict(sorted(found.items(), key=lambda item: order(item[1])))


def order(template: MessageTemplate) -> tuple[int, int, str, str]:
    return (
        CHANNELS.index(template.channel),
        list(Occasion).index(Occasion(template.occasion)),
        template.role or "",
        template.language or "",
    )


def default_source(template: MessageTemplate, root: Path | None = None) -> str:
    return ((root or TEMPLATES_DIR) / template.file_name).read_text(encoding="utf-8")


def base_values(channel: str, occasion: str, role: str, *, full: bool) -> dict[str, Any]:
    """The values every message has (`activities.drafting`), as a known or an unknown sender."""
    if full:
        people: dict[str, Any] = {
            "first_name": "Margarethe",
            "full_name": "Margarethe Lindqvist",
            "current_employer": "Globex",
            "current_title": "Staff Data Engineer",
            "sender_name": "Jane Doe",
            "sender_first_name": "Jane",
            "sender_title": "Talent Partner",
            "signature": "Jane Doe\nTalent Partner, Acme",
            "careers_url": "https://acme.example/careers",
        }
    else:
        people = dict.fromkeys(
            ("current_employer", "current_title", "sender_name", "sender_first_name"), None
        )
        people.update(first_name="Oluwaseun", full_name="Oluwaseun Adeyemi")
        people.update(sender_title=None, signature=None, careers_url=None)
    values = {**people, "company": "Acme", "sender_role": role}
    values.update(occasion=occasion, channel=channel)
    if channel == Channel.EMAIL:
        values["unsubscribe_url"] = "https://acme.example/unsubscribe/sample"
    return values


def occasion_values(
    occasion: str, *, full: bool, language: str | None
) -> list[tuple[str, dict[str, Any]]]:
    """The occasion's own values, in each shape a real touch can give them: (what, values)."""
    if occasion == Occasion.WORK_ANNIVERSARY:
        later = ("8 years", {"years": 8}) if full else ("25 years", {"years": 25})
        return [("1 year", {"years": 1}), later]
    if occasion == Occasion.CHECK_IN:
        summary = "How three teams cut their pipeline costs in half." if full else None
        article = ArticleView("Streaming without tears", "https://blog.example/streaming", summary)
        return [("an article", {"article": article})]
    if occasion == Occasion.EVENT_FOLLOW_UP:
        met = {"event_name": "PyCon Berlin", "met_on": day_and_month(date(2027, 3, 12), language)}
        return [("a meeting", met)]
    if occasion == Occasion.VACANCY:
        roles = [
            VacancyView(
                "Senior Data Engineer",
                "https://acme.example/careers/senior-data-engineer" if full else None,
                ["your Python and Kafka experience", "your work on streaming platforms"],
                note="We are rebuilding our event pipeline." if full else None,
            ),
            VacancyView("Platform Tech Lead", None, ["your years leading a platform team"]),
            VacancyView("Staff Analytics Engineer", None, []),
        ]
        manager = {"introduce_hiring_manager": True, "hiring_manager_name": "Ana Ruiz"}
        unnamed = {"introduce_hiring_manager": True, "hiring_manager_name": None}
        nobody = {"introduce_hiring_manager": False, "hiring_manager_name": None}
        return [
            ("one vacancy", {"vacancies": roles[:1], **(manager if full else nobody)}),
            ("two vacancies", {"vacancies": roles[:2], **unnamed}),
            ("three vacancies", {"vacancies": roles, **nobody}),
        ]
    if occasion == Occasion.INVITATION:
        starts = event_start(datetime(2027, 5, 13, 18, 0), language)
        return [
            (
                f"an invitation ({kind})",
                {
                    "invitation": InvitationView(
                        kind,
                        "Data Mesh in Practice" if full else None,
                        "https://acme.example/events/2027" if full else None,
                        starts if full else None,
                        "I'd value your view on data contracts." if full else None,
                    )
                },
            )
            for kind in ("webinar", "event", "connect")
        ]
    return [("", {})]


@dataclass(frozen=True)
class Sample:
    label: str  # what it stands for, in a refusal's words
    values: dict[str, Any]


def samples(template: MessageTemplate) -> list[Sample]:
    found = []
    for role in template.roles:
        for full in (True, False):
            facts = "full facts" if full else "sparse facts (no sender name, no employer)"
            base = base_values(template.channel, template.occasion, role, full=full)
            for what, extra in occasion_values(
                template.occasion, full=full, language=template.language
            ):
                label = f"the {role} voice, {facts}" + (f", {what}" if what else "")
                found.append(Sample(label, {**base, **extra}))
    return found


@dataclass(frozen=True)
class Problem:
    """Why an edit does not render: where (a template line, when known) and what."""

    message: str
    line: int | None = None
    sample: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        against = f" (with the sample for {self.sample})" if self.sample else ""
        return where + self.message + against


def problem_of(template: MessageTemplate, err: InvalidTemplateError, sample: str | None) -> Problem:
    # The renderer names the file; here the field is the text being edited.
    message = str(err).removeprefix(f"{template.file_name}: ").removeprefix(template.file_name)
    return Problem(message.strip(), err.line, sample)


def check(renderer: Renderer, template: MessageTemplate, source: str) -> Problem | None:
    """None if `source` renders for everyone the template serves, else the first problem."""
    if not source.strip():
        return Problem("the template is empty")
    if len(source) > MAX_SOURCE:
        return Problem(f"at most {MAX_SOURCE} characters")
    if "\x00" in source:
        return Problem("NUL is not allowed")
    for sample in samples(template):
        try:
            renderer.render_named(template.file_name, sample.values, source)
        except InvalidTemplateError as err:
            return problem_of(template, err, sample.label)
    return None


def sample_values(template: MessageTemplate, role: str) -> dict[str, Any]:
    """The first full sample of `role`: a preview without a candidate."""
    values = base_values(template.channel, template.occasion, role, full=True)
    extra = occasion_values(template.occasion, full=True, language=template.language)[0][1]
    return {**values, **extra}


def candidate_values(
    template: MessageTemplate,
    candidate: Candidate,
    sender: Person | None,
    role: str,
    settings: MessageSettings,
) -> dict[str, Any]:
    """A preview's values: the candidate's own, as a touch would give them, with the sample
    article, meeting, vacancies or invitation of the occasion (a preview is no real touch)."""
    values = message_values(candidate, template.occasion, template.channel, role, sender, settings)
    if template.channel == Channel.EMAIL:
        values["unsubscribe_url"] = unsubscribe_url(settings, candidate.id)
    extra = occasion_values(template.occasion, full=True, language=template.language)[0][1]
    if template.occasion == Occasion.WORK_ANNIVERSARY and candidate.job_started_on:
        extra = {"years": max(1, date.today().year - candidate.job_started_on.year)}
    return {**values, **extra}

"""Every message template renders, in every voice, with full and sparse data, and reads well.

Templates are discovered on disk, so a new one is covered without touching this file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from activities.dates import day_and_month, event_start
from activities.templates import TEMPLATES_DIR, InvalidTemplateError, RenderedMessage, Renderer
from rapport.vocabulary import Channel, Occasion, SenderRole

ROLES = [role.value for role in SenderRole]
GREETINGS = {Occasion.BIRTHDAY.value, Occasion.WORK_ANNIVERSARY.value}
PRIVATE_ONLY_WORDS = re.compile(
    r"\b(jobs?|roles?|openings?|vacanc(y|ies)|positions?|hiring|recruit\w*|careers?)\b", re.I
)
GREETING_PITCH = re.compile(
    r"career|opening|vacanc|\bjobs?\b|\broles?\b|\bpositions?\b|hiring|recruit", re.I
)
URL = re.compile(r"https?://|www\.|\b[\w-]+\.(com|org|net|io|test|example)\b", re.I)
CLICHES = [
    "finds you well",
    "hope this email",
    "touch base",
    "reach out",
    "circle back",
    "exciting opportunit",
    "don't miss",
    "act now",
    "rockstar",
    "ninja",
    "dream job",
]

# (channel, occasion) pairs the channel policy allows, and the role voices that must exist.
REQUIRED = (
    {(Channel.EMAIL, occasion) for occasion in Occasion}
    | {(Channel.LINKEDIN_MESSAGE, occasion) for occasion in Occasion}
    | {
        (Channel.LINKEDIN_POST, Occasion.BIRTHDAY),
        (Channel.LINKEDIN_POST, Occasion.WORK_ANNIVERSARY),
        (Channel.HANDWRITTEN_NOTE, Occasion.EVENT_FOLLOW_UP),
        (Channel.HANDWRITTEN_NOTE, Occasion.BIRTHDAY),
        (Channel.HANDWRITTEN_NOTE, Occasion.WORK_ANNIVERSARY),
    }
)
REQUIRED_VOICES = [
    "email/invitation.ceo.txt.j2",
    "linkedin_message/invitation.ceo.txt.j2",
    "email/invitation.marketing.txt.j2",
    "email/check_in.hr.txt.j2",
    "email/vacancy.hr.txt.j2",
    "email/birthday.ceo.txt.j2",
    "task/engaged_follow_up.txt.j2",
]


@dataclass(frozen=True)
class Article:
    title: str
    url: str
    summary: str | None


@dataclass(frozen=True)
class Invitation:
    kind: str
    title: str | None
    url: str | None
    starts_at: str | None
    message: str | None


@dataclass(frozen=True)
class Vacancy:
    title: str
    url: str | None
    reasons: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True)
class Template:
    path: Path  # relative to the templates directory
    channel: str
    occasion: str
    role: str | None  # None: the fallback for every role without its own variant
    language: str | None = None  # None: the default, English

    @property
    def id(self) -> str:
        return self.path.as_posix()

    @property
    def suffix(self) -> str:
        return f".{self.language}" if self.language else ""


# Templates written to employees, not candidates, with a context of their own (tested below).
OWN_CONTEXT = {"digest"}


def discover(root: Path = TEMPLATES_DIR) -> list[Template]:
    found = []
    for path in sorted(root.rglob("*.txt.j2")):
        relative = path.relative_to(root)
        if relative.parts[0] in OWN_CONTEXT:
            continue
        occasion, *rest = relative.name.removesuffix(".txt.j2").split(".")
        role = next((part for part in rest if part in ROLES), None)
        language = next((part for part in rest if part not in ROLES), None)
        found.append(Template(relative, relative.parent.as_posix(), occasion, role, language))
    return found


TEMPLATES = discover()


def roles_reaching(template: Template) -> list[str]:
    """The sender roles for which the renderer picks this very file."""
    if template.role is not None:
        return [template.role]
    directory = TEMPLATES_DIR / template.channel
    return [
        r
        for r in ROLES
        if not (directory / f"{template.occasion}.{r}{template.suffix}.txt.j2").exists()
    ]


def base_context(channel: str, occasion: str, role: str, *, full: bool) -> dict[str, Any]:
    if full:
        people: dict[str, Any] = {
            "first_name": "Margarethe",
            "full_name": "Margarethe Lindqvist",
            "current_employer": "Globex",
            "current_title": "Staff Data Engineer",
            "sender_name": "Jane Doe",
            "sender_first_name": "Jane",
            "sender_title": "Talent Partner",
            "signature": None,
            "careers_url": "https://acme.example/careers",
        }
    else:
        people = {
            "first_name": "Oluwaseun",
            "full_name": "Oluwaseun Adeyemi",
            "current_employer": None,
            "current_title": None,
            # Nobody the directory names: never a name made from an address.
            "sender_name": None,
            "sender_first_name": None,
            "sender_title": None,
            "signature": None,
            "careers_url": None,
        }
    context = {
        **people,
        "company": "Acme",
        "sender_role": role,
        "occasion": occasion,
        "channel": channel,
    }
    if channel == Channel.EMAIL:
        context["unsubscribe_url"] = "https://acme.example/u/tok3n"
    return context


def introducing(name: str | None, *, known: bool = True) -> dict[str, Any]:
    """A hiring manager to introduce: by the directory's name, or (not in it) unnamed."""
    return {"hiring_manager_name": name, "introduce_hiring_manager": known or name is not None}


def sign_off(context: dict[str, Any], language: str | None = None) -> str:
    team = (
        f"Ihr Team von {context['company']}"
        if language == "de"
        else f"The {context['company']} team"
    )
    return context["sender_first_name"] or team


# The words a language's templates use where the English ones say "the hiring manager",
# "first year" and "8 years".
HIRING_MANAGER = {None: "the hiring manager", "de": "zuständigen Führungskraft"}
FIRST_YEAR = {None: "first year", "de": "ersten Jahr"}
YEARS = {None: "{} years", "de": "{} Jahren"}
# Dates as the drafting writes them for each language (activities.dates).
MET_ON = {None: "12 March", "de": "12. März"}
STARTS_AT = {None: "Thursday 14 May at 18:00", "de": "Donnerstag, 14. Mai, um 18:00 Uhr"}


def occasion_contexts(
    occasion: str, *, full: bool, language: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """Named sets of the occasion's own variables: (id, values)."""
    if occasion == Occasion.WORK_ANNIVERSARY:
        return (
            [("years8", {"years": 8}), ("years1", {"years": 1})]
            if full
            else [
                ("years1", {"years": 1}),
                ("years25", {"years": 25}),
            ]
        )
    if occasion == Occasion.CHECK_IN:
        summary = "How three teams cut their pipeline costs in half." if full else None
        article = Article(
            "Streaming without tears", "https://blog.example/streaming-without-tears", summary
        )
        return [("article", {"article": article})]
    if occasion == Occasion.EVENT_FOLLOW_UP:
        return [("event", {"event_name": "PyCon Berlin", "met_on": MET_ON[language]})]
    if occasion == Occasion.VACANCY:
        if full:
            vacancies = [
                Vacancy(
                    "Senior Data Engineer",
                    "https://acme.example/careers/senior-data-engineer",
                    ["your Python and Kafka experience", "your work on streaming platforms"],
                    "We are rebuilding our event pipeline and want your take on it.",
                ),
                Vacancy(
                    "Platform Tech Lead",
                    None,
                    ["your years leading a platform team"],
                ),
                Vacancy(
                    "Staff Analytics Engineer",
                    "https://acme.example/careers/staff-analytics-engineer",
                    ["your dbt know-how", "your talks on data quality", "your mentoring"],
                ),
            ]
            return [
                ("three-vacancies", {"vacancies": vacancies, **introducing("Ana Ruiz")}),
                ("two-vacancies", {"vacancies": vacancies[:2], **introducing(None)}),
            ]
        one = [Vacancy("Backend Engineer", None, ["your Go experience"])]
        return [
            ("one-vacancy", {"vacancies": one, **introducing(None, known=False)}),
            ("one-vacancy-unnamed-manager", {"vacancies": one, **introducing(None)}),
        ]
    if occasion == Occasion.INVITATION:
        cases = []
        for kind in ("webinar", "event", "connect"):
            if full:
                invitation = Invitation(
                    kind,
                    "Data Mesh in Practice" if kind != "connect" else "Breakfast in Berlin",
                    f"https://acme.example/{kind}/2027",
                    STARTS_AT[language],
                    "I'd value your view on how your team handles data contracts.",
                )
            else:
                invitation = Invitation(kind, None, None, None, None)
            cases.append((kind, {"invitation": invitation}))
        return cases
    return [("plain", {})]


def cases() -> list[Any]:
    params = []
    for template in TEMPLATES:
        occasions = list(Occasion) if template.channel == "task" else [template.occasion]
        channels = list(Channel) if template.channel == "task" else [template.channel]
        for role in roles_reaching(template):
            for full in (True, False):
                for occasion in occasions:
                    for channel in channels:
                        context = base_context(channel, occasion, role, full=full)
                        extras = (
                            [("task", {})]
                            if template.channel == "task"
                            else occasion_contexts(occasion, full=full, language=template.language)
                        )
                        for name, values in extras:
                            case = f"{template.id}-{role}-{'full' if full else 'sparse'}-{name}"
                            if template.channel == "task":
                                case += f"-{occasion}-{channel}"
                            params.append(
                                pytest.param(template, role, {**context, **values}, id=case)
                            )
    return params


def render(template: Template, role: str, context: dict[str, Any]) -> RenderedMessage:
    message = Renderer().render(
        template.channel, template.occasion, context, sender_role=role, language=template.language
    )
    # The renderer picked this very file (its language and voice), not a fallback.
    names = Renderer().template_names(template.channel, template.occasion, role, template.language)
    assert next(n for n in names if (TEMPLATES_DIR / n).is_file()) == template.id
    return message


def words(text: str) -> int:
    return len(text.split())


def test_templates_are_found() -> None:
    assert len(TEMPLATES) >= 20
    for template in TEMPLATES:
        assert template.channel in {*Channel, "task"}, template.id
        if template.channel != "task":
            assert template.occasion in set(Occasion), template.id
        assert template.role is None or template.role in ROLES, template.id


def test_every_allowed_combination_has_a_template() -> None:
    present = {(t.channel, t.occasion) for t in TEMPLATES if t.role is None and not t.language}
    missing = {(str(c), str(o)) for c, o in REQUIRED} - present
    assert not missing, f"no fallback template for {sorted(missing)}"
    for name in REQUIRED_VOICES:
        assert (TEMPLATES_DIR / name).is_file(), name


def test_no_template_for_a_combination_the_policy_forbids() -> None:
    for template in TEMPLATES:
        if template.channel == Channel.LINKEDIN_POST:
            assert template.occasion in GREETINGS, template.id


def test_every_fallback_is_reachable() -> None:
    for template in TEMPLATES:
        assert roles_reaching(template), f"{template.id}: every role has its own variant"


@pytest.mark.parametrize(("template", "role", "context"), cases())
def test_template_renders_well(template: Template, role: str, context: dict[str, Any]) -> None:
    message = render(template, role, context)
    body = message.body
    text = f"{message.subject or ''}\n{body}"

    assert not re.search(r"\bNone\b", text)
    assert context["first_name"] in text
    assert text.count("!") <= 1, "no exclamation-mark spam"
    for cliche in CLICHES:
        assert cliche not in text.lower(), cliche
    assert "\n\n\n" not in body, "no stray empty lines"
    for line in text.splitlines():
        assert line == line.rstrip(), f"trailing space in {line!r}"
        assert "  " not in line.strip() and " ," not in line and " ." not in line, line
        assert not re.search(r"\b(\w+) \1\b", line, re.I), f"repeated word in {line!r}"

    if template.channel == Channel.EMAIL:
        assert message.subject
        assert "\n" not in message.subject
        assert context["unsubscribe_url"] in body.strip().splitlines()[-1]
    else:
        assert message.subject is None

    if template.channel in {Channel.LINKEDIN_POST, Channel.HANDWRITTEN_NOTE}:
        assert not URL.search(text), "no URL in public posts or cards"
        assert not PRIVATE_ONLY_WORDS.search(text), "nothing about recruiting"
    if template.channel == Channel.HANDWRITTEN_NOTE:
        assert words(body) <= 80
        assert body.strip().splitlines()[-1] == sign_off(context, template.language)
    if template.channel == Channel.LINKEDIN_POST:
        assert len(re.findall(r"[.?!](\s|$)", body)) <= 2, "one or two sentences"
        assert "\n" not in body.strip()
    if template.channel == Channel.LINKEDIN_MESSAGE:
        assert words(body) <= 130, "a LinkedIn message stays short"
        assert body.strip().splitlines()[-1] == sign_off(context, template.language)
        assert "Subject:" not in body

    if template.occasion in GREETINGS:
        assert not GREETING_PITCH.search(text), "a greeting never pitches"
        assert "careers" not in text.lower()
    if template.occasion == Occasion.WORK_ANNIVERSARY:
        years, language = context["years"], template.language
        assert FIRST_YEAR[language] in text if years == 1 else YEARS[language].format(years) in text
        assert YEARS[language].format(1) not in text
    if template.occasion == Occasion.VACANCY:
        for vacancy in context["vacancies"]:
            assert vacancy.title in text
            # The match's reasons are phrased in English: only English messages quote them.
            for reason in vacancy.reasons if not template.language else []:
                assert reason in text
            if vacancy.url:
                assert vacancy.url in text
            if vacancy.note:
                assert vacancy.note in text
        if context["hiring_manager_name"]:
            assert context["hiring_manager_name"] in text
        elif context["introduce_hiring_manager"]:
            assert HIRING_MANAGER[template.language] in text
        else:
            assert HIRING_MANAGER[template.language] not in text
    if template.occasion == Occasion.CHECK_IN:
        assert context["article"].title in text
        assert context["article"].url in text
    if template.occasion == Occasion.EVENT_FOLLOW_UP:
        assert context["event_name"] in text
        assert context["met_on"] in text
    if template.occasion == Occasion.INVITATION:
        invitation = context["invitation"]
        for value in (invitation.title, invitation.url, invitation.starts_at, invitation.message):
            if value:
                assert value in text
    if template.channel != "task" and template.occasion not in {
        Occasion.CHECK_IN,
        Occasion.INVITATION,
        Occasion.VACANCY,
    }:
        assert "careers" not in text.lower()
    if template.channel == "task":
        assert context["full_name"] in text
        assert '"Hi ' + context["first_name"] in text, "a suggested opening line"


@pytest.mark.parametrize(
    ("occasion", "context", "subject"),
    [
        ("birthday", {}, "Happy birthday, Margarethe!"),
        ("work_anniversary", {"years": 8}, "Congratulations on 8 years at Globex, Margarethe"),
        ("work_anniversary", {"years": 1}, "Congratulations on 1 year at Globex, Margarethe"),
    ],
)
def test_greeting_subjects_stay_as_they_were(
    occasion: str, context: dict[str, Any], subject: str
) -> None:
    for role in ROLES:
        values = {**base_context("email", occasion, role, full=True), **context}
        message = Renderer().render("email", occasion, values, sender_role=role)
        assert message.subject == subject


def test_role_picks_the_voice() -> None:
    values = {
        **base_context("email", "invitation", "ceo", full=True),
        "invitation": Invitation("connect", None, None, None, None),
    }
    ceo = Renderer().render("email", "invitation", values, sender_role="ceo")
    hr = Renderer().render("email", "invitation", {**values, "sender_role": "hr"})
    assert ceo.body != hr.body
    assert "I run Acme" in ceo.body
    assert "Jane Doe" not in ceo.body.split("\n\n")[-2], "the CEO signs with a first name"


def test_missing_variable_is_an_error() -> None:
    values = base_context("email", "birthday", "hr", full=True)
    del values["first_name"]
    with pytest.raises(InvalidTemplateError, match="first_name"):
        Renderer().render("email", "birthday", values)
    anniversary = base_context("email", "work_anniversary", "hr", full=True)
    with pytest.raises(InvalidTemplateError, match="years"):
        Renderer().render("email", "work_anniversary", anniversary)


def test_missing_template_is_an_error() -> None:
    values = base_context("linkedin_post", "vacancy", "hr", full=True)
    with pytest.raises(InvalidTemplateError, match="no template"):
        Renderer().render("linkedin_post", "vacancy", values)


def write_template(root: Path, name: str, text: str) -> Renderer:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return Renderer(templates_dir=root)


def test_undefined_variable_in_a_template_is_an_error(tmp_path: Path) -> None:
    renderer = write_template(tmp_path, "email/birthday.txt.j2", "Subject: Hi\n\n{{ nickname }}\n")
    with pytest.raises(InvalidTemplateError, match="nickname"):
        renderer.render("email", "birthday", base_context("email", "birthday", "hr", full=True))


@pytest.mark.parametrize(
    "expression",
    [
        "{{ first_name.__class__.__mro__ }}",
        "{{ ''.__class__.__subclasses__() }}",
        "{{ first_name.__class__ }}",
        "{{ vacancies.append(1) }}",
        "{{ article.__dict__ }}",
        "{{ '{0.__class__.__mro__}'.format(first_name) }}",
    ],
)
def test_template_cannot_reach_python_internals(tmp_path: Path, expression: str) -> None:
    renderer = write_template(
        tmp_path, "linkedin_message/vacancy.txt.j2", f"Hi {{{{ first_name }}}} {expression}\n"
    )
    context = {
        **base_context("linkedin_message", "vacancy", "hr", full=True),
        **occasion_contexts("vacancy", full=True)[0][1],
        "article": Article("t", "https://blog.example/t", None),
    }
    with pytest.raises(InvalidTemplateError):
        renderer.render("linkedin_message", "vacancy", context)


def test_syntax_error_is_an_invalid_template(tmp_path: Path) -> None:
    renderer = write_template(tmp_path, "email/birthday.txt.j2", "Subject: x\n\n{% if %}\n")
    with pytest.raises(InvalidTemplateError):
        renderer.render("email", "birthday", base_context("email", "birthday", "hr", full=True))


def test_the_owner_digest_lists_every_candidate_with_reasons() -> None:
    def person(name: str, status: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "title": None, "employer": None, "score": 55, "status": status,
                "reasons": ["2 of 4 skills: python, sql"], "reason": None, **extra}  # fmt: skip

    context: dict[str, Any] = {
        "owner_name": "Sam",
        "missing_from_directory": [],
        "people_url": "https://rapport.example.com/api/people",
        "company": "Acme",
        "day": "Saturday 28 November",
        "people": 3,
        "tasks_url": "https://rapport.example.com/api/tasks?owner=sam%40acme.example&status=open",
        "vacancies": [
            {"title": "Staff Data Engineer", "url": "https://jobs.acme.example/1", "more": 4,
             "closed": False,
             "matches_url": "https://rapport.example.com/api/vacancies/v1/matches",
             "candidates": [
                 person("Ana Lima", "notified", title="Data Engineer", employer="Initech",
                        score=80, reasons=["3 of 4 skills: kafka, python, spark",
                                           "a step up in seniority"]),
                 person("Bo Chen", "skipped", reason="opted out of email"),
             ]},
            {"title": "Analytics Lead", "url": None, "more": 0, "closed": True,
             "matches_url": "https://rapport.example.com/api/vacancies/v2/matches",
             "candidates": [person("Cy Diaz", "matched"), person("Di Eze", "replied")]},
        ],
    }  # fmt: skip
    rendered = Renderer().render("digest", "daily", context)
    assert rendered.subject == "3 of your contacts fit 2 roles (Saturday 28 November)"
    for expected in ("Ana Lima, Data Engineer at Initech (80% fit", "Bo Chen (55% fit",
                     "a step up in seniority", "not contacted: opted out of email",
                     "and 4 more", "goes out in their own working hours", "replied",
                     "Staff Data Engineer (https://jobs.acme.example/1)", context["tasks_url"],
                     "Analytics Lead (closed since)",
                     *(vacancy["matches_url"] for vacancy in context["vacancies"])):  # fmt: skip
        assert expected in rendered.body
    assert "None" not in rendered.body

    assert rendered.body.startswith("Hi Sam,\n") and "directory" not in rendered.body

    context.update(people=2, vacancies=context["vacancies"][1:])
    single = Renderer().render("digest", "daily", context)
    assert single.subject == "2 of your contacts fit a role (Saturday 28 November)"
    assert "Staff Data Engineer" not in single.body

    # Someone it concerns has no directory entry: it says whose, and where HR adds them.
    context.update(owner_name=None, missing_from_directory=["cto@acme.example"])
    unnamed = Renderer().render("digest", "daily", context).body
    assert unnamed.startswith("Hello,\n")
    assert "no entry for cto@acme.example" in unnamed
    assert "HR adds entries here: https://rapport.example.com/api/people" in unnamed


@pytest.mark.parametrize(
    "template", [t for t in TEMPLATES if t.channel == Channel.EMAIL], ids=lambda t: t.id
)
def test_an_email_is_signed_with_the_directory_signature(template: Template) -> None:
    signature = "Jane Doe\nTalent Partner, Acme\n+49 30 1234567"
    role = roles_reaching(template)[0]
    context = base_context("email", template.occasion, role, full=True)
    extras = occasion_contexts(template.occasion, full=True, language=template.language)
    values = {**context, **extras[0][1]}
    body = render(template, role, {**values, "signature": signature}).body
    closing = body.split("\n\n")[-2]
    assert closing.endswith(signature), closing


ENGLISH = [t for t in TEMPLATES if t.language is None and t.channel != "task"]


@pytest.mark.parametrize("template", ENGLISH, ids=lambda t: t.id)
def test_every_english_template_has_a_german_counterpart(template: Template) -> None:
    """Same channel, occasion and voice; it renders with the same context (the cases above)."""
    german = template.path.with_name(template.path.name.replace(".txt.j2", ".de.txt.j2"))
    assert (TEMPLATES_DIR / german).is_file(), german


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("de", ["email/birthday.ceo.de.txt.j2", "email/birthday.de.txt.j2"]),
        ("de-AT", ["email/birthday.ceo.de-AT.txt.j2", "email/birthday.de-AT.txt.j2",
                   "email/birthday.ceo.de.txt.j2", "email/birthday.de.txt.j2"]),
        ("ja", ["email/birthday.ceo.ja.txt.j2", "email/birthday.ja.txt.j2"]),
        (None, []),
    ],
)  # fmt: skip
def test_a_language_is_looked_for_before_the_defaults(
    language: str | None, names: list[str]
) -> None:
    renderer = Renderer()
    defaults = ["email/birthday.ceo.txt.j2", "email/birthday.txt.j2"]
    assert renderer.template_names("email", "birthday", "ceo", language) == [*names, *defaults]
    expected = "de" if language and language.startswith("de") else None
    assert renderer.language_of("email", "birthday", "ceo", language) == expected
    values = base_context("email", "birthday", "ceo", full=True)
    subject = renderer.render("email", "birthday", values, sender_role="ceo", language=language)
    german = "Alles Gute zum Geburtstag, Margarethe!"
    assert subject.subject == (german if expected else "Happy birthday, Margarethe!")


def test_dates_are_written_in_the_readers_language() -> None:
    met, starts = date(2027, 3, 12), datetime(2027, 5, 13, 18, 0)
    assert day_and_month(met, None) == "12 March" and day_and_month(met, "de-AT") == "12. März"
    assert event_start(starts, "en") == "Thursday 13 May at 18:00"
    assert event_start(starts, "de") == "Donnerstag, 13. Mai, um 18:00 Uhr"
    assert event_start(starts, "ja") == "Thursday 13 May at 18:00"  # no table: English

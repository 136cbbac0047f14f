"""Jinja2 messages, rendered in the sandbox with StrictUndefined: a missing value is an error."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from rapport.languages import fallbacks

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
CHANNELS_WITH_SUBJECT = {"email", "digest"}
TEMPLATE_SUFFIX = ".txt.j2"


class InvalidTemplateError(Exception):
    """A template is missing, malformed, unsafe, or asks for a value the context lacks;
    `line`: where in the template, when Jinja knows."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


EDITED = "<template>"  # the file name Jinja gives a template compiled from a string
# Compiled edits kept by their text: the same text always compiles to the same template.
COMPILED_EDITS = 64


def template_line(err: BaseException) -> int | None:
    """The template's line an error came from: a syntax error's own, else the innermost
    template frame of the traceback (Jinja rewrites it to the template's lines)."""
    if isinstance(err, TemplateSyntaxError):
        return err.lineno
    line = None
    trace = err.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename == EDITED or filename.endswith(".j2"):
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def one_line(text: str) -> str:
    """Every run of white space, line breaks included, as one space."""
    return " ".join(text.split())


@dataclass(frozen=True)
class RenderedMessage:
    subject: str | None
    body: str


class Renderer:
    """Renders `templates/<channel>/<occasion>.<sender_role>.txt.j2`, else `<occasion>.txt.j2`;
    for a reader with a language, `<occasion>.<sender_role>.<lang>.txt.j2` and
    `<occasion>.<lang>.txt.j2` first (`de-AT`, then `de`), falling back to the defaults.

    An email template starts with a `Subject:` line and a blank line; other channels are body
    only. The sender's role picks the voice: the CEO writes differently from HR.
    """

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self._root = templates_dir
        self._env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(templates_dir),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._edits: dict[str, Template] = {}
        self._edits_lock = threading.Lock()

    def template_names(
        self, channel: str, occasion: str, sender_role: str, language: str | None = None
    ) -> list[str]:
        try:
            tags = fallbacks(language)
        except ValueError:  # not a tag (stored before tags were checked): the defaults
            tags = []
        names = [
            name
            for tag in tags
            for name in (f"{channel}/{occasion}.{sender_role}.{tag}.txt.j2",
                         f"{channel}/{occasion}.{tag}.txt.j2")
        ]  # fmt: skip
        defaults = [f"{channel}/{occasion}.{sender_role}.txt.j2", f"{channel}/{occasion}.txt.j2"]
        return [*names, *defaults]

    def language_of(
        self, channel: str, occasion: str, sender_role: str, language: str | None
    ) -> str | None:
        """The language of the template `render` picks for this reader: a tag of theirs that
        has one, or None for the defaults (English)."""
        for name in self.template_names(channel, occasion, sender_role, language)[:-2]:
            if (self._root / name).is_file():
                return name.removesuffix(".txt.j2").rpartition(".")[2]
        return None

    def _edit(self, source: str) -> Template:
        # The API checks edits in threads: the cache is shared, so it is locked.
        with self._edits_lock:
            template = self._edits.get(source)
        if template is None:
            template = self._env.from_string(source)
            with self._edits_lock:
                while len(self._edits) >= COMPILED_EDITS:
                    self._edits.pop(next(iter(self._edits)))
                self._edits[source] = template
        return template

    def pick(
        self, channel: str, occasion: str, sender_role: str, language: str | None = None
    ) -> str:
        """The file `render` uses for this reader (relative to the templates directory)."""
        names = self.template_names(channel, occasion, sender_role, language)
        for name in names:
            if (self._root / name).is_file():
                return name
        raise InvalidTemplateError(f"no template among {names}")

    def render(
        self,
        channel: str,
        occasion: str,
        context: dict[str, Any],
        *,
        sender_role: str = "hr",
        language: str | None = None,
    ) -> RenderedMessage:
        return self.render_named(self.pick(channel, occasion, sender_role, language), context)

    def render_named(
        self, name: str, context: dict[str, Any], source: str | None = None
    ) -> RenderedMessage:
        """The file `name`, or `source` in its stead: HR's edit of it (`rapport.db` keeps the
        edits), rendered in the same sandbox with the same strict undefined values."""
        channel = name.partition("/")[0]
        try:
            template = self._env.get_template(name) if source is None else self._edit(source)
            text = template.render(**context)
        except TemplateNotFound as err:
            raise InvalidTemplateError(f"no template {name}") from err
        except SecurityError as err:
            raise InvalidTemplateError(f"{name}: refused: {err}", template_line(err)) from err
        except TemplateError as err:
            raise InvalidTemplateError(f"{name}: {err}", template_line(err)) from err
        except (ArithmeticError, LookupError, TypeError, ValueError) as err:
            # Raised by a filter or a value inside the template: rendering is pure, so it
            # would raise the same on every retry.
            raise InvalidTemplateError(
                f"{name}: {type(err).__name__}: {err}", template_line(err)
            ) from err
        if channel not in CHANNELS_WITH_SUBJECT:
            body = text.strip()
            if not body:
                raise InvalidTemplateError(f"{name} rendered an empty message")
            return RenderedMessage(subject=None, body=body + "\n")
        head, separator, body = text.partition("\n\n")
        if not separator or not head.startswith("Subject:"):
            raise InvalidTemplateError(f"{name} must start with a 'Subject:' line and a blank line")
        # One line whatever the values in it held (a title with CR LF): a header cannot break.
        subject = one_line(head.removeprefix("Subject:"))
        if not subject or not body.strip():
            raise InvalidTemplateError(f"{name} rendered an empty subject or body")
        return RenderedMessage(subject=subject, body=body.strip() + "\n")

"""Jinja2 messages, rendered in the sandbox with StrictUndefined: a missing value is an error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


class InvalidTemplateError(Exception):
    """A template is missing, malformed, or asks for a value the context does not have."""


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


class Renderer:
    """Renders `templates/<channel>/<occasion>.txt.j2`: a `Subject:` line, a blank line, a body."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self._env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(templates_dir),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, channel: str, occasion: str, context: dict[str, Any]) -> RenderedMessage:
        name = f"{channel}/{occasion}.txt.j2"
        try:
            text = self._env.get_template(name).render(**context)
        except TemplateNotFound as err:
            raise InvalidTemplateError(f"no template {name}") from err
        except TemplateError as err:
            raise InvalidTemplateError(f"{name}: {err}") from err
        head, separator, body = text.partition("\n\n")
        if not separator or not head.startswith("Subject:"):
            raise InvalidTemplateError(f"{name} must start with a 'Subject:' line and a blank line")
        subject = head.removeprefix("Subject:").strip()
        if not subject or not body.strip():
            raise InvalidTemplateError(f"{name} rendered an empty subject or body")
        return RenderedMessage(subject=subject, body=body.strip() + "\n")

"""The editable templates and their samples: every candidate-facing file is listed with the
roles it really serves, every default renders against every sample (so a default could be
saved back as an edit), and an edit renders in the worker's own sandbox."""

from __future__ import annotations

import pytest

from activities import template_catalog as catalog
from activities.templates import TEMPLATES_DIR, InvalidTemplateError, Renderer
from rapport.vocabulary import Channel, SenderRole

TEMPLATES = catalog.catalog()


def test_every_file_of_a_candidate_channel_is_listed_and_nothing_else() -> None:
    files = {
        path.relative_to(TEMPLATES_DIR).as_posix().removesuffix(".txt.j2")
        for channel in Channel
        for path in (TEMPLATES_DIR / channel.value).glob("*.txt.j2")
    }
    assert set(TEMPLATES) == files


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_each_template_serves_the_roles_the_renderer_picks_it_for(key: str) -> None:
    template = TEMPLATES[key]
    renderer = Renderer()
    for role in SenderRole:
        picked = renderer.pick(template.channel, template.occasion, role, template.language)
        assert (picked == template.file_name) == (role in template.roles), role


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_every_default_renders_for_every_sample(key: str) -> None:
    template = TEMPLATES[key]
    assert catalog.check(Renderer(), template, catalog.default_source(template)) is None


def test_an_edit_renders_in_the_same_sandbox_with_strict_undefined_values() -> None:
    renderer = Renderer()
    name = "linkedin_message/birthday.txt.j2"
    edited = renderer.render_named(name, {"first_name": "Ada"}, "Happy birthday, {{ first_name }}!")
    assert edited.body == "Happy birthday, Ada!\n"
    with pytest.raises(InvalidTemplateError) as undefined:
        renderer.render_named(name, {}, "Hi\n\n{{ first_name }}")
    assert undefined.value.line == 3
    with pytest.raises(InvalidTemplateError, match="refused"):
        renderer.render_named(name, {}, "{{ ''.__class__ }}")
    # The file itself when there is no edit.
    assert (
        "Ada"
        in renderer.render_named(
            name,
            catalog.sample_values(TEMPLATES["linkedin_message/birthday"], "hr")
            | {"first_name": "Ada"},
        ).body
    )

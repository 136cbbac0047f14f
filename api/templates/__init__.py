"""The message templates: list, read with history, edit (refused unless it renders), preview
against a candidate, revert to the default file."""

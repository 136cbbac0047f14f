"""The text of a message: its plain-text body, or its HTML body turned into text.

Quoted history in HTML (`<blockquote>`, Gmail's `gmail_quote`, Outlook's reply header block,
Apple Mail's `type="cite"`) is dropped while converting, so what remains is the new text and,
at most, a reply header line that the reply parser then cuts at. Bounded: at most
MAX_TEXT_CHARS characters come out.
"""

from __future__ import annotations

import re
from email.message import Message
from html import unescape
from html.parser import HTMLParser

MAX_TEXT_CHARS = 64 * 1024
# Parts larger than this are not decoded at all for text (an attachment named text/plain).
MAX_PART_BYTES = 1024 * 1024

_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}
_SKIP_TAGS = {"style", "script", "head", "title"}
_VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base"}
_QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote")
_QUOTE_IDS = ("appendonsend", "divrplyfwdmsg", "mail-editor-reference-message-container")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._quote_depth = 0
        self._stack: list[bool] = []
        self._after_outlook_header = False

    def _is_quote(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        values = {name.lower(): (value or "").lower() for name, value in attrs}
        if tag == "blockquote":
            return True
        classes = values.get("class", "")
        if any(name in classes for name in _QUOTE_CLASSES):
            return True
        return values.get("id", "") in _QUOTE_IDS

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._after_outlook_header:
            return
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        if tag in _VOID_TAGS:
            if tag in _BLOCK_TAGS and not self._quote_depth:
                self.parts.append("\n")
            return
        quote = self._is_quote(tag, attrs)
        if quote and tag == "div" and (dict(attrs).get("id") or "").lower() in _QUOTE_IDS:
            # Outlook: everything after its reply header is history, nested or not.
            self._after_outlook_header = True
            return
        self._stack.append(quote)
        if quote:
            self._quote_depth += 1
        if tag in _BLOCK_TAGS and not self._quote_depth:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._after_outlook_header:
            return
        if tag in _SKIP_TAGS and self._skip_depth:
            self._skip_depth -= 1
        if tag in _VOID_TAGS:
            return
        if self._stack and self._stack.pop():
            self._quote_depth -= 1
        if tag in _BLOCK_TAGS and not self._quote_depth:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_depth or self._quote_depth or self._after_outlook_header:
            return
        self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(html[: MAX_TEXT_CHARS * 4])
        extractor.close()
    except (AssertionError, ValueError, IndexError):
        pass
    text = unescape("".join(extractor.parts)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    collapsed = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return collapsed.strip()[:MAX_TEXT_CHARS]


def part_text(part: Message) -> str | None:
    """A leaf part's payload as text (its charset, else UTF-8, else Latin-1), or None."""
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError):
        return None
    if not isinstance(payload, bytes) or len(payload) > MAX_PART_BYTES:
        return None
    charset = part.get_content_charset() or "utf-8"
    for encoding in (charset, "utf-8", "latin-1"):
        try:
            return payload.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return None  # pragma: no cover - latin-1 decodes any bytes


def _leaves(message: Message, depth: int = 0) -> list[Message]:
    """The leaf parts in order, not descending into attached messages."""
    if depth > 20:
        return []
    if message.is_multipart():
        payload = message.get_payload()
        if not isinstance(payload, list):
            return []
        leaves: list[Message] = []
        for part in payload[:100]:
            if isinstance(part, Message) and part.get_content_maintype() != "message":
                leaves.extend(_leaves(part, depth + 1))
        return leaves
    return [message]


def body_text(message: Message) -> str:
    """The message's own text: the first inline text/plain part, else the first text/html one
    converted, else ""."""
    html: str | None = None
    for part in _leaves(message):
        if part.get_content_disposition() == "attachment":
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain":
            text = part_text(part)
            if text is not None and text.strip():
                return text.replace("\r\n", "\n")[:MAX_TEXT_CHARS]
        elif content_type == "text/html" and html is None:
            html = part_text(part)
    return html_to_text(html) if html else ""


def all_text(message: Message) -> str:
    """Every text part, plain or HTML, joined (for reports whose words are in any part)."""
    texts: list[str] = []
    for part in _leaves(message):
        content_type = part.get_content_type()
        text = part_text(part) if content_type in ("text/plain", "text/html") else None
        if text:
            texts.append(html_to_text(text) if content_type == "text/html" else text)
    return "\n".join(texts)[:MAX_TEXT_CHARS]

"""A person's reply: the new text without the quoted history, and whether it asks to stop.

mail-parser-reply cuts the text at the quote header a mail client writes ("On … wrote:",
"Am … schrieb …:", Outlook's "From: … Sent: …" / "Von: … Gesendet: …", "Le … a écrit :", …)
in every language it knows; lines quoted with ">" are dropped after that. The stop detector
only ever sees that new text, so an "unsubscribe" in a quoted footer of Rapport's own message
does not count. It is conservative: phrases that ask not to be written to, not words that
merely come near the subject.
"""

from __future__ import annotations

import logging
import re

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

# The reply parser's regular expressions are not linear on every input: it reads at most this.
MAX_PARSED_CHARS = 32 * 1024
# A request to stop stands near the top of a reply; a long letter mentioning it late is read
# by its owner.
STOP_WINDOW_CHARS = 2000
LANGUAGES = sorted(language for language in MAIL_LANGUAGES if len(language) == 2)

_STOP_PHRASES = [
    # English
    r"\bunsubscribe\b",
    r"\bremove me\b",
    r"\btake me off\b",
    r"\bopt(?:[- ])?(?:me )?out\b",
    r"\bstop (?:e-?mailing|mailing|contacting|messaging|writing to) (?:me|us)\b",
    r"\bstop sending (?:me )?(?:e-?mails|messages|these)\b",
    r"\b(?:do not|don'?t|never) (?:e-?mail|contact|write to|message) me\b",
    r"\bno more (?:e-?mails|messages)\b",
    r"\bleave me alone\b",
    # German
    r"\babmelden\b",
    r"\babbestellen\b",
    r"\baustragen\b",
    r"\bkeine (?:e-?mails?|mails?|nachrichten|werbung) mehr\b",
    r"\b(?:nicht mehr|nie wieder) (?:kontaktieren|anschreiben|schreiben|mailen)\b",
    r"\bentfernen sie mich\b",
    r"\baus (?:ihrem|eurem|dem) verteiler\b",
    # French
    r"d[ée]sinscri(?:re|vez|ption|s)",
    r"d[ée]sabonn(?:er|ez|ement)",
    r"\bne (?:me )?(?:contactez|[ée]crivez) plus\b",
    r"\bne plus (?:me )?(?:contacter|[ée]crire)\b",
    r"\bretirez[- ]moi\b",
    r"\bsupprimez[- ]moi\b",
    # Spanish
    r"\bdar(?:me)? de baja\b",
    r"\bno me (?:escriban|escribas|escriba|contacten|contactes|contacte|env[íi]en)\b",
    r"\bdejen? de (?:escribirme|enviarme|contactarme)\b",
    r"\bcancelar (?:la |mi )?suscripci[óo]n\b",
    r"\beliminarme de\b",
    # Dutch
    r"\bafmelden\b",
    r"\buitschrijven\b",
    r"\bgeen (?:e-?mails?|mails?|berichten) meer\b",
    r"\bverwijder (?:me|mij)\b",
    # Italian
    r"\bdisiscriv(?:i|ere|etemi|ermi)\b",
    r"\bcancellami\b",
    r"\bnon (?:contattatemi|scrivetemi|mi scrivete|mi contattate) pi[ùu]\b",
    r"\brimuov(?:imi|etemi)\b",
    # Portuguese
    r"\bdescadastr(?:ar|e|em)\b",
    r"\bn[ãa]o me (?:enviem|contactem|escrevam|mandem)\b",
    # Scandinavian, Polish
    r"\bavregistrera\b",
    r"\bavmeld\b",
    r"\bafmeld\b",
    r"\bwypisz mnie\b",
    r"\bnie (?:piszcie|pisz) do mnie\b",
    # Japanese, Chinese
    r"配信停止",
    r"配信を停止",
    r"連絡しないで",
    r"退订",
    r"取消订阅",
]
_STOP = re.compile("|".join(_STOP_PHRASES), re.IGNORECASE)
# "Please don't unsubscribe me", "nicht abmelden": a negated request is none.
_NEGATED = re.compile(r"(?:\bdon'?t|\bdo not|\bnot|\bnever|\bnicht|\bne pas|\bno)\s+$", re.I)

log = logging.getLogger(__name__)
_PARSER = EmailReplyParser(languages=LANGUAGES)


# A separator line a client leaves above the history ("-----Ursprüngliche Nachricht-----").
_SEPARATOR = re.compile(r"^\s*(?:[-_=]{3,}[^\n]{0,40}[-_=]{3,}|[-_=]{5,})\s*$")


def _without_quoted_lines(text: str) -> str:
    kept = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    while kept and (not kept[-1].strip() or _SEPARATOR.match(kept[-1])):
        kept.pop()
    return "\n".join(kept).strip()


def reply_text(body: str) -> str:
    """The new text of a reply: cut at the first quote header, quoted lines dropped."""
    text = body.replace("\r\n", "\n")[:MAX_PARSED_CHARS]
    try:
        latest = _PARSER.parse_reply(text)
    except Exception:  # the reply parser is a heuristic: on any failure, keep the whole text
        log.debug("mail-parser-reply failed", exc_info=True)
        latest = None
    return _without_quoted_lines(latest if latest is not None else text)


def stop_request(text: str) -> str | None:
    """The phrase in a reply's new text that asks not to be written to again, or None."""
    window = " ".join(text[:STOP_WINDOW_CHARS].split())
    for match in _STOP.finditer(window):
        if _NEGATED.search(window[max(0, match.start() - 12) : match.start()]):
            continue
        return match.group(0)
    return None

"""Handwritten thank-you notes through Handwrytten's official SDK, at most one card per key.

Handwrytten has no idempotency of its own: its order endpoints document no idempotency header
and dedupe on nothing (the SDK's transport can send an ``Idempotency-Key`` header, but none of
its public methods pass one). So the key goes into the order's ``client_metadata`` field, and
before placing a card we look for an order or an unsent basket item that already carries it.

Orders go through Handwrytten's basket, which is shared by the whole account: ``basket/send``
submits every item in it. The API key must therefore belong to an account that only Rapport
uses, or a person's half-filled basket in the web app would be posted along with our card.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import requests
from handwrytten import (
    AuthenticationError,
    Handwrytten,
    HandwryttenError,
    RateLimitError,
    ServerError,
)


class NoteRejected(Exception):
    """Handwrytten refused the order for good (4xx: bad address, unknown card, bad API key)."""


class NoteProviderUnavailable(Exception):
    """Handwrytten could not be reached or failed on its side (5xx, 429, timeout): retry later."""


@dataclass(frozen=True)
class PostalAddress:
    name: str
    street: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    state: str | None = None
    street2: str | None = None


@dataclass(frozen=True)
class HandwrittenConfig:
    api_key: str
    base_url: str | None  # None: the SDK's default (production)
    card_id: str | int | None
    font: str | None  # None: the account's default handwriting
    sender: PostalAddress


# Countries whose cities are written "City, ST 12345" and whose state the API requires.
_STATE_COUNTRIES = {
    "US": re.compile(r"\d{5}(?:-\d{4})?"),
    "CA": re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d"),
}
_GB_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}")
_NL_POSTCODE = re.compile(r"\d{4} ?[A-Z]{2}")
# A trailing line naming the country is common in pasted addresses and carries nothing we need.
_COUNTRY_NAMES = {
    "US": {"USA", "US", "UNITED STATES", "UNITED STATES OF AMERICA"},
    "GB": {"UK", "GB", "UNITED KINGDOM", "GREAT BRITAIN", "ENGLAND", "SCOTLAND", "WALES"},
    "DE": {"DE", "GERMANY", "DEUTSCHLAND"},
    "AT": {"AT", "AUSTRIA", "ÖSTERREICH"},
    "CH": {"CH", "SWITZERLAND", "SCHWEIZ", "SUISSE"},
    "NL": {"NL", "NETHERLANDS", "THE NETHERLANDS", "NEDERLAND"},
    "CA": {"CA", "CANADA"},
}


def parse_postal_address(name: str, text: str, country: str) -> PostalAddress:
    """Parse a postal address stored as free text, one part per line.

    Accepted layouts (blank lines and surrounding spaces are ignored; a last line that only
    names the country, such as "Germany" or "USA", is dropped):

    - most countries (DE, FR, AT, CH, ...)::

        Hauptstraße 5
        [Hinterhaus]
        10115 Berlin

      The postal code is the run of leading words that contain a digit ("114 55 Stockholm"
      works); for NL it is "1012 AB".
    - US and CA::

        1600 Pennsylvania Ave NW
        [Suite 100]
        Washington, DC 20500

      The comma is optional; the state is two letters; ZIP is 12345 or 12345-6789.
    - GB: the post town and the postcode either on one line or on two::

        10 Downing Street           10 Downing Street
        London SW1A 2AA             London
                                    SW1A 2AA

    At most two street lines fit on the envelope. Raises ValueError saying what is wrong.
    """
    country = country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise ValueError(f"country must be an ISO 3166-1 alpha-2 code, got {country!r}")
    if not name.strip():
        raise ValueError("the recipient's name is empty")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > 1 and lines[-1].upper().rstrip(".") in _COUNTRY_NAMES.get(country, {country}):
        lines.pop()
    if len(lines) < 2:
        raise ValueError(
            "a postal address needs at least a street line and a city line, "
            f"got {len(lines)} line(s)"
        )

    if country == "GB" and len(lines) >= 3 and _GB_POSTCODE.fullmatch(lines[-1].upper()):
        city, postal_code, state = lines[-2], lines[-1].upper(), None
        streets = lines[:-2]
    else:
        city, postal_code, state = _split_city_line(lines[-1], country)
        streets = lines[:-1]
    if len(streets) > 2:
        raise ValueError(
            f"at most two street lines fit on the envelope, got {len(streets)}: {streets!r}"
        )
    return PostalAddress(
        name=" ".join(name.split()),
        street=streets[0],
        street2=streets[1] if len(streets) == 2 else None,
        city=city,
        postal_code=postal_code,
        country=country,
        state=state,
    )


def _split_city_line(line: str, country: str) -> tuple[str, str, str | None]:
    """The city, postal code and (for US/CA) state of the last line of an address."""
    if country in _STATE_COUNTRIES:
        code = _STATE_COUNTRIES[country].pattern
        match = re.fullmatch(
            rf"(?P<city>.+?),? (?P<state>[A-Z]{{2}}) (?P<code>{code})", line, re.IGNORECASE
        )
        if not match:
            raise ValueError(
                f"expected the last line as 'City, ST postal code' for {country}, got {line!r}"
            )
        return match["city"], match["code"].upper(), match["state"].upper()
    if country == "GB":
        match = re.fullmatch(rf"(?P<city>.+?),? (?P<code>{_GB_POSTCODE.pattern})", line.upper())
        if not match:
            raise ValueError(f"expected a post town and a UK postcode, got {line!r}")
        # Keep the town as written; only the postcode is normalised to capitals.
        return line[: match.end("city")], match["code"], None
    if country == "NL":
        match = re.fullmatch(rf"(?P<code>{_NL_POSTCODE.pattern}) (?P<city>.+)", line)
    else:
        match = re.fullmatch(r"(?P<code>\S*\d\S*(?: \S*\d\S*)*) (?P<city>\D.*)", line)
    if not match:
        raise ValueError(f"expected the last line as 'postal code city', got {line!r}")
    return match["city"], match["code"], None


def _address_fields(prefix: str, address: PostalAddress) -> dict[str, str]:
    """An address as the ``to_*`` / ``return_*`` fields of a placeBasket ``addresses`` row."""
    first, _, last = address.name.partition(" ")
    fields = {
        f"{prefix}_first_name": first,
        f"{prefix}_last_name": last,
        f"{prefix}_address1": address.street,
        f"{prefix}_city": address.city,
        f"{prefix}_zip": address.postal_code,
        # The SDK's own Recipient/Sender models send ISO alpha-2 here ("US" by default).
        f"{prefix}_country": address.country,
    }
    if address.street2:
        fields[f"{prefix}_address2"] = address.street2
    if address.state:
        fields[f"{prefix}_state"] = address.state
    return fields


def _error_message(body: Any) -> str | None:
    """The refusal in a 2xx body, for answers shaped like ``{"httpCode": 400, "error": ...}``."""
    if not isinstance(body, dict):
        return "unexpected answer (not a JSON object)"
    code = body.get("httpCode")
    failed = body.get("status") == "error" or (isinstance(code, int) and code >= 400)
    if failed or body.get("error"):
        return str(body.get("error") or body.get("message") or body)
    return None


class HandwrittenNotes:
    def __init__(self, config: HandwrittenConfig) -> None:
        if config.card_id is None or not str(config.card_id).strip().isdigit():
            # The SDK sends int(card_id); fail at start-up rather than on the first note.
            raise ValueError(f"card_id must be a numeric Handwrytten card id: {config.card_id!r}")
        self._config = config

    async def send_note(
        self, *, idempotency_key: str, message: str, recipient: PostalAddress
    ) -> str:
        """Order one card; return Handwrytten's order id. The same key never orders twice."""
        # The SDK is synchronous (requests); a thread keeps the event loop free.
        return await asyncio.to_thread(self._send_blocking, idempotency_key, message, recipient)

    def _send_blocking(self, key: str, message: str, recipient: PostalAddress) -> str:
        # A client and session per call: a requests.Session is not safe to share across the
        # threads that concurrent activities run in.
        with requests.Session() as session:
            return self._send_with(self._client(session), key, message, recipient)

    def _client(self, session: requests.Session) -> Handwrytten:
        options: dict[str, Any] = {}
        if self._config.base_url is not None:
            options["base_url"] = self._config.base_url
        # max_retries=1: the SDK would otherwise re-POST after a 5xx or a lost connection,
        # sleeping in between, with nothing to dedupe; Temporal's retry policy retries instead.
        return Handwrytten(api_key=self._config.api_key, max_retries=1, session=session, **options)

    def _send_with(
        self, client: Handwrytten, key: str, message: str, recipient: PostalAddress
    ) -> str:
        try:
            submitted, in_basket = self._find(client, key)
            if submitted is not None:
                return submitted
            order_id = in_basket or self._place(client, key, message, recipient)
            refusal = _error_message(client.basket.send())
            if refusal:
                raise NoteRejected(f"Handwrytten refused to send the basket: {refusal}")
            return order_id
        except AuthenticationError as err:
            raise NoteRejected(f"Handwrytten refused the API key: {err}") from err
        except (ServerError, RateLimitError) as err:
            raise NoteProviderUnavailable(f"Handwrytten is unavailable: {err}") from err
        except HandwryttenError as err:
            if err.status_code is None:  # how the SDK reports connection errors and timeouts
                raise NoteProviderUnavailable(f"Handwrytten unreachable: {err}") from err
            raise NoteRejected(f"Handwrytten rejected the order: {err}") from err
        except requests.RequestException as err:  # transport faults the SDK does not wrap
            raise NoteProviderUnavailable(f"Handwrytten unreachable: {err}") from err

    def _find(self, client: Handwrytten, key: str) -> tuple[str | None, str | None]:
        """(submitted order id, unsent basket item id) already carrying this key, if any.

        A retry follows a failure shortly, so the newest page of orders is enough; the basket
        holds the item when an earlier attempt died between placing it and sending the basket.
        """
        for order in client.orders.list(page=1, per_page=50):
            if order.raw.get("client_metadata") == key and order.id:
                return order.id, None
        basket = client.basket.list()
        items = basket.get("items", []) if isinstance(basket, dict) else []
        for item in items:
            if isinstance(item, dict) and item.get("client_metadata") == key:
                item_id = item.get("id") or item.get("order_id")
                if item_id:
                    return None, str(item_id)
        return None, None

    def _place(self, client: Handwrytten, key: str, message: str, recipient: PostalAddress) -> str:
        row = {
            **_address_fields("to", recipient),
            # The API's inline return-address fields are return_*; the SDK's orders.send()
            # writes from_*, which the placeBasket documentation does not list.
            **_address_fields("return", self._config.sender),
            "message": message,
        }
        answer = client.basket.add_order(
            card_id=str(self._config.card_id),
            font=self._config.font,
            message=message,
            addresses=[row],
            client_metadata=key,
        )
        refusal = _error_message(answer)
        if refusal:
            raise NoteRejected(f"Handwrytten rejected the order: {refusal}")
        order_id = answer.get("order_id")
        if order_id in (None, ""):
            raise NoteRejected(f"Handwrytten accepted the order without an order id: {answer!r}")
        return str(order_id)

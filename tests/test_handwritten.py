"""Handwritten notes through the real Handwrytten SDK against a local fake of its API."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from activities.handwritten import (
    HandwrittenConfig,
    HandwrittenNotes,
    NoteProviderUnavailable,
    NoteRejected,
    PostalAddress,
    parse_postal_address,
)

from .fake_handwrytten import FakeHandwrytten

API_KEY = "test-key-7f3a"
SENDER = PostalAddress(
    name="Jane Doe",
    street="100 S Mill Ave",
    city="Tempe",
    postal_code="85281",
    country="US",
    state="AZ",
)
RECIPIENT = PostalAddress(
    name="Anna von Berg",
    street="Hauptstraße 5",
    street2="Hinterhaus",
    city="Berlin",
    postal_code="10115",
    country="DE",
)


@pytest.fixture
def fake() -> Iterator[FakeHandwrytten]:
    with FakeHandwrytten(api_key=API_KEY).serve() as server:
        yield server


def notes(base_url: str, api_key: str = API_KEY) -> HandwrittenNotes:
    config = HandwrittenConfig(
        api_key=api_key, base_url=base_url, card_id=3404, font="hwDavid", sender=SENDER
    )
    return HandwrittenNotes(config)


async def test_an_order_carries_card_font_message_and_both_addresses(
    fake: FakeHandwrytten,
) -> None:
    order_id = await notes(fake.base_url).send_note(
        idempotency_key="touch-1", message="Great to meet you in Berlin!", recipient=RECIPIENT
    )

    [order] = fake.orders
    assert order_id == str(order["id"])
    assert order["status"] == "processing"
    assert order["card_id"] == 3404
    assert order["font"] == "hwDavid"
    assert order["message"] == "Great to meet you in Berlin!"
    assert order["client_metadata"] == "touch-1"
    assert order["address"] == {
        "to_first_name": "Anna",
        "to_last_name": "von Berg",
        "to_address1": "Hauptstraße 5",
        "to_address2": "Hinterhaus",
        "to_city": "Berlin",
        "to_zip": "10115",
        "to_country": "DE",
        "return_first_name": "Jane",
        "return_last_name": "Doe",
        "return_address1": "100 S Mill Ave",
        "return_city": "Tempe",
        "return_zip": "85281",
        "return_country": "US",
        "return_state": "AZ",
        "message": "Great to meet you in Berlin!",
    }
    assert fake.basket == []


async def test_the_same_key_twice_orders_one_card(fake: FakeHandwrytten) -> None:
    client = notes(fake.base_url)
    first = await client.send_note(idempotency_key="touch-2", message="Hi", recipient=RECIPIENT)
    again = await client.send_note(idempotency_key="touch-2", message="Hi", recipient=RECIPIENT)
    other = await client.send_note(idempotency_key="touch-3", message="Hi", recipient=RECIPIENT)

    assert again == first
    assert other != first
    assert [order["client_metadata"] for order in fake.orders] == ["touch-2", "touch-3"]


async def test_a_retry_after_the_basket_failed_sends_the_card_already_placed(
    fake: FakeHandwrytten,
) -> None:
    client = notes(fake.base_url)
    fake.fail_next(1, path="basket/send")
    with pytest.raises(NoteProviderUnavailable):
        await client.send_note(idempotency_key="touch-4", message="Hi", recipient=RECIPIENT)
    assert len(fake.basket) == 1 and fake.orders == []

    order_id = await client.send_note(idempotency_key="touch-4", message="Hi", recipient=RECIPIENT)

    assert [str(order["id"]) for order in fake.orders] == [order_id]
    assert fake.calls.count(("POST", "orders/placeBasket")) == 1


async def test_a_wrong_api_key_is_rejected_for_good(fake: FakeHandwrytten) -> None:
    with pytest.raises(NoteRejected, match="API key"):
        await notes(fake.base_url, api_key="wrong").send_note(
            idempotency_key="touch-5", message="Hi", recipient=RECIPIENT
        )
    assert fake.orders == []


async def test_a_503_is_a_passing_fault(fake: FakeHandwrytten) -> None:
    fake.fail_next(1)
    with pytest.raises(NoteProviderUnavailable, match="503"):
        await notes(fake.base_url).send_note(
            idempotency_key="touch-6", message="Hi", recipient=RECIPIENT
        )
    # One attempt only: retrying is left to Temporal, not to the SDK.
    assert len(fake.calls) == 1


async def test_an_unreachable_provider_is_a_passing_fault() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port once the probe is closed.
    with pytest.raises(NoteProviderUnavailable):
        await notes(f"http://127.0.0.1:{port}/v2/").send_note(
            idempotency_key="touch-7", message="Hi", recipient=RECIPIENT
        )


async def test_a_refused_address_is_rejected_with_the_providers_message(
    fake: FakeHandwrytten,
) -> None:
    fake.reject_address("Hauptstraße")
    with pytest.raises(NoteRejected, match="address error"):
        await notes(fake.base_url).send_note(
            idempotency_key="touch-8", message="Hi", recipient=RECIPIENT
        )
    assert fake.orders == [] and fake.basket == []


def test_a_card_id_is_required_up_front() -> None:
    config = HandwrittenConfig(
        api_key=API_KEY, base_url=None, card_id=None, font=None, sender=SENDER
    )
    with pytest.raises(ValueError, match="card_id"):
        HandwrittenNotes(config)


@pytest.mark.parametrize(
    ("country", "text", "expected"),
    [
        (
            "DE",
            "Hauptstraße 5\nHinterhaus\n10115 Berlin",
            ("Hauptstraße 5", "Hinterhaus", "Berlin", "10115", None),
        ),
        (
            "DE",
            "  Hauptstraße 5 \n\n10115  Berlin\nDeutschland\n",
            ("Hauptstraße 5", None, "Berlin", "10115", None),
        ),
        (
            "GB",
            "10 Downing Street\nLondon\nSW1A 2AA",
            ("10 Downing Street", None, "London", "SW1A 2AA", None),
        ),
        (
            "GB",
            "Flat 2\n221B Baker Street\nLondon NW1 6XE\nUnited Kingdom",
            ("Flat 2", "221B Baker Street", "London", "NW1 6XE", None),
        ),
        (
            "US",
            "1600 Pennsylvania Ave NW\nWashington, DC 20500",
            ("1600 Pennsylvania Ave NW", None, "Washington", "20500", "DC"),
        ),
        (
            "us",
            "350 Fifth Avenue\nSuite 3300\nNew York ny 10118-0110\nUSA",
            ("350 Fifth Avenue", "Suite 3300", "New York", "10118-0110", "NY"),
        ),
        (
            "SE",
            "Drottninggatan 1\n114 55 Stockholm",
            ("Drottninggatan 1", None, "Stockholm", "114 55", None),
        ),
        (
            "NL",
            "Damrak 1\n1012 LG Amsterdam",
            ("Damrak 1", None, "Amsterdam", "1012 LG", None),
        ),
    ],
)
def test_parse_postal_address(
    country: str, text: str, expected: tuple[str, str | None, str, str, str | None]
) -> None:
    street, street2, city, postal_code, state = expected
    assert parse_postal_address("Anna  von Berg", text, country) == PostalAddress(
        name="Anna von Berg",
        street=street,
        street2=street2,
        city=city,
        postal_code=postal_code,
        country=country.upper(),
        state=state,
    )


@pytest.mark.parametrize(
    ("name", "country", "text", "complaint"),
    [
        ("Anna", "DE", "10115 Berlin", "at least a street line"),
        ("Anna", "DE", "Hauptstraße 5\nBerlin 10115", "postal code city"),
        ("Anna", "DE", "c/o Acme\nFloor 3\nHauptstraße 5\n10115 Berlin", "two street lines"),
        ("Anna", "US", "1 Main St\nSpringfield 62701", "City, ST postal code"),
        ("Anna", "GB", "10 Downing Street\nLondon", "UK postcode"),
        ("Anna", "Germany", "Hauptstraße 5\n10115 Berlin", "alpha-2"),
        (" ", "DE", "Hauptstraße 5\n10115 Berlin", "name"),
    ],
)
def test_parse_postal_address_says_what_is_wrong(
    name: str, country: str, text: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_postal_address(name, text, country)

"""The payload encryption codec, its remote codec endpoints, and a real server's history."""

from __future__ import annotations

import base64
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow

# The sandbox re-imports this module to run the workflow below; everything else comes from
# outside it.
with workflow.unsafe.imports_passed_through():
    import httpx
    import pytest
    from fastapi import Depends, FastAPI, HTTPException
    from temporalio.api.common.v1 import Payload
    from temporalio.client import Client
    from temporalio.converter import DataConverter
    from temporalio.testing import WorkflowEnvironment
    from temporalio.worker import Worker

    from api.codec.routes import router
    from rapport.codec import (
        ENCODING,
        EncryptionCodec,
        PayloadDecryptionError,
        UnknownKeyError,
        data_converter,
        new_key,
        parse_keys,
    )

SECRET = "Ada Lovelace, 12 St James's Square, ada@example.com"


def entry(key_id: str, key: bytes) -> str:
    return f"{key_id}:{base64.b64encode(key).decode()}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def codec() -> EncryptionCodec:
    return EncryptionCodec({"k1": os.urandom(32)}, "k1")


@dataclass
class Facts:
    candidate_id: str
    note: str


def sample_payloads() -> list[Payload]:
    """One payload of each kind the default converter makes, plus an empty one."""
    converter = DataConverter.default.payload_converter
    values = [None, SECRET, SECRET.encode(), {"note": SECRET, "n": 3}, 2.5, Facts("c1", SECRET)]
    return [*converter.to_payloads(values), Payload()]


async def test_round_trip_of_every_payload_kind(codec: EncryptionCodec) -> None:
    originals = sample_payloads()
    encodings = {p.metadata.get("encoding") for p in originals}
    assert {b"binary/null", b"json/plain", b"binary/plain"} <= encodings

    encoded = await codec.encode(originals)

    assert all(p.metadata["encoding"] == ENCODING for p in encoded)
    assert all(p.metadata["encryption-key-id"] == b"k1" for p in encoded)
    assert await codec.decode(encoded) == originals


async def test_ciphertext_holds_none_of_the_plaintext(codec: EncryptionCodec) -> None:
    originals = sample_payloads()
    encoded = await codec.encode(originals)

    for payload in encoded:
        wire = payload.SerializeToString()
        assert SECRET.encode() not in wire
        assert b"Lovelace" not in wire
        assert b"json/plain" not in wire


async def test_each_encode_uses_a_fresh_nonce(codec: EncryptionCodec) -> None:
    payload = DataConverter.default.payload_converter.to_payloads([SECRET])[0]

    first, second = await codec.encode([payload, payload])

    assert first.data[:12] != second.data[:12]
    assert first.data != second.data
    assert await codec.decode([first, second]) == [payload, payload]


async def test_old_key_still_decrypts_after_rotation() -> None:
    k1, k2 = os.urandom(32), os.urandom(32)
    before = EncryptionCodec.from_setting(entry("k1", k1))
    payload = DataConverter.default.payload_converter.to_payloads([SECRET])[0]
    written_with_k1 = await before.encode([payload])

    current, keys = parse_keys(f"{entry('k2', k2)},{entry('k1', k1)}")
    after = EncryptionCodec(keys, current)

    assert current == "k2"
    assert await after.decode(written_with_k1) == [payload]
    (fresh,) = await after.encode([payload])
    assert fresh.metadata["encryption-key-id"] == b"k2"
    # k1 alone cannot read what k2 wrote: the new key really is in use.
    with pytest.raises(UnknownKeyError):
        await before.decode([fresh])


async def test_unknown_key_id_is_an_error_naming_it(codec: EncryptionCodec) -> None:
    other = EncryptionCodec({"k9": os.urandom(32)}, "k9")
    encoded = await other.encode(sample_payloads()[:1])

    with pytest.raises(UnknownKeyError, match="'k9'") as caught:
        await codec.decode(encoded)
    assert isinstance(caught.value, ValueError)
    assert caught.value.key_id == "k9"


async def test_tampered_payload_is_an_error_without_data(codec: EncryptionCodec) -> None:
    (encoded,) = await codec.encode(DataConverter.default.payload_converter.to_payloads([SECRET]))
    flipped = bytearray(encoded.data)
    flipped[20] ^= 0x01
    tampered = Payload(metadata=dict(encoded.metadata), data=bytes(flipped))
    truncated = Payload(metadata=dict(encoded.metadata), data=encoded.data[:10])

    for bad in (tampered, truncated):
        with pytest.raises(PayloadDecryptionError, match="'k1'") as caught:
            await codec.decode([bad])
        assert "Lovelace" not in str(caught.value)


async def test_same_key_id_with_another_key_fails_authentication(codec: EncryptionCodec) -> None:
    impostor = EncryptionCodec({"k1": os.urandom(32)}, "k1")
    encoded = await impostor.encode(sample_payloads()[:1])

    with pytest.raises(PayloadDecryptionError, match="authentication failed"):
        await codec.decode(encoded)


async def test_unencrypted_payloads_pass_decode_unchanged(codec: EncryptionCodec) -> None:
    originals = sample_payloads()

    assert await codec.decode(originals) == originals


async def test_data_converter_encrypts_values(codec: EncryptionCodec) -> None:
    converter = data_converter(codec)

    (payload,) = await converter.encode([SECRET])

    assert payload.metadata["encoding"] == ENCODING
    assert await converter.decode([payload], [str]) == [SECRET]
    assert data_converter(None).payload_codec is None  # no key: plain JSON


def test_parse_keys_reads_several_keys_first_current() -> None:
    k1, k2 = os.urandom(32), os.urandom(32)

    current, keys = parse_keys(f" {entry('k2', k2)} , {entry('k1', k1)} ,")

    assert current == "k2"
    assert keys == {"k2": k2, "k1": k1}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no encryption keys"),
        (" , ", "no encryption keys"),
        ("just-a-key", "entry 1 must look like <id>:<base64 key>"),
        (f"{entry('k1', bytes(32))},:abc", "entry 2 must look like"),
        ("k1:", "entry 1 must look like"),
        ("k1:not base64!", "key 'k1' is not valid base64"),
        (f"k1:{b64(bytes(16))}", "key 'k1' is 16 bytes; AES-256 needs 32"),
        (f"bad id:{b64(bytes(32))}", "key id 'bad id' must be"),
        (f"{entry('k1', bytes(32))},{entry('k1', bytes(32))}", "key id 'k1' appears twice"),
    ],
)
def test_parse_keys_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_keys(text)
    assert b64(bytes(32)) not in str(caught.value)


def test_new_key_is_a_valid_current_key() -> None:
    first, second = new_key(), new_key()

    current, keys = parse_keys(first)

    assert current.startswith("k")
    assert len(keys[current]) == 32
    assert first != second
    assert parse_keys(f"{first},{second}")[0] == current


def codec_app(codec: EncryptionCodec | None, **include: object) -> FastAPI:
    app = FastAPI()
    app.include_router(router, **include)  # type: ignore[arg-type]
    app.state.codec = codec
    return app


def api(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


UI_HEADERS = {"Content-Type": "application/json", "X-Namespace": "default"}


async def test_router_round_trips_the_web_ui_format(codec: EncryptionCodec) -> None:
    # What the Web UI sends: protobuf JSON, base64 metadata values and data.
    sent = {
        "payloads": [
            {"metadata": {"encoding": b64(b"json/plain")}, "data": b64(f'"{SECRET}"'.encode())},
            {"metadata": {"encoding": b64(b"binary/null")}},
        ]
    }
    async with api(codec_app(codec)) as client:
        encoded = await client.post("/codec/encode", json=sent, headers=UI_HEADERS)
        assert encoded.status_code == 200, encoded.text
        body = encoded.json()
        assert [p["metadata"]["encoding"] for p in body["payloads"]] == [b64(ENCODING)] * 2
        assert body["payloads"][0]["metadata"]["encryption-key-id"] == b64(b"k1")
        assert SECRET not in encoded.text
        assert b64(SECRET.encode()) not in encoded.text

        decoded = await client.post("/codec/decode", json=body, headers=UI_HEADERS)
        assert decoded.status_code == 200, decoded.text
        assert decoded.json() == sent

        empty = await client.post("/codec/decode", json={"payloads": []}, headers=UI_HEADERS)
        assert empty.json() == {"payloads": []}


async def test_router_passes_unencrypted_payloads_through(codec: EncryptionCodec) -> None:
    plain = {"payloads": [{"metadata": {"encoding": b64(b"json/plain")}, "data": b64(b"42")}]}
    async with api(codec_app(codec)) as client:
        answer = await client.post("/codec/decode", json=plain, headers=UI_HEADERS)

    assert answer.status_code == 200
    assert answer.json() == plain


async def test_router_rejects_bad_bodies_and_undecryptable_payloads(
    codec: EncryptionCodec,
) -> None:
    stranger = EncryptionCodec({"k7": os.urandom(32)}, "k7")
    (foreign,) = await stranger.encode(DataConverter.default.payload_converter.to_payloads([1]))
    unknown = {
        "payloads": [
            {
                "metadata": {k: b64(v) for k, v in foreign.metadata.items()},
                "data": b64(foreign.data),
            }
        ]
    }
    async with api(codec_app(codec)) as client:
        garbage = await client.post("/codec/decode", content=b"{not json", headers=UI_HEADERS)
        wrong_shape = await client.post("/codec/decode", json={"items": []}, headers=UI_HEADERS)
        undecryptable = await client.post("/codec/decode", json=unknown, headers=UI_HEADERS)

    assert garbage.status_code == 400
    assert wrong_shape.status_code == 400
    assert undecryptable.status_code == 400
    assert "'k7'" in undecryptable.json()["detail"]


async def test_router_without_a_codec_answers_404() -> None:
    async with api(codec_app(None)) as client:
        answer = await client.post("/codec/decode", json={"payloads": []}, headers=UI_HEADERS)

    assert answer.status_code == 404
    assert answer.json() == {"detail": "no codec configured"}


async def test_router_takes_dependencies_at_include_time(codec: EncryptionCodec) -> None:
    def deny() -> None:
        raise HTTPException(401, "who are you?")

    app = codec_app(codec, dependencies=[Depends(deny)])
    async with api(app) as client:
        answer = await client.post("/codec/encode", json={"payloads": []}, headers=UI_HEADERS)

    assert answer.status_code == 401


@activity.defn
async def echo(text: str) -> str:
    return text


@workflow.defn
class EchoWorkflow:
    @workflow.run
    async def run(self, text: str) -> str:
        return await workflow.execute_activity(
            echo, text, start_to_close_timeout=timedelta(seconds=30)
        )


async def test_history_on_a_real_server_holds_only_ciphertext(codec: EncryptionCodec) -> None:
    workflow_id = f"codec-{uuid.uuid4()}"
    task_queue = f"codec-{uuid.uuid4()}"
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(Path(sys.executable).parent / "temporal-test-server"),
        data_converter=data_converter(codec),
    ) as env:
        async with Worker(
            env.client,
            task_queue=task_queue,
            workflows=[EchoWorkflow],
            activities=[echo],
            workflow_failure_exception_types=[Exception],
        ):
            handle = await env.client.start_workflow(
                EchoWorkflow.run, SECRET, id=workflow_id, task_queue=task_queue
            )
            assert await handle.result() == SECRET

        # What the server holds, read as the Web UI reads it: without the codec.
        plain = await Client.connect(env.client.service_client.config.target_host)
        history = await plain.get_workflow_handle(workflow_id).fetch_history()
        stored = b"".join(event.SerializeToString() for event in history.events)

        # The control: ids stay readable, so the search below can see plaintext. (The
        # time-skipping server leaves the workflow id itself out of the started event.)
        assert history.workflow_id == workflow_id
        assert str(handle.result_run_id).encode() in stored
        assert task_queue.encode() in stored
        assert SECRET.encode() not in stored
        assert b"Lovelace" not in stored
        assert ENCODING in stored
        started = history.events[0].workflow_execution_started_event_attributes
        assert started.input.payloads[0].metadata["encoding"] == ENCODING
        assert await codec.decode(started.input.payloads) == (
            DataConverter.default.payload_converter.to_payloads([SECRET])
        )

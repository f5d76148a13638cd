"""ASGI middleware that saves the province's state before a changing request is answered.

The save happens when the response is about to start, not after it was sent: a platform that got
an approval number back can rely on the province still knowing it after a crash. Requests that
changed nothing (a health poll, a log read) write nothing. When the state cannot be written the
request is answered 500 instead of its real answer, so nothing unsaved is ever acknowledged.
"""

from __future__ import annotations

import json
import logging

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harness.province.state import ProvinceState

_log = logging.getLogger("harness.province")
_NOT_SAVED = json.dumps({"detail": "Province state could not be saved"}).encode()


class SaveStateMiddleware:
    def __init__(self, app: ASGIApp, state: ProvinceState) -> None:
        self.app = app
        self.state = state

    async def _save(self) -> bool:
        """True when the state is on disk (written now, or unchanged since the last write)."""
        try:
            await to_thread.run_sync(self.state.save_if_changed)
        except OSError as exc:
            _log.error("cannot save the province state to %s: %s", self.state.path, exc.strerror)
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        refused = False

        async def send_saved(message: Message) -> None:
            nonlocal started, refused
            if message["type"] == "http.response.start" and not started:
                started = True
                if not await self._save():
                    refused = True
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 500,
                            "headers": [
                                (b"content-type", b"application/json"),
                                (b"content-length", str(len(_NOT_SAVED)).encode()),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": _NOT_SAVED})
                    return
            if refused:
                return  # the real answer is withheld: it was never saved
            await send(message)

        try:
            await self.app(scope, receive, send_saved)
        finally:
            if not started:  # a province bug raised before answering: keep what it changed
                await self._save()

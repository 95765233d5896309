"""Slow work the widget starts from a button: synthesis and the local emulator.

Both run in a daemon thread so the kernel stays responsive, and report back by calling
``report(**traits)`` with plain JSON values (the widget sets them as traits).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import _state

if TYPE_CHECKING:
    from .._api import WebSocketApi

Report = Callable[..., None]
#: the emulator's events reach the browser at most this often (a busy server sends batches)
FLUSH_SECONDS = 0.2


class SynthJob:
    """Runs ``api.synth(**options)`` on a snapshot of the model, one run at a time."""

    def __init__(self, report: Report, options: dict[str, Any] | None = None) -> None:
        self._report = report
        self._options = dict(options or {})
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, api: WebSocketApi) -> bool:
        """Start synthesizing; ``False`` (and nothing happens) while a run is in progress."""
        with self._lock:
            if self.running:
                return False
            snapshot = api.copy()  # later cells may change the api while we synthesize
            self._report(synth_status="running", synth_error="")
            self._thread = threading.Thread(
                target=self._run, args=(snapshot,), name="wsnb-widget-synth", daemon=True
            )
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        """Block until the current run (if any) finishes (tests and scripts)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self, api: WebSocketApi) -> None:
        digest = api.spec.digest()
        try:
            result = api.synth(**self._options)
            template = result.template
            state = _state.synth_state(
                template,
                digest=digest,
                filename=f"{api.spec.construct_id}.template.json",
                warnings=result.warnings,
                stack_name=result.stack_name,
                options=self._options,
            )
        except Exception as exc:  # shown in the widget as a message, never a traceback
            self._report(synth_status="error", synth_error=_state.error_text(exc))
            return
        self._report(synth_status="done", synth_error="", **state)


class LocalServer:
    """Starts and stops ``api.serve()`` for the widget and forwards its events."""

    def __init__(self, report: Report, options: dict[str, Any] | None = None) -> None:
        self._report = report
        self._options = dict(options or {})
        self._lock = threading.RLock()
        self._handle: Any = None
        self._events: list[dict[str, Any]] = []
        self._thread: threading.Thread | None = None
        self._generation = 0
        self._unsubscribe: Any = None
        self._flush_timer: threading.Timer | None = None

    @property
    def handle(self) -> Any:
        """The emulator handle while running, else ``None``."""
        return self._handle

    def start(self, api: WebSocketApi) -> bool:
        with self._lock:
            if self._handle is not None or (self._thread is not None and self._thread.is_alive()):
                return False
            self._generation += 1
            self._events = []
            self._report(
                server_status="starting",
                server_error="",
                server_url="",
                events=[],
                connections=[],
                traffic={},
            )
            self._thread = threading.Thread(
                target=self._start,
                args=(api, self._generation),
                name="wsnb-widget-serve",
                daemon=True,
            )
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _start(self, api: WebSocketApi, generation: int) -> None:
        try:
            handle = api.serve(**self._options)
        except Exception as exc:
            self._report(server_status="error", server_error=_state.error_text(exc))
            return
        with self._lock:
            if generation != self._generation:  # stopped while starting
                _quiet_stop(handle)
                return
            self._handle = handle
            subscribe = getattr(handle, "on_event", None)
            if callable(subscribe):
                self._unsubscribe = subscribe(lambda event, g=generation: self._on_event(event, g))
            self._report(
                server_status="running",
                server_url=str(handle.url),
                connections=self._connections(),
            )

    def _connections(self) -> list[dict[str, Any]]:
        try:
            return _state.connection_rows(getattr(self._handle, "connections", None))
        except Exception:
            return []

    def _traffic(self) -> dict[str, Any]:
        try:
            return _state.traffic_state(self._handle)
        except Exception:  # a broken picture never breaks the widget
            return {}

    def _on_event(self, event: Any, generation: int) -> None:
        # Called on the emulator's thread for every event: keep it quick, and send the log to
        # the browser at most every FLUSH_SECONDS however busy the server is.
        row = _state.event_row(event)
        with self._lock:
            if generation != self._generation or self._handle is None:
                return
            self._events.append(row)
            del self._events[: -_state.MAX_EVENTS]
            if self._flush_timer is None:
                self._flush_timer = threading.Timer(FLUSH_SECONDS, self._flush, args=(generation,))
                self._flush_timer.daemon = True
                self._flush_timer.start()

    def _flush(self, generation: int) -> None:
        with self._lock:
            self._flush_timer = None
            if generation != self._generation or self._handle is None:
                return
            self._report(
                events=list(self._events), connections=self._connections(), traffic=self._traffic()
            )

    def refresh(self) -> None:
        """Re-read the handle's connections and events (e.g. when it has no ``on_event``)."""
        with self._lock:
            if self._handle is None:
                return
            update: dict[str, Any] = {
                "connections": self._connections(),
                "traffic": self._traffic(),
            }
            subscribe = getattr(self._handle, "on_event", None)
            if not callable(subscribe):
                raw = list(getattr(self._handle, "events", None) or [])[-_state.MAX_EVENTS :]
                update["events"] = [_state.event_row(e) for e in raw]
            self._report(**update)

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
            handle, self._handle = self._handle, None
            unsubscribe, self._unsubscribe = self._unsubscribe, None
            timer, self._flush_timer = self._flush_timer, None
        if timer is not None:
            timer.cancel()
        if callable(unsubscribe):
            with contextlib.suppress(Exception):
                unsubscribe()
        if handle is not None:
            _quiet_stop(handle)
        self._report(server_status="stopped", server_url="", connections=[])


def _quiet_stop(handle: Any) -> None:
    with contextlib.suppress(Exception):
        handle.stop()

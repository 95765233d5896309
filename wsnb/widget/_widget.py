"""``ApiWidget``: the live notebook view of a :class:`WebSocketApi` (what ``api.show()`` returns)."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from . import _state
from ._jobs import LocalServer, SynthJob

if TYPE_CHECKING:
    from .._api import WebSocketApi

_STATIC = Path(__file__).with_name("static")
SECTIONS = ("routes", "diagram", "lint", "cloudformation", "local")


class ApiWidget(anywidget.AnyWidget):
    """Routes, diagram, lint, CloudFormation on demand and a local run, for one API.

    The widget follows the API: a route added in a later cell shows up here. Its mime bundle
    also carries the static HTML display and the text route table, so a notebook opened
    without the widget's JavaScript still shows the API.

    >>> w = api.show()
    >>> w.synthesize(wait=True)        # the same as clicking "Synthesize"
    >>> w.synth_status
    'done'
    """

    # Source text, not paths: anywidget ties every instance to a path's change signal
    # (hot reload) with a strong reference, so views shown from a path are never freed.
    _esm = (_STATIC / "api_widget.js").read_text(encoding="utf-8")
    _css = (_STATIC / "api_widget.css").read_text(encoding="utf-8")

    # --- the model (re-derived on every change)
    api_id = traitlets.Unicode("").tag(sync=True)
    digest = traitlets.Unicode("").tag(sync=True)
    overview = traitlets.Dict().tag(sync=True)
    routes: traitlets.List[Any] = traitlets.List().tag(sync=True)
    #: the columns the Routes tab draws after route and handler (those of the static HTML table)
    route_columns: traitlets.List[Any] = traitlets.List().tag(sync=True)
    routes_error = traitlets.Unicode("").tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    svg_error = traitlets.Unicode("").tag(sync=True)
    findings: traitlets.List[Any] = traitlets.List().tag(sync=True)
    lint_error = traitlets.Unicode("").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    # --- what the person looks at (set from either side)
    tab = traitlets.Enum(SECTIONS, default_value="routes").tag(sync=True)
    selected_route = traitlets.Unicode("").tag(sync=True)
    # --- CloudFormation
    synth_status = traitlets.Enum(("idle", "running", "done", "error"), default_value="idle").tag(
        sync=True
    )
    synth_error = traitlets.Unicode("").tag(sync=True)
    template_json = traitlets.Unicode("").tag(sync=True)
    template_digest = traitlets.Unicode("").tag(sync=True)
    template_filename = traitlets.Unicode("").tag(sync=True)
    template_data_uri = traitlets.Unicode("").tag(sync=True)
    resource_counts: traitlets.List[Any] = traitlets.List().tag(sync=True)
    synth_target = traitlets.Dict().tag(sync=True)
    synth_warnings: traitlets.List[Any] = traitlets.List().tag(sync=True)
    # --- local emulator
    server_status = traitlets.Enum(
        ("stopped", "starting", "running", "error"), default_value="stopped"
    ).tag(sync=True)
    server_url = traitlets.Unicode("").tag(sync=True)
    server_error = traitlets.Unicode("").tag(sync=True)
    connections: traitlets.List[Any] = traitlets.List().tag(sync=True)
    events: traitlets.List[Any] = traitlets.List().tag(sync=True)
    #: ``server.traffic()`` as data: participants, steps (arrows) and the per-route summary
    traffic = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        api: WebSocketApi,
        *,
        synth_options: dict[str, Any] | None = None,
        serve_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """``synth_options`` go to ``api.synth(...)`` (app, stage, region, account, context);
        ``serve_options`` to ``api.serve(...)`` (port, host, stage)."""
        from .._api import WebSocketApi

        if not isinstance(api, WebSocketApi):
            from .._errors import ValidationError

            raise ValidationError(
                "ApiWidget shows a WebSocketApi.",
                given=api,
                allowed="a wsnb.WebSocketApi",
                fix='api = WebSocketApi("Api").route("$connect", "src/connect.main"); api.show()',
            )
        self._lock = threading.RLock()
        self._refresh_after_cell = False
        super().__init__(**kwargs)
        self._api = api
        self._synth = SynthJob(self._report, synth_options)
        self._server = LocalServer(self._report, serve_options)
        self._refresh()
        api._subscribe(self._on_model_change)
        self.on_msg(self._on_front_end_msg)

    # ------------------------------------------------------------------ model

    @property
    def api(self) -> WebSocketApi:
        """The API this widget shows."""
        return self._api

    def _on_model_change(self, api: WebSocketApi) -> None:
        # Inside a running cell, refresh once when the cell ends: a cell that chains fifty
        # .route() calls then sends one update to the browser, not fifty.
        shell = _running_cell_shell()
        if shell is None:
            self._refresh()
        elif not self._refresh_after_cell:
            self._refresh_after_cell = True
            shell.events.register("post_run_cell", self._after_cell)

    def _after_cell(self, *_args: Any) -> None:
        shell = _running_cell_shell(any_thread=True)
        if shell is not None:
            with contextlib.suppress(ValueError):
                shell.events.unregister("post_run_cell", self._after_cell)
        self._refresh_after_cell = False
        self._refresh()

    def _refresh(self) -> None:
        """Re-derive every model section (also callable by hand)."""
        try:
            state = _state.model_state(self._api)
        except Exception as exc:  # a failing model shows its message, not a traceback
            state = {"error": _state.error_text(exc)}
        self._report(**state)
        if self.selected_route and self.selected_route not in {r["key"] for r in self.routes}:
            self._report(selected_route="")

    def _report(self, **traits: Any) -> None:
        """Set traits from any thread (jobs report from theirs)."""
        with self._lock, self.hold_sync():
            for name, value in traits.items():
                setattr(self, name, value)

    # ------------------------------------------------------------------ actions

    def synthesize(self, *, wait: bool = False, timeout: float | None = 300) -> ApiWidget:
        """Start ``api.synth()`` in a thread (the "Synthesize" button); ``wait=True`` blocks."""
        self._synth.start(self._api)
        if wait:
            self._synth.wait(timeout)
        return self

    def serve(self, *, wait: bool = False, timeout: float | None = 60) -> ApiWidget:
        """Start the local emulator (the "Start" button); ``wait=True`` blocks until it runs."""
        self._server.start(self._api)
        if wait:
            self._server.wait(timeout)
        return self

    def stop(self) -> ApiWidget:
        """Stop the emulator this widget started (the "Stop" button)."""
        self._server.stop()
        return self

    @property
    def server(self) -> Any:
        """The emulator handle while it runs (``.url``, ``.connections``, ``.events``), else ``None``."""
        return self._server.handle

    def _on_front_end_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action == "synth":
            self.synthesize()
        elif action == "serve":
            self.serve()
        elif action == "stop":
            self.stop()
        elif action == "refresh":
            self._server.refresh()

    def close(self) -> None:
        """Close the view and stop an emulator it started."""
        server = getattr(self, "_server", None)  # also called by __del__ of a half-built widget
        if server is not None:
            server.stop()
        super().close()

    # ------------------------------------------------------------------ display

    def __repr__(self) -> str:
        return self._text()

    def _text(self) -> str:
        try:
            from ..display import text_table

            return text_table(self._api.spec, self._api.lint())
        except Exception as exc:
            return f"WebSocketApi({self._api.id!r}) cannot be shown: {_state.error_text(exc)}"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        data = dict(data or {})
        data["text/plain"] = self._text()
        try:
            from ..display import to_html

            data["text/html"] = to_html(self._api.spec, self._api.lint())
        except Exception:  # the widget view still shows; the fallback is optional
            pass
        return data, metadata


def _running_cell_shell(*, any_thread: bool = False) -> Any:
    """The IPython shell if we are inside a cell that is executing now (main thread, current
    request an ``execute_request``), else ``None`` (scripts, widget callbacks, other threads)."""
    if not any_thread and threading.current_thread() is not threading.main_thread():
        return None
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return None
    if any_thread:
        return shell
    try:
        parent = kernel.get_parent("shell") or {}
    except Exception:
        return None
    return shell if parent.get("header", {}).get("msg_type") == "execute_request" else None

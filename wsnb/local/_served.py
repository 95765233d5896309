"""What the emulator serves: :class:`ServedApi`, any object with an ``id`` and a model.

``wsnb.WebSocketApi`` is one (so is an API read from a template). The emulator reads
``api.spec`` at every event, so routes added after ``serve()`` are served without a restart;
it never needs the facade class itself.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from .._errors import EmulatorError
from ..model import ApiSpec


@runtime_checkable
class ServedApi(Protocol):
    """An API the emulator can serve: ``id`` (its name) and ``spec`` (the model, read at every
    event)."""

    @property
    def id(self) -> str: ...

    @property
    def spec(self) -> ApiSpec: ...


def check_served(api: Any) -> ServedApi:
    """``api`` when it is a :class:`ServedApi` whose ``spec`` is an ``ApiSpec``; else a clear
    ``EmulatorError``."""
    try:
        spec, name = getattr(api, "spec", None), getattr(api, "id", None)
    except Exception:  # a property that raises: not an API
        spec = name = None
    if not isinstance(spec, ApiSpec) or not isinstance(name, str):
        raise EmulatorError(
            "serve() needs a WebSocketApi.",
            given=api,
            allowed="a wsnb.WebSocketApi, or an object with .id (str) and .spec (wsnb.model.ApiSpec)",
            fix='wsnb.local.serve(WebSocketApi("Api").route(...))',
        )
    return api

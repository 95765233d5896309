"""wsnb: design, see, run and ship AWS API Gateway WebSocket APIs from a Jupyter notebook.

>>> from wsnb import WebSocketApi
>>> api = WebSocketApi("Api").route("$connect", "src/connect.main")
"""

from ._api import WebSocketApi
from ._errors import (
    AccessLogError,
    ArgumentError,
    AuthorizerError,
    CdkPropsError,
    DefaultsConflictError,
    DomainError,
    DuplicateRouteError,
    EmulatorError,
    ExportError,
    HandlerError,
    HandlerFileWarning,
    IntegrationError,
    MissingDependencyError,
    PermissionsError,
    PropError,
    ResourceError,
    RouteKeyError,
    SynthError,
    TemplateError,
    ValidationError,
    WsnbError,
)
from ._jsii_env import prepare_node_env as _prepare_node_env
from .model import (
    AwsIntegration,
    Bucket,
    Function,
    HttpIntegration,
    IntegrationResponse,
    LambdaAuthorizer,
    LambdaIntegration,
    MockIntegration,
    Parameter,
    Secret,
    Table,
)

__version__ = "0.1.0"

__all__ = [
    "AccessLogError",
    "ArgumentError",
    "AuthorizerError",
    "AwsIntegration",
    "Bucket",
    "CdkPropsError",
    "DefaultsConflictError",
    "DomainError",
    "DuplicateRouteError",
    "EmulatorError",
    "ExportError",
    "Function",
    "HandlerError",
    "HandlerFileWarning",
    "HttpIntegration",
    "IntegrationError",
    "IntegrationResponse",
    "LambdaAuthorizer",
    "LambdaIntegration",
    "MissingDependencyError",
    "MockIntegration",
    "Parameter",
    "PermissionsError",
    "PropError",
    "ResourceError",
    "RouteKeyError",
    "Secret",
    "SynthError",
    "Table",
    "TemplateError",
    "ValidationError",
    "WebSocketApi",
    "WsnbError",
]

for _name in __all__:
    globals()[_name].__module__ = "wsnb"
del _name


def __getattr__(name: str):
    """``wsnb.WebSocketAPI`` / ``from wsnb import WebSocketAPI``: an error naming ``WebSocketApi``."""
    import os
    import sys

    from ._errors import unknown_name

    here = os.path.dirname(__file__)
    if (
        name.startswith("__")
        or os.path.exists(os.path.join(here, name))
        or os.path.exists(os.path.join(here, f"{name}.py"))
    ):
        raise AttributeError(
            f"module 'wsnb' has no attribute {name!r}", name=name, obj=sys.modules[__name__]
        )
    raise unknown_name("wsnb", name, __all__, importing=_importing_from(sys._getframe(1)))


def _importing_from(frame) -> bool:
    """Whether ``frame`` is running ``from wsnb import NAME`` (Python turns an AttributeError
    there into a plain ImportError that loses the suggestion, so the error is an ImportError)."""
    import dis

    try:
        return frame.f_code.co_code[frame.f_lasti] == dis.opmap["IMPORT_FROM"]
    except (AttributeError, IndexError, KeyError):
        return False


_prepare_node_env()

"""wsnb: design, see, run and ship AWS API Gateway WebSocket APIs from a Jupyter notebook.

>>> from wsnb import WebSocketApi
>>> api = WebSocketApi("Api").route("$connect", "src/connect.main")
"""

from ._api import WebSocketApi
from ._errors import (
    AccessLogError,
    AuthorizerError,
    CdkPropsError,
    DefaultsConflictError,
    DomainError,
    DuplicateRouteError,
    EmulatorError,
    ExportError,
    HandlerError,
    HandlerFileWarning,
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
from .model import Bucket, Function, LambdaAuthorizer, Parameter, Secret, Table

__version__ = "0.1.0"

__all__ = [
    "AccessLogError",
    "AuthorizerError",
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
    "LambdaAuthorizer",
    "MissingDependencyError",
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

_prepare_node_env()

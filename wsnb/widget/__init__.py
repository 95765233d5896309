"""The live notebook widget: ``api.show()`` returns an :class:`ApiWidget`.

Needs the ``notebook`` extra (anywidget, ipywidgets); ``import wsnb`` never imports this package.
"""

from .._errors import require

require("anywidget", extra="notebook", purpose="The live widget (api.show())")

from ._widget import ApiWidget  # noqa: E402

__all__ = ["ApiWidget"]

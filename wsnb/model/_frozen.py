"""wsnb's one freezing style: values refuse attribute assignment, containers are read-only.

- Value objects (specs, ``Function``, ``LambdaAuthorizer``, resources) raise
  :class:`dataclasses.FrozenInstanceError` (an ``AttributeError``) on assignment: the specs are
  ``@dataclass(frozen=True)``; the classes with their own constructor derive from :class:`Frozen`.
- Nested data goes through :func:`freeze`: dicts become :class:`FrozenDict`, lists
  :class:`FrozenList` (tuples stay tuples, their items frozen). Both are read-only, hashable
  subclasses of ``dict``/``list``, so
  they compare equal to plain dicts and lists, ``json.dumps`` them as usual, and print (``repr``)
  as plain literals (what export writes into ``app.py``).

``to_dict()``/``to_json()`` still return plain dicts and lists (:func:`thaw`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import FrozenInstanceError
from typing import Any, NoReturn


def _read_only(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(f"{type(self).__name__} is read-only; build a new value instead")


class FrozenDict(dict):
    """A read-only, hashable ``dict`` (its values frozen too when built by :func:`freeze`)."""

    __slots__ = ("_hash",)
    _hash: int
    __setitem__ = __delitem__ = __ior__ = __setattr__ = __delattr__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __hash__(self) -> int:  # type: ignore[override]
        try:
            return self._hash
        except AttributeError:
            object.__setattr__(self, "_hash", hash(frozenset(self.items())))
            return self._hash

    def __reduce__(self):
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict) -> FrozenDict:
        return self


class FrozenList(list):
    """A read-only, hashable ``list``."""

    __slots__ = ("_hash",)
    _hash: int
    __setitem__ = __delitem__ = __iadd__ = __imul__ = __setattr__ = __delattr__ = _read_only
    append = extend = insert = pop = remove = clear = sort = reverse = _read_only

    def __hash__(self) -> int:  # type: ignore[override]
        try:
            return self._hash
        except AttributeError:
            object.__setattr__(self, "_hash", hash(tuple(self)))
            return self._hash

    def __reduce__(self):
        return (FrozenList, (list(self),))

    def __copy__(self) -> FrozenList:
        return self

    def __deepcopy__(self, memo: dict) -> FrozenList:
        return self


def freeze(value: Any) -> Any:
    """A deeply read-only copy of plain data (dicts, lists, tuples); other values as they are."""
    if isinstance(value, FrozenDict | FrozenList):
        return value
    if isinstance(value, Mapping):
        return FrozenDict((k, freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return FrozenList(freeze(v) for v in value)
    if type(value) is tuple:
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """Plain dicts and lists again (for JSON output and for callers who want to edit a copy)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list) or type(value) is tuple:
        return [thaw(v) for v in value]
    return value


def freeze_fields(obj: Any, *names: str) -> None:
    """In a frozen dataclass's ``__post_init__``: make these fields deeply read-only."""
    for name in names:
        object.__setattr__(obj, name, freeze(getattr(obj, name)))


class Frozen:
    """Base of value classes with their own constructor: set fields with ``_init_field``."""

    __slots__ = ()

    def _init_field(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def __setstate__(self, state: Any) -> None:  # pickle and copy restore fields through here
        for part in state if isinstance(state, tuple) else (state,):
            for name, value in (part or {}).items():
                object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(
            f"cannot assign to field {name!r}: {type(self).__name__} is immutable"
        )

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(
            f"cannot delete field {name!r}: {type(self).__name__} is immutable"
        )

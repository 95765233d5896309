"""``ReadContext``: what every read function is given — the :class:`~._template.Template`, the
:class:`~._report.TemplateReport`, the API being read — and what the read has found so far
(functions, tables/buckets/parameters, code folders, the resources it used)."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..model import Resource
from ._intrinsics import markers
from ._kinds import FunctionInfo
from ._report import TemplateReport
from ._template import Template

T = TypeVar("T")


@dataclass
class ReadContext:
    """The explicit state of one read of one API out of one template."""

    template: Template
    report: TemplateReport
    api: str  # the logical id of the AWS::ApiGatewayV2::Api being read
    #: logical ids the API uses (the rest is reported as ignored at the end)
    used: set[str] = field(default_factory=set)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)  # by logical id
    #: the wsnb Table/Bucket/Parameter of each template resource read, and by physical name
    wsnb_resources: dict[str, Resource] = field(default_factory=dict)
    by_physical_name: dict[str, Resource] = field(default_factory=dict)
    #: function -> (folder holding its code, its inline source)
    code: dict[str, tuple[Path | None, str | None]] = field(default_factory=dict)
    #: function -> the actions of wsnb's own function role its template role grants too
    role_seen_by: dict[str, set[str]] = field(default_factory=dict)
    #: the resource being read, innermost last (see :func:`reads`)
    reading: list[str] = field(default_factory=list)
    temp: Path | None = None  # the private folder for unzipped and inline code, once made

    @classmethod
    def start(cls, template: Template, api: str) -> ReadContext:
        """The context of reading the API ``api`` (a logical id) of ``template``."""
        return cls(template, TemplateReport(template.origin, api), api, used={api})

    @property
    def region(self) -> str:
        return self.template.pseudo["AWS::Region"]

    @property
    def account(self) -> str:
        return self.template.pseudo["AWS::AccountId"]

    @property
    def url_suffix(self) -> str:
        return self.template.pseudo["AWS::URLSuffix"]

    def refers_to_api(self, value: Any) -> bool:
        """Whether an evaluated value (an ``ApiId``) refers to the API being read."""
        return any(lid == self.api for lid, _ in markers(value))

    def tempdir(self) -> Path:
        """The read's private folder (made on first use, removed when the process ends)."""
        if self.temp is None:
            self.temp = Path(tempfile.mkdtemp(prefix="wsnb-template-"))
            atexit.register(shutil.rmtree, self.temp, True)  # private: gone with the process
            os.chmod(self.temp, 0o700)
        return self.temp


def reads(read: Callable[..., T]) -> Callable[..., T]:
    """A read function ``read(context, logical_id, ...)``: the logical id is on
    ``context.reading`` while it runs (and stays there if it fails), so an unexpected failure
    can still name the resource being read (see ``from_template``)."""

    @functools.wraps(read)
    def wrapper(context: ReadContext, logical: str, *args: Any, **kwargs: Any) -> T:
        context.reading.append(logical)
        result = read(context, logical, *args, **kwargs)
        context.reading.pop()
        return result

    return wrapper

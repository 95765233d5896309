"""``python -m wsnb.node fetch [--sdk NAME ...]``: fetch esbuild and the AWS SDK for JavaScript
into wsnb's cache (so Node handlers run offline later); ``python -m wsnb.node info``: show
what is cached and where."""

from __future__ import annotations

import argparse
import sys

from . import _cache
from ._errors import NodeError
from ._toolchain import node_binary, node_version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wsnb.node", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("fetch", help="fetch esbuild and the AWS SDK into the cache")
    fetch.add_argument(
        "--sdk",
        action="append",
        default=[],
        metavar="NAME",
        help="an extra @aws-sdk package (e.g. client-sqs); repeatable",
    )
    commands.add_parser("info", help="show the Node.js, the cache folder and what it holds")
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            tools = _cache.ensure(args.sdk)
            print(f"esbuild {tools.esbuild_version}: {tools.esbuild}")
            print(f"AWS SDK for JavaScript {tools.sdk_version}: {tools.sdk}")
            return 0
        binary = node_binary()
        print(f"node {'.'.join(map(str, node_version(binary)))}: {binary}")
        print(f"cache: {_cache.cache_root()}")
        found = _cache.find()
        print(f"esbuild {_cache.ESBUILD_VERSION}: {found.esbuild if found else 'not fetched'}")
        print(f"AWS SDK {_cache.SDK_VERSION}: {found.sdk if found else 'not fetched'}")
        return 0
    except NodeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

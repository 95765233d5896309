"""Node.js functions in an exported app: their sources beside the bundles, and the README's
pinned command that rebuilds each bundle byte for byte.

SPEC §3 holds for Node.js handlers too: the app ships wsnb's esbuild bundles as ready assets
(``wsnb_functions/<name>/index.mjs``), so ``cdk synth`` needs aws-cdk-lib and constructs only —
no esbuild, npm or Docker. The sources esbuild read (and the ``package.json``/``tsconfig.json``
beside them) are copied at the same paths they have in the API's root, outside every asset
folder; running the README's command in the app folder then gives the same bytes (esbuild's
output holds paths relative to where it runs), hence the same asset hash.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from .._errors import ExportError
from ..node import ESBUILD_VERSION, Bundle, command_args, target_for
from ..plan import AssetLayout

__all__ = ["node_readme", "node_sources", "rebuild_commands"]


def node_sources(assets: AssetLayout, base: Path) -> dict[str, bytes]:
    """The Node.js sources to copy into the app (posix path relative to the root → bytes)."""
    out: dict[str, bytes] = {}
    for asset in assets.node:
        for rel in asset.sources:
            if rel in out:
                continue
            path = base.joinpath(*rel.split("/"))
            real = path.resolve()
            if real != base and base not in real.parents:
                raise ExportError(
                    f"The Node.js source {rel!r} resolves to {real}, outside {base}.",
                    given=rel,
                    fix="copy the file into the project instead of linking to it",
                )
            out[rel] = path.read_bytes()
    return out


def rebuild_commands(assets: AssetLayout) -> list[str]:
    """One shell command per bundle, run in the app folder: ``npx esbuild@<pinned> ...``."""
    lines = []
    for asset in assets.node:
        made = asset.bundle
        assert isinstance(made, Bundle)
        args = command_args(made, asset.path, target=target_for(asset.runtime))
        lines.append(shlex.join(["npx", f"esbuild@{ESBUILD_VERSION}", *args]))
    return lines


def node_readme(assets: AssetLayout) -> str:
    """The README section on Node.js bundles ("" for an API without Node.js functions)."""
    if not assets.node:
        return ""
    packages = any("node_modules" in rel.split("/") for a in assets.node for rel in a.bundle.inputs)
    install = (
        "The bundles hold packages from `node_modules`: run `npm install` here first (the\n"
        "`package.json` files are copied), so esbuild finds the same versions.\n\n"
        if packages
        else ""
    )
    table = "".join(
        f"- `{a.path}` ← `{a.entry}` ({a.runtime}, "
        f"{'ES module' if a.filename.endswith('.mjs') else 'CommonJS'})\n"
        for a in assets.node
    )
    return (
        "\n## Node.js handlers: bundles, sources, and the rebuild command\n\n"
        f"Each Node.js function ships a bundle that wsnb made with esbuild {ESBUILD_VERSION}, as\n"
        "SST and aws-cdk-lib's `NodejsFunction` bundle (`@aws-sdk/*` left out: the Lambda\n"
        "runtime provides the AWS SDK for JavaScript v3). So `cdk synth` needs no esbuild, npm\n"
        "or Docker. The sources are here too, at their paths in the project, outside every\n"
        "asset folder:\n\n"
        f"{table}\n"
        "After changing a source, rebuild its bundle from this folder with the pinned esbuild\n"
        "(an unchanged source gives the same bytes, so the same asset hash):\n\n"
        f"{install}"
        "```sh\n" + "\n".join(rebuild_commands(assets)) + "\n```\n"
    )

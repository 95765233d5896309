"""Live widget cost: what keeping `api.show()` on screen adds to building and changing an API.

Run: python benchmarks/bench_widget.py
Baselines measured in the same run: the same work with no widget shown, and the static
display (`api._repr_mimebundle_()`), so the ratios show the widget's own overhead.
No kernel: widget traits are computed and set as in a notebook, the comm is a no-op.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(fn: Callable[[], object], n: int = 7) -> float:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "src").mkdir()
        Path(tmp, "src/h.py").write_text("def main(event, context):\n    return None\n")
        os.chdir(tmp)
        sys.path.insert(0, str(ROOT))
        import wsnb
        from wsnb.widget import ApiWidget

        def big(n_routes: int, name: str = "Big") -> wsnb.WebSocketApi:
            api = wsnb.WebSocketApi(name).defaults(timeout=20)
            return api.add_routes({f"action{i}": "src/h.main" for i in range(n_routes)})

        counter = iter(range(10**6))

        # 1. showing a 200-route API: widget vs the static display
        static = median_seconds(lambda: big(200, f"S{next(counter)}")._repr_mimebundle_())
        widget = median_seconds(lambda: ApiWidget(big(200, f"W{next(counter)}")).close())
        print(f"static display of a 200-route API (build + HTML/SVG)   {static * 1000:8.2f} ms")
        print(
            f"live widget of the same API (build + all sections)     {widget * 1000:8.2f} ms"
            f"  ratio {widget / static:.1f}x"
        )

        # 2. one more route in a later cell while the widget is on screen
        plain, shown = big(200, "Plain"), big(200, "Shown")
        view = ApiWidget(shown)
        keys = iter(range(10**6))
        add_plain = median_seconds(lambda: plain.route(f"extra{next(keys)}", "src/h.main"))
        add_shown = median_seconds(lambda: shown.route(f"extra{next(keys)}", "src/h.main"))
        print(f"add a route to a 200-route API, no view                {add_plain * 1000:8.2f} ms")
        print(
            f"add a route while a widget shows it (view refresh)     {add_shown * 1000:8.2f} ms"
            f"  ratio {add_shown / add_plain:.1f}x"
        )
        view.close()

        # 3. a cell that chains 50 .route() calls under a shown widget (one refresh per call)
        def chain(with_view: bool) -> None:
            api = wsnb.WebSocketApi(f"C{next(counter)}").defaults(timeout=20)
            w = ApiWidget(api) if with_view else None
            for i in range(50):
                api.route(f"action{i}", "src/h.main", memory_size=256)
            if w is not None:
                w.close()

        chain_plain = median_seconds(lambda: chain(False), 5)
        chain_shown = median_seconds(lambda: chain(True), 5)
        print(
            f"chain 50 .route() calls, no view                       {chain_plain * 1000:8.2f} ms"
        )
        print(
            f"chain 50 .route() calls under a shown widget           {chain_shown * 1000:8.2f} ms"
            f"  ratio {chain_shown / chain_plain:.1f}x"
        )


if __name__ == "__main__":
    main()

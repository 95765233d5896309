"""Timings shared by every route of the benchmark API (a plain module: one copy per process)."""

times: list[float] = []

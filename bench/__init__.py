"""Benchmarks, run by hand against the real dev stack (`python -m bench.<name> --help`); not part
of `make test`.

`bench.fanout` is the fan-out benchmark; `bench.stack` gives a benchmark its database and dev
stack, `bench.measure` bounded concurrency and a settled task queue, `bench.baseline` the bare
workflows to compare with. Benchmarks may import `harness` and the app's own parts (`rapport`,
its settings); never `tests` (`make lint` checks it), and nothing imports them.
"""

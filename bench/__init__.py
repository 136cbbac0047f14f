"""Benchmarks, run by hand against the real dev stack (`python -m bench.<name> --help`); not part
of `make test` as measurements (tests/test_bench_smoke.py runs the newer ones at a tiny size so
that they cannot rot, without timing anything).

`bench.fanout`, `bench.enrolment`, `bench.api_reads`, `bench.wake_storm`, `bench.idle` and
`bench.simulation` each print Rapport's figure beside the raw engine's for the same work on the
same server in the same run, and the ratio; `bench.kill_sends` counts what a killed worker
loses or doubles. `bench.stack` gives a benchmark its database and dev stack, `bench.measure`
bounded concurrency, a settled task queue and the results file (bench/results/), and
`bench.baseline` and `bench.bare` the bare workflows to compare with. Benchmarks may import
`harness` and the app's own parts (`rapport`, its settings); never `tests` (`make lint` checks
it), and nothing imports them.
"""

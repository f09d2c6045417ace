"""Benchmark: generate and write the full default Zibo scenario.

Reports wall time per phase, records per second and peak memory (max RSS of
this process).  Target (issue 2): at most 60 s and 4 GB on 2 cores.

    python benchmarks/bench_synth.py [--scale 1.0] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time

from hotline_analysis.synth import ScenarioConfig, generate, write_export


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--out", default=None, help="output folder (default: a temporary one)")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="bench_synth_")
    t0 = time.perf_counter()
    sc = generate(ScenarioConfig(scale=args.scale))
    t1 = time.perf_counter()
    truth = write_export(sc, out, progress=False)
    t2 = time.perf_counter()
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    n = truth["counts"]["records"]
    result = {
        "records": n,
        "generate_s": round(t1 - t0, 1),
        "write_s": round(t2 - t1, 1),
        "total_s": round(t2 - t0, 1),
        "records_per_s": round(n / (t2 - t0)),
        "peak_rss_gb": round(peak_gb, 2),
        "out": out,
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

"""Time the ETS market model's solve (2013 until the allowances run out, past 2040), as ratios
against the MSR-off solve.

Run: ``.venv/bin/python benchmarks/ets_market.py [--repeats N]``. Every variant is solved
``N`` times in this process (after one warm-up each), interleaved round by round so that
machine noise hits all variants alike; the median wall time of each is reported with its
ratio to the baseline, the rolling-foresight solve with the MSR off (rolling foresight
re-solves the path at each of the four rule changes; perfect foresight solves it once). The
last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from deploybook.ets.descriptive import stationary_emissions
from deploybook.ets.loaders import load
from deploybook.ets.market import calibration, regimes, scenarios

BASELINE = "msr_off"
VARIANTS = {
    BASELINE: scenarios.Scenario("MSR off", msr=False),
    "default": scenarios.Scenario("default scenario"),
    "perfect_foresight": scenarios.Scenario("perfect foresight", foresight="perfect"),
    "perfect_foresight_msr_off": scenarios.Scenario(
        "perfect foresight, MSR off", foresight="perfect", msr=False
    ),
    "faster_renewables": scenarios.Scenario("faster renewables", speedup=0.02),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed solves per variant")
    args = parser.parse_args()

    data = calibration.ModelData.from_frames(
        load("ets_cap_stationary_2013_2023.csv"),
        stationary_emissions(load("ets_verified_emissions_by_sector_eea.csv")),
        load("eua_price_annual_ice_c1.csv"),
        load("ets_tnac_msr_commission.csv"),
    )
    cal, _ = calibration.fit(data, regimes.default_regimes()[3])
    settings = scenarios.Settings()

    def solve(scenario: scenarios.Scenario) -> float:
        started = time.perf_counter()
        path = scenarios.run_scenario(cal, data.cap, settings, scenario)
        elapsed = time.perf_counter() - started
        if path["year"].max() < 2040:
            raise RuntimeError(f"{scenario.label}: the path stops in {path['year'].max()}")
        return elapsed

    for scenario in VARIANTS.values():  # warm-up: imports, caches
        solve(scenario)
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.repeats):
        for name, scenario in VARIANTS.items():
            times[name].append(solve(scenario))

    medians = {name: statistics.median(values) for name, values in times.items()}
    ratios = {name: medians[name] / medians[BASELINE] for name in VARIANTS}
    print(f"ETS market model, solve 2013 to the horizon's end, median of {args.repeats} runs")
    print(f"{'variant':28s} {'median ms':>10s} {'vs MSR off':>11s}")
    for name in VARIANTS:
        print(f"{name:28s} {medians[name] * 1e3:10.2f} {ratios[name]:10.2f}x")
    print(
        json.dumps(
            {
                "benchmark": "ets_market",
                "repeats": args.repeats,
                "baseline": BASELINE,
                "median_seconds": {k: round(v, 5) for k, v in medians.items()},
                "ratio_vs_baseline": {k: round(v, 3) for k, v in ratios.items()},
                "all_under_one_second": max(medians.values()) < 1.0,
            }
        )
    )


if __name__ == "__main__":
    main()

"""Writes scripts/bench/quality/fixtures/real-series.json, the real-data part of bench:quality.

Provenance. Every series comes from a data file that ships INSIDE a PyPI wheel (read through the
package's own loader, nothing is downloaded at run time), so the fixture can be regenerated
anywhere with `pip install statsmodels river` and checked against the packages:

  statsmodels.datasets (BSD-3-Clause package; each dataset's COPYRIGHT says "public domain")
    co2        Mauna Loa weekly atmospheric CO2, 1958-2001 (Scripps / CDIAC), ppm.
               The file has 59 missing weeks; they are filled by linear interpolation in time,
               the only change made to any series (a stream has no gaps in this benchmark).
    elnino     Nino 1+2 monthly sea surface temperature, 1950-2010 (NOAA ERSST.V3B), deg C.
    sunspots   Yearly sunspot number, 1700-2008 (NOAA NGDC). No fixed period (cycles of 9-14 years).
    elec_equip Euro-area electrical equipment orders, monthly, 1996-2016 (Eurostat), index.
  river.datasets (BSD-3-Clause package)
    WaterFlow      Hourly water flow through a pipeline branch, Mar-May 2022, l/s; donated to
                   River by Tecnojest s.r.l. Contains four anomalous segments (maintenance).
    TrumpApproval  FiveThirtyEight's daily approval estimate, 2017-2020, percent (the target of
                   river's TrumpApproval; source data published by FiveThirtyEight, CC BY 4.0).

The fixture is replayed one observation per event, one second apart in stream time, whatever the
real sampling: only the order and the shape matter to an online forecaster.

Usage: python3 scripts/bench/quality/export_real_series.py [output.json]
"""

from __future__ import annotations

import json
import os
import sys
from importlib import metadata


def _version(package: str) -> str:
    return metadata.version(package)


def _statsmodels_series() -> list[dict]:
    import numpy as np
    from statsmodels.datasets import co2, elec_equip, elnino, sunspots

    out = []
    sm = {"package": "statsmodels", "version": _version("statsmodels")}

    frame = co2.load_pandas().data  # weekly, DatetimeIndex, NaN for missing weeks
    missing = int(frame["co2"].isna().sum())
    values = frame["co2"].interpolate(method="time").bfill().to_numpy()
    out.append(
        {
            "id": "co2-mauna-loa-weekly",
            "name": "Mauna Loa weekly atmospheric CO2 (ppm), 1958-2001",
            "source": {**sm, "dataset": "statsmodels.datasets.co2"},
            "licence": co2.COPYRIGHT.strip(),
            "sampling": "weekly",
            "period": 52,
            "note": f"{missing} missing weeks filled by linear interpolation in time",
            "values": values,
        }
    )

    frame = elnino.load_pandas().data  # one row per year, columns JAN..DEC
    months = [c for c in frame.columns if c != "YEAR"]
    out.append(
        {
            "id": "elnino-sst-monthly",
            "name": "Nino 1+2 sea surface temperature (deg C), monthly 1950-2010",
            "source": {**sm, "dataset": "statsmodels.datasets.elnino"},
            "licence": elnino.COPYRIGHT.strip(),
            "sampling": "monthly",
            "period": 12,
            "values": frame[months].to_numpy().reshape(-1),
        }
    )

    frame = sunspots.load_pandas().data
    out.append(
        {
            "id": "sunspots-yearly",
            "name": "Yearly sunspot number, 1700-2008",
            "source": {**sm, "dataset": "statsmodels.datasets.sunspots"},
            "licence": sunspots.COPYRIGHT.strip(),
            "sampling": "yearly",
            "period": None,
            "note": "solar cycles last 9-14 years, so no fixed seasonal period is given",
            "values": frame["SUNACTIVITY"].to_numpy(),
        }
    )

    frame = elec_equip.load_pandas().data
    out.append(
        {
            "id": "elec-equip-orders-monthly",
            "name": "Euro-area electrical equipment orders (index), monthly",
            "source": {**sm, "dataset": "statsmodels.datasets.elec_equip"},
            "licence": elec_equip.COPYRIGHT.strip(),
            "sampling": "monthly",
            "period": 12,
            "values": frame.iloc[:, 0].to_numpy(),
        }
    )
    for s in out:
        s["values"] = [round(float(v), 6) for v in np.asarray(s["values"], dtype=float)]
    return out


def _river_series() -> list[dict]:
    from river import datasets

    rv = {"package": "river", "version": _version("river")}
    licence = "distributed in the river package (BSD-3-Clause)"
    return [
        {
            "id": "water-flow-hourly",
            "name": "Water flow through a pipeline branch (l/s), hourly, Mar-May 2022",
            "source": {**rv, "dataset": "river.datasets.WaterFlow"},
            "licence": licence + "; data donated by Tecnojest s.r.l.",
            "sampling": "hourly",
            "period": 24,
            "note": "contains four anomalous segments (river's description); they are not labelled here",
            "values": [round(float(y), 6) for _, y in datasets.WaterFlow()],
        },
        {
            "id": "trump-approval-daily",
            "name": "FiveThirtyEight daily presidential approval estimate (%), 2017-2020",
            "source": {**rv, "dataset": "river.datasets.TrumpApproval"},
            "licence": licence + "; source data by FiveThirtyEight (CC BY 4.0)",
            "sampling": "daily",
            "period": None,
            "values": [round(float(y), 6) for _, y in datasets.TrumpApproval()],
        },
    ]


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "fixtures", "real-series.json")
    series = _statsmodels_series() + _river_series()
    fixture = {
        "generatedBy": "scripts/bench/quality/export_real_series.py",
        "python": sys.version.split()[0],
        "series": series,
    }
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w", encoding="utf-8") as f:
        # One series per line keeps diffs readable and the file small.
        f.write("{\n")
        f.write(f' "generatedBy": {json.dumps(fixture["generatedBy"])},\n')
        f.write(f' "python": {json.dumps(fixture["python"])},\n')
        f.write(' "series": [\n')
        f.write(",\n".join("  " + json.dumps(s, separators=(",", ":")) for s in series))
        f.write("\n ]\n}\n")
    sizes = ", ".join(f"{s['id']}={len(s['values'])}" for s in series)
    print(f"wrote {target} ({os.path.getsize(target)} bytes): {sizes}")


if __name__ == "__main__":
    main()

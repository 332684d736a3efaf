"""River peer of bench:quality (issue 9): an online learner from River, one point at a time.

Input (argv[1]): {"intervalSeconds": s, "series": [{"id": ..., "values": [...], "period": P|null}]}
Output: one JSON line {"forecasts": [[f_0, f_1, ...], ...]} on stdout, or in argv[2] when given.
f_k is the forecast of values[k], made before values[k] is seen (predict, then learn); null where
the peer has no forecast yet (event 0). When river is not importable the output is
{"forecasts": null, "error": "river not installed"} and the exit code is still 0, so the
benchmark can report peerMae: null instead of failing.

The peer (env RIVER_PEER_MODEL, default "diff"), one fresh model per series:

  diff      Linear regression on changes: the target is y_t - y_{t-1}; the features are the last
            LAGS changes, the gap between a slow moving average and y_{t-1} (mean reversion) and,
            when the series has a period P, the seasonal-naive gap y_{t-P} - y_{t-1} and the
            change one period ago. Features go through preprocessing.StandardScaler, the target
            through preprocessing.TargetStandardScaler, the model is linear_model.LinearRegression
            (SGD). Forecast = y_{t-1} + predicted change.
  lags      The textbook River recipe: the same pipeline on the raw last LAGS values (+ y_{t-P}).
  snarimax  time_series.SNARIMAX(p=LAGS, d=1, q=1, m=P, sp=1) with the same scaled regressor,
            forecast(horizon=1) before each learn_one.

Why "diff" is the default: it was the strongest on both workloads, so beating it means something.
Mean over series of MAE / last-value MAE (scoring.ts), measured with river 0.26.1:
  diff      synthetic small 0.944, real fixture 0.785 (synthetic full: 0.857)
  snarimax  synthetic small 0.952, real fixture 0.822
  lags      synthetic small 1.258, real fixture 1.313
Zero weights make "diff" exactly last-value, so it is never far worse than the naive baseline while
it learns, and differencing plus per-series scalers make it indifferent to a series' magnitude
(1e-2 or 1e6). "lags" has to learn the identity map on raw levels through SGD and trails
last-value on walks and drifting series. Holt-Winters was left out: river's HoltWinters needs a
full season to initialise and is not defined for series without a period.
"""

from __future__ import annotations

import json
import math
import os
import sys

LAGS = int(os.environ.get("RIVER_PEER_LAGS", "6"))
LEVEL_ALPHA = float(os.environ.get("RIVER_PEER_LEVEL_ALPHA", "0.05"))


def _emit(payload: dict, target: str | None) -> None:
    text = json.dumps(payload, separators=(",", ":"))
    if target:
        with open(target, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


def _regressor():
    from river import linear_model, optim, preprocessing

    # River's default SGD(0.01) without gradient clipping diverged on 1 of 12 synthetic series and
    # on the real water-flow series (340x last-value): one injected spike or maintenance drop is
    # a huge scaled error. lr 0.005 with |gradient| <= 1 was the best of SGD/Adam/
    # BayesianLinearRegression (with and without forgetting) on both workloads.
    return preprocessing.TargetStandardScaler(
        regressor=preprocessing.StandardScaler()
        | linear_model.LinearRegression(optimizer=optim.SGD(0.005), clip_gradient=1.0)
    )


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _change(values: list[float], t: int) -> float:
    """values[t] - values[t-1], or 0 before the series has that change.

    Missing lags are 0 (no change) rather than absent: River's StandardScaler has no variance
    floor, so a feature that first appears with two near-equal values gets a variance of ~1e-11
    and a scaled value of ~1e8, which wrecks the SGD weights for good (seen on a counter series).
    """
    return values[t] - values[t - 1] if t >= 1 else 0.0


def forecast_diff(values: list[float], period: int | None) -> list[float | None]:
    model = _regressor()
    out: list[float | None] = [None]
    mean = values[0]
    for t in range(1, len(values)):
        last = values[t - 1]
        x = {f"d{i}": _change(values, t - i) for i in range(1, LAGS + 1)}
        # Gap to a slow moving average: lets the linear model express mean reversion
        # (sensor-like series), which changes alone cannot.
        mean += LEVEL_ALPHA * (last - mean)
        if LEVEL_ALPHA > 0:
            x["level_gap"] = mean - last
        if period:
            x["season_gap"] = values[t - period] - last if t >= period else 0.0
            x["season_change"] = _change(values, t - period)
        out.append(_finite(last + model.predict_one(x)))
        model.learn_one(x, values[t] - last)
    return out


def forecast_lags(values: list[float], period: int | None) -> list[float | None]:
    model = _regressor()
    out: list[float | None] = [None]
    for t in range(1, len(values)):
        # Missing lags repeat the first value (see _change for why features are never absent).
        x = {f"y{i}": values[max(t - i, 0)] for i in range(1, LAGS + 1)}
        if period:
            x["season"] = values[max(t - period, 0)]
        out.append(_finite(model.predict_one(x)))
        model.learn_one(x, values[t])
    return out


def forecast_snarimax(values: list[float], period: int | None) -> list[float | None]:
    from river import time_series

    model = time_series.SNARIMAX(
        p=LAGS, d=1, q=1, m=period or 1, sp=1 if period else 0, sd=0, sq=0, regressor=_regressor()
    )
    out: list[float | None] = [None]
    model.learn_one(values[0])
    for t in range(1, len(values)):
        out.append(_finite(float(model.forecast(horizon=1)[0])))
        model.learn_one(values[t])
    return out


MODELS = {"diff": forecast_diff, "lags": forecast_lags, "snarimax": forecast_snarimax}


def main() -> int:
    target = sys.argv[2] if len(sys.argv) > 2 else None
    try:
        import river  # noqa: F401
    except ImportError:
        _emit({"forecasts": None, "error": "river not installed"}, target)
        return 0
    if len(sys.argv) < 2:
        sys.stderr.write("usage: river_peer.py input.json [output.json]\n")
        return 2
    name = os.environ.get("RIVER_PEER_MODEL", "diff")
    if name not in MODELS:
        sys.stderr.write(f"RIVER_PEER_MODEL must be one of {sorted(MODELS)}, got {name!r}\n")
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        workload = json.load(f)
    run = MODELS[name]
    forecasts = [run([float(v) for v in s["values"]], s.get("period")) for s in workload["series"]]
    _emit({"forecasts": forecasts, "model": name, "lags": LAGS}, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())

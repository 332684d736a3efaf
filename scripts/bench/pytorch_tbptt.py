#!/usr/bin/env python3
"""PyTorch baseline for scripts/bench/trainer.bench.ts: truncated BPTT on an LSTM with a Linear head,
the same setting as the TypeScript benchmark. One iteration = unroll k2 steps of a batch from the
carried (detached) states, MSE over the last k1 steps, backward, global-norm clip, one Adam step
(Keras defaults: lr 1e-3, eps 1e-7). CPU. "threads" is a list of thread counts to measure one after
the other in this process (one torch import): a number sets torch.set_num_threads (the benchmark
passes its own count, for a comparison at equal threads), null means PyTorch's default.

    python3 scripts/bench/pytorch_tbptt.py '{"units":64,"k1":32,"k2":32,"batch":32,"inputWidth":8,"seconds":10,"threads":[1,null]}'

Prints one JSON line per thread count: {"bench":"trainer.tbptt","backend":"pytorch",...,"threads","itersPerSec","eventsPerSec"}.
"""
import json
import sys
import time

import torch


def main() -> None:
    cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    units, k1, k2 = cfg.get("units", 64), cfg.get("k1", 32), cfg.get("k2", 32)
    batch, width, seconds = cfg.get("batch", 32), cfg.get("inputWidth", 8), cfg.get("seconds", 10.0)
    default_threads = torch.get_num_threads()
    for threads in cfg.get("threads", [None]):
        torch.set_num_threads(default_threads if threads is None else int(threads))
        measure(units, k1, k2, batch, width, seconds)


def measure(units: int, k1: int, k2: int, batch: int, width: int, seconds: float) -> None:
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(width, units, batch_first=True)
    head = torch.nn.Linear(units, width)
    params = list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3, eps=1e-7)
    xs = [torch.randn(batch, k2, width) for _ in range(8)]
    ys = [torch.randn(batch, k2, width) for _ in range(8)]
    state = (torch.zeros(1, batch, units), torch.zeros(1, batch, units))

    def iteration(i: int) -> None:
        nonlocal state
        x, y = xs[i % len(xs)], ys[i % len(ys)]
        out, (h, c) = lstm(x, state)
        pred = head(out[:, k2 - k1 :, :])
        loss = torch.mean((pred - y[:, k2 - k1 :, :]) ** 2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        state = (h.detach(), c.detach())

    for i in range(3):
        iteration(i)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        iteration(n)
        n += 1
    elapsed = time.perf_counter() - start
    print(json.dumps({
        "bench": "trainer.tbptt", "backend": "pytorch", "torch": torch.__version__, "cell": "lstm", "units": units,
        "k1": k1, "k2": k2, "batch": batch, "inputWidth": width, "threads": torch.get_num_threads(), "iterations": n,
        "itersPerSec": n / elapsed, "eventsPerSec": n * batch * k1 / elapsed,
    }), flush=True)


if __name__ == "__main__":
    main()

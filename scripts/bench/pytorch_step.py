#!/usr/bin/env python3
"""PyTorch baseline for scripts/bench/model.bench.ts: one streaming step with torch.nn.LSTMCell /
GRUCell plus a Linear head, gathering each batch's states from a [streams, units] state tensor and
scattering the new states back, single-threaded, no autograd. Same shapes as the TS benchmark.

    python3 scripts/bench/pytorch_step.py '{"configs":[{"cell":"lstm","units":128,"batch":64}],
                                            "inputWidth":8,"streams":100000,"seconds":1.0}'

Prints one JSON line per configuration: {"cell","units","batch","eventsPerSec"}.
"""
import json
import sys
import time

import torch


def bench(cell: str, units: int, batch: int, width: int, streams: int, seconds: float) -> float:
    torch.manual_seed(0)
    rnn = torch.nn.LSTMCell(width, units) if cell == "lstm" else torch.nn.GRUCell(width, units)
    head = torch.nn.Linear(units, width)
    h_table = torch.rand(streams, units) - 0.5
    c_table = torch.rand(streams, units) - 0.5 if cell == "lstm" else None
    # Precomputed batches of distinct stream ids, as the TS benchmark does.
    batches = [torch.randperm(streams)[:batch] for _ in range(64)]
    inputs = [torch.randn(batch, width) for _ in range(8)]

    def step(i: int) -> None:
        idx = batches[i % len(batches)]
        x = inputs[i % len(inputs)]
        h = h_table.index_select(0, idx)
        if c_table is not None:
            c = c_table.index_select(0, idx)
            h, c = rnn(x, (h, c))
            c_table.index_copy_(0, idx, c)
        else:
            h = rnn(x, h)
        h_table.index_copy_(0, idx, h)
        head(h)

    with torch.inference_mode():
        for i in range(3):
            step(i)
        n = 0
        start = time.perf_counter()
        while True:
            step(n)
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds and n >= 3:
                break
    return batch * n / elapsed


def main() -> int:
    torch.set_num_threads(1)
    args = json.loads(sys.argv[1])
    for c in args["configs"]:
        eps = bench(c["cell"], c["units"], c["batch"], args["inputWidth"], args["streams"], args["seconds"])
        print(json.dumps({"cell": c["cell"], "units": c["units"], "batch": c["batch"], "eventsPerSec": round(eps)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""PyTorch peer for scripts/bench/model.bench.ts: one streaming step with torch.nn.LSTMCell /
GRUCell plus a Linear head, gathering each batch's states from a [streams, units] state tensor and
scattering the new states back, no autograd. Same shapes and batches as the TS benchmark.

Like the TS side, each step starts from the batch's stream *ids* (strings) and resolves them to
rows with a dict, as any PyTorch serving loop keyed by stream must ("ids": true). With "ids":
false it is handed ready row indices instead (the figure without that work). streamcell's step
does more per id than the dict lookup (LRU order, idle time stamps, duplicate check), so the
like-for-like comparison does not favour streamcell.

    python3 scripts/bench/pytorch_step.py '{"configs":[{"cell":"lstm","units":128,"batch":64}],
        "inputWidth":8,"streams":100000,"seconds":1.0,"threads":1,"ids":true}'

"threads": torch.set_num_threads(n); null keeps PyTorch's default. Prints one JSON line per
configuration: {"cell","units","batch","eventsPerSec","threads","ids"}.
"""
import json
import sys
import time

import torch


def bench(cell: str, units: int, batch: int, width: int, streams: int, seconds: float, ids: bool) -> float:
    torch.manual_seed(0)
    rnn = torch.nn.LSTMCell(width, units) if cell == "lstm" else torch.nn.GRUCell(width, units)
    head = torch.nn.Linear(units, width)
    h_table = torch.rand(streams, units) - 0.5
    c_table = torch.rand(streams, units) - 0.5 if cell == "lstm" else None
    row = {f"stream-{i}": i for i in range(streams)}
    # Precomputed batches of distinct streams, as the TS benchmark does.
    perms = [torch.randperm(streams)[:batch] for _ in range(64)]
    batch_ids = [[f"stream-{int(k)}" for k in p] for p in perms]
    inputs = [torch.randn(batch, width) for _ in range(8)]

    def step(i: int) -> None:
        if ids:
            idx = torch.tensor([row[s] for s in batch_ids[i % 64]], dtype=torch.long)
        else:
            idx = perms[i % 64]
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
    args = json.loads(sys.argv[1])
    if args.get("threads") is not None:
        torch.set_num_threads(int(args["threads"]))
    threads = torch.get_num_threads()
    ids = bool(args.get("ids", True))
    for c in args["configs"]:
        eps = bench(c["cell"], c["units"], c["batch"], args["inputWidth"], args["streams"], args["seconds"], ids)
        print(json.dumps({"cell": c["cell"], "units": c["units"], "batch": c["batch"], "eventsPerSec": round(eps), "threads": threads, "ids": ids}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

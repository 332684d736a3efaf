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

With "serve": true (and no "configs") it reads one request per stdin line,
{"cell","units","batch","seconds"}, and answers each with such a line, keeping the last
configuration's tables between requests: the TS benchmark alternates short slices of its own
engine and of this peer, so load from other processes hits both sides alike.
"""
import json
import sys
import time

import torch


class Peer:
    """One configuration's model, state tables and batches, timed in slices by run()."""

    def __init__(self, cell: str, units: int, batch: int, width: int, streams: int, ids: bool) -> None:
        torch.manual_seed(0)
        self.rnn = torch.nn.LSTMCell(width, units) if cell == "lstm" else torch.nn.GRUCell(width, units)
        self.head = torch.nn.Linear(units, width)
        self.h_table = torch.rand(streams, units) - 0.5
        self.c_table = torch.rand(streams, units) - 0.5 if cell == "lstm" else None
        self.row = {f"stream-{i}": i for i in range(streams)}
        # Precomputed batches of distinct streams, as the TS benchmark does.
        self.perms = [torch.randperm(streams)[:batch] for _ in range(64)]
        self.batch_ids = [[f"stream-{int(k)}" for k in p] for p in self.perms]
        self.inputs = [torch.randn(batch, width) for _ in range(8)]
        self.ids = ids
        self.batch = batch
        self.n = 0
        with torch.inference_mode():
            for _ in range(3):
                self.step()

    def step(self) -> None:
        i = self.n
        self.n += 1
        if self.ids:
            idx = torch.tensor([self.row[s] for s in self.batch_ids[i % 64]], dtype=torch.long)
        else:
            idx = self.perms[i % 64]
        x = self.inputs[i % len(self.inputs)]
        h = self.h_table.index_select(0, idx)
        if self.c_table is not None:
            c = self.c_table.index_select(0, idx)
            h, c = self.rnn(x, (h, c))
            self.c_table.index_copy_(0, idx, c)
        else:
            h = self.rnn(x, h)
        self.h_table.index_copy_(0, idx, h)
        self.head(h)

    def run(self, seconds: float) -> float:
        with torch.inference_mode():
            n = 0
            start = time.perf_counter()
            while True:
                self.step()
                n += 1
                elapsed = time.perf_counter() - start
                if elapsed >= seconds:
                    break
        return self.batch * n / elapsed


def main() -> int:
    args = json.loads(sys.argv[1])
    if args.get("threads") is not None:
        torch.set_num_threads(int(args["threads"]))
    threads = torch.get_num_threads()
    ids = bool(args.get("ids", True))
    width, streams = args["inputWidth"], args["streams"]

    def answer(c: dict, eps: float) -> None:
        print(json.dumps({"cell": c["cell"], "units": c["units"], "batch": c["batch"], "eventsPerSec": round(eps), "threads": threads, "ids": ids}), flush=True)

    if args.get("serve"):
        peer, key = None, None
        for line in sys.stdin:
            c = json.loads(line)
            if (c["cell"], c["units"], c["batch"]) != key:
                peer, key = None, None  # free the previous tables first
                peer, key = Peer(c["cell"], c["units"], c["batch"], width, streams, ids), (c["cell"], c["units"], c["batch"])
            answer(c, peer.run(c["seconds"]))
        return 0
    for c in args["configs"]:
        answer(c, Peer(c["cell"], c["units"], c["batch"], width, streams, ids).run(args["seconds"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# The GPU measurements of the inference data plane (docs/decisions.md, "Inference threads and the
# GPU"), in one run on a machine with an NVIDIA GPU, from the repository root after `npm ci`:
#
#   bash scripts/bench/gpu.sh            # results under $OUT (default /tmp/streamcell-gpu)
#
# What it answers:
#   1. Does ONNX Runtime's CUDA provider start here? (onnxruntime-node's CUDA 12 build must be
#      installed: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node, which downloads it.)
#   2. The model step, CPU vs CUDA, per batch size: from which batch the device wins, and by how
#      much at the batches the step scheduler forms (bench:model, LSTM/GRU 64 and 128).
#   3. The whole pipeline on the CUDA engine at INFERENCE_THREADS 1 (one engine fed by every
#      partition: one large batch per step) and 2 (two engines, two smaller batches), against
#      the same run's kafkajs pass-through (bench:pipeline).
#   4. The same pipeline on the CPU engine at 1, 2, 4 and 8 threads, for the scaling across cores
#      that a 2-core development machine cannot show.
# A step that fails is reported and the next one still runs; the exit code is the first failure's.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/streamcell-gpu}
mkdir -p "$OUT"
status=0
step() {
  local name=$1
  shift
  echo "== $name" >&2
  if ! "$@" > >(tee "$OUT/$name.jsonl") 2> >(tee "$OUT/$name.err" >&2); then
    echo "== $name failed" >&2
    [ "$status" -eq 0 ] && status=1
  fi
}

step gpu nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
step cuda-provider node -r ./scripts/register.cjs -e "
  const { createBundle, StreamingModel } = require('@streamcell/model');
  const bundle = createBundle({ name: 'm', spec: { cell: 'lstm', layers: [64], inputWidth: 8, head: { units: 8 } }, init: { seed: 1 } });
  StreamingModel.create({ bundle, engine: { kind: 'onnx', executionProvider: 'cuda' }, capacity: 16 })
    .then(async (m) => { await m.step(['a'], new Float32Array(8)); console.log(JSON.stringify({ check: 'cuda-provider', ok: true, engine: m.engine })); await m.dispose(); })
    .catch((e) => { console.log(JSON.stringify({ check: 'cuda-provider', ok: false, error: String(e) })); process.exit(1); });"
step model env BENCH_ENGINES=onnx,onnx-cuda BENCH_UNITS=64,128 BENCH_BATCHES=64,1024,4096,16384 npm run --silent bench:model
step pipeline-cuda env INFERENCE_ONNX_PROVIDER=cuda BENCH_THREADS=1,2 npm run --silent bench:pipeline
step pipeline-cpu env BENCH_THREADS=1,2,4,8 npm run --silent bench:pipeline
echo "results in $OUT" >&2
exit "$status"

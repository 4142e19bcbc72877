#!/bin/bash
# The fit's variants, each a fresh container under the cpu profile's caps (2 CPUs, 16 GB),
# round-robin so drift on a shared host falls on every variant alike. Each run: ResNet50,
# 224 px, Adam, synthetic data, the first two steps dropped; results.jsonl gets one line per run.
#   bash docs/experiments/fit-variants/run.sh [ROUNDS]   then   python3 docs/experiments/fit-variants/summarise.py
# The baseline is localab:cpu as it was before this work: `base` runs with LD_PRELOAD= and
# LOCALAB_FUSED_BATCH_NORM=0 on an image that has both (results.jsonl: the 2026-11-26 run).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-5}
docker build -q -t localab-exp:alloc "$here" >/dev/null
lib=/usr/lib/x86_64-linux-gnu
out=$here/results.jsonl
run() {  # NAME VARIANT STEPS [docker run options]
  local name=$1 variant=$2 steps=$3 line; shift 3
  line=$(docker run --rm --cpus 2 -m 16g -v "$here":/exp:ro -e LD_PRELOAD= -e LOCALAB_FUSED_BATCH_NORM=0 "$@" --entrypoint /usr/bin/tini localab-exp:alloc -- \
         python -m localab_guest.env python /exp/step.py "$variant" "$steps" 2>&1 | grep '^RESULT' | sed 's/^RESULT //' || true)
  echo "{\"name\": \"$name\", \"round\": $round, \"result\": ${line:-null}}" >> "$out"
}
# Round 1 tries every variant; later rounds repeat the baseline, the two that moved the
# number in round 1 and their combination (a 2.5-minute run each: all variants x 5 rounds
# would take the 2-CPU machine over 1.5 hours).
for round in $(seq 1 "$rounds"); do
  run base base 3
  run fusedbn fusedbn 3
  if [ "$round" = 1 ]; then
    run xla xla 3
    run onednn_off base 3 -e TF_ENABLE_ONEDNN_OPTS=0
    run inter1 base 3 -e TF_NUM_INTEROP_THREADS=1
    run jemalloc base 3 -e LD_PRELOAD=$lib/libjemalloc.so.2
  fi
  run tcmalloc base 3 -e LD_PRELOAD=$lib/libtcmalloc_minimal.so.4
  if [ "$round" = 1 ]; then
    run batch64 base 2 -e BATCH=64
    run channels_first channels_first 3
  else
    run fusedbn_tcmalloc fusedbn 3 -e LD_PRELOAD=$lib/libtcmalloc_minimal.so.4
  fi
done

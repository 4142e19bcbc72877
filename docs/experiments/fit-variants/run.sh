#!/bin/bash
# The fit's variants, each a fresh container under the cpu profile's caps (2 CPUs, 16 GB),
# round-robin so drift on a shared host falls on every variant alike. Each run: ResNet50,
# 224 px, Adam, synthetic data, the first two steps dropped; results.jsonl gets one line per run.
#   bash docs/experiments/fit-variants/run.sh [ROUNDS [FIRST_ROUND [VARIANT...]]]   then   python3 docs/experiments/fit-variants/summarise.py
# The baseline is localab:cpu as it was before this work: `base` runs with LD_PRELOAD= and
# LOCALAB_FUSED_BATCH_NORM=0 on the image that has both (results.jsonl: the 2026-11-26 run).
# It runs localab:cpu itself (`localab build`), no image of its own that could drift. The
# dropped jemalloc variant needs libjemalloc2 in the image: add it to the cpu flavour's apt
# list in docker/flavours.toml and rebuild to run it again; without it, it is skipped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-5}
image=localab:cpu
lib=/usr/lib/x86_64-linux-gnu
out=$here/results.jsonl
run() {  # NAME VARIANT STEPS [docker run options]
  local name=$1 variant=$2 steps=$3 line; shift 3
  line=$(docker run --rm --cpus 2 -m 16g -v "$here":/exp:ro -e LD_PRELOAD= -e LOCALAB_FUSED_BATCH_NORM=0 "$@" --entrypoint /usr/bin/tini "$image" -- \
         python -m localab.guest.env python /exp/step.py "$variant" "$steps" 2>&1 | grep '^RESULT' | sed 's/^RESULT //' || true)
  echo "{\"name\": \"$name\", \"round\": $round, \"result\": ${line:-null}}" >> "$out"
}
variant() {  # NAME: one run of that variant
  case $1 in
    base) run base base 3 ;;
    fusedbn) run fusedbn fusedbn 3 ;;
    xla) run xla xla 3 ;;
    onednn_off) run onednn_off base 3 -e TF_ENABLE_ONEDNN_OPTS=0 ;;
    inter1) run inter1 base 3 -e TF_NUM_INTEROP_THREADS=1 ;;
    jemalloc) if docker run --rm --entrypoint test "$image" -e $lib/libjemalloc.so.2; then
                run jemalloc base 3 -e LD_PRELOAD=$lib/libjemalloc.so.2
              else echo "jemalloc: libjemalloc2 is not in $image; skipped (see the top of this file)" >&2; fi ;;
    tcmalloc) run tcmalloc base 3 -e LD_PRELOAD=$lib/libtcmalloc_minimal.so.4 ;;
    batch64) run batch64 base 2 -e BATCH=64 ;;
    channels_first) run channels_first channels_first 3 ;;
    fusedbn_tcmalloc) run fusedbn_tcmalloc fusedbn 3 -e LD_PRELOAD=$lib/libtcmalloc_minimal.so.4 ;;
    *) echo "unknown variant: $1" >&2; exit 2 ;;
  esac
}
# Every round runs the baseline first, then the variants named (all by default), so each
# run is paired with a baseline of its own round. results.jsonl holds rounds 1-5 of base,
# fusedbn, tcmalloc and fusedbn_tcmalloc (round 1 also every other variant once), then
# rounds 6-9 of the rest: `run.sh 4 6 xla onednn_off inter1 jemalloc batch64`.
first=${2:-1}
shift $(( $# > 2 ? 2 : $# ))
variants=${*:-fusedbn xla onednn_off inter1 jemalloc tcmalloc batch64 channels_first fusedbn_tcmalloc}
for round in $(seq "$first" $(( first + rounds - 1 ))); do
  variant base
  for name in $variants; do variant "$name"; done
done

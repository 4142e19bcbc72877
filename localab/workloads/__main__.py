"""Run one workload: python -m localab.workloads NAME --scale S --out DIR [options];
draw a result's plots again: python -m localab.workloads NAME --out DIR --plots.

In a localab container the bench starts it through `python -m localab.guest.env`, so
the environment is the runtime's own (thread pools by the CPU quota, caches on the
drive) before TensorFlow loads; on the host (--compare-host) it is the host's. Exit 0
with summary.json written; contract.WORKLOAD_USAGE for bad input;
contract.WORKLOAD_STOPPED when stopped by SIGTERM with a checkpoint saved."""

import argparse
import json
import sys
from pathlib import Path

from localab.guest import contract

from . import REGISTRY, plots
from .common import SCALES, fail


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localab.workloads", description=__doc__)
    parser.add_argument("workload", choices=sorted(REGISTRY))
    parser.add_argument("--scale", choices=SCALES, default="smoke")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--pipeline", choices=("seed", "tuned", "both"), default="seed")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--trace", action="store_true", help="profile a few steps after warm-up (resnet50-cifar10)")
    parser.add_argument("--batch", type=int, help="resnet50-cifar10's batch size (default: the scale's)")
    parser.add_argument("--checkpoints", type=Path)
    parser.add_argument("--drive", default=str(contract.DRIVE))
    parser.add_argument("--scratch", default=str(contract.CONTENT))
    parser.add_argument("--plots", action="store_true", help="draw the plots of the result in --out, and nothing else")
    args = parser.parse_args(argv)
    workload = REGISTRY[args.workload]
    if args.plots:
        for path in plots.make(args.out, workload.charts):
            print(path)
        return 0
    if workload.where != "container":
        fail(f"{args.workload} runs on the host (`localab bench --workload {args.workload}`), not here")
    checkpoints = args.checkpoints or Path(args.drive) / contract.CHECKPOINTS_DIR
    if args.resume and "resume" in workload.takes:
        phases = ["seed", "tuned"] if args.pipeline == "both" else [args.pipeline]
        if not any((checkpoints / contract.checkpoint_name(args.scale, p) / contract.CHECKPOINT_STATE).is_file() for p in phases):
            fail(f"--resume: no checkpoint for {args.workload} at scale {args.scale} under {checkpoints}; "
                 f"run without --resume first")
    options = {"pipeline": args.pipeline, "resume": args.resume, "trace": args.trace, "batch": args.batch,
               "checkpoints": str(checkpoints),
               "drive": args.drive, "scratch": args.scratch}
    summary = workload.run(args.out, args.scale, options)
    print("summary: " + json.dumps(summary.get("figures", {}))[:2000], flush=True)
    return contract.WORKLOAD_STOPPED if summary.get("interrupted") else 0


if __name__ == "__main__":
    sys.exit(main())

"""Run one workload: python -m workloads NAME --scale S --out DIR [options].

Inside a localab container the environment is the runtime's own (thread pools by the
CPU quota, caches on the drive) before TensorFlow loads. Exit 0 with summary.json
written; 2 for bad input; 3 when stopped by SIGTERM with a checkpoint saved."""

import argparse
import json
import os
import sys
from pathlib import Path

from . import WORKLOADS
from .common import SCALES, fail


def runtime_environment() -> None:
    try:
        from localab_guest.env import default_environment, make_cache_dirs
    except ImportError:  # on the host (--compare-host): the host's own environment
        return
    environment = default_environment()
    make_cache_dirs(environment)
    os.environ.update(environment)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workloads", description=__doc__)
    parser.add_argument("workload", choices=sorted(WORKLOADS))
    parser.add_argument("--scale", choices=SCALES, default="smoke")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--pipeline", choices=("seed", "tuned", "both"), default="seed")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--checkpoints", type=Path)
    parser.add_argument("--drive", default="/content/drive/MyDrive")
    parser.add_argument("--scratch", default="/content")
    args = parser.parse_args(argv)
    checkpoints = args.checkpoints or Path(args.drive) / "localab" / "bench" / "checkpoints"
    if args.resume and args.workload == "resnet50-cifar10":
        phases = ["seed", "tuned"] if args.pipeline == "both" else [args.pipeline]
        if not any((checkpoints / f"resnet50-{args.scale}-{p}" / "state.json").is_file() for p in phases):
            fail(f"--resume: no checkpoint for resnet50-cifar10 at scale {args.scale} under {checkpoints}; "
                 f"run without --resume first")
    runtime_environment()
    options = {"pipeline": args.pipeline, "resume": args.resume, "checkpoints": str(checkpoints),
               "drive": args.drive, "scratch": args.scratch}
    summary = WORKLOADS[args.workload].run(args.out, args.scale, options)
    print("summary: " + json.dumps(summary.get("figures", {}))[:2000], flush=True)
    return 3 if summary.get("interrupted") else 0


if __name__ == "__main__":
    sys.exit(main())

"""Write the image manifest (/etc/localab/manifest.json) at build time."""

import argparse
import json
import platform
import re
import sys
from importlib import metadata


def os_release() -> str:
    try:
        with open("/etc/os-release") as handle:
            fields = dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)
        return fields.get("PRETTY_NAME", "").strip('"')
    except OSError:
        return ""


def pruned(path: str = "/opt/venv/pruned.txt") -> list[str]:
    """What the build removed from installed distributions to keep the image small."""
    try:
        with open(path) as handle:
            return [line.strip() for line in handle if line.strip()]
    except OSError:
        return []


def build(args: argparse.Namespace) -> dict:
    dists = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            dists[re.sub(r"[-_.]+", "-", name).lower()] = dist.version  # PEP 503 names
    return {
        "flavour": args.flavour,
        "base_image": args.base,
        "os": os_release(),
        "python": platform.python_version(),
        "build_time": args.build_time,
        "localab_version": args.localab_version,
        "lock_sha256": args.lock_sha256,
        "pruned": pruned(),
        "distributions": dict(sorted(dists.items())),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for option in ("flavour", "base", "build-time", "localab-version", "lock-sha256"):
        parser.add_argument(f"--{option}", required=True)
    json.dump(build(parser.parse_args(argv)), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

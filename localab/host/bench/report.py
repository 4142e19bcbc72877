"""Bench results as a person reads them: a table per run, and history from the drive."""

from pathlib import Path

from localab.guest import contract
from localab.host import drivefs
from localab.host.bench import registry
from localab.host.bench.runner import bench_root
from localab.workloads.fmt import number as _fmt


def rows(summary: dict) -> list[tuple[str, str, str]]:
    """(measure, value, spread or note) lines for one result: the workload's own, then the shared ones."""
    figures, workload = summary.get("figures", {}), registry.REGISTRY.get(summary["workload"])
    out = workload.rows(summary) if workload else []
    if figures.get("container_over_host"):
        out.append(("container / host", _fmt(figures["container_over_host"], "x"), "measured in this run"))
    if figures.get("localab_over_plain"):
        plain = summary.get("plain_container", {})
        out.append(("localab / plain container", _fmt(figures["localab_over_plain"], "x"),
                    f"measured in this run; plain: TensorFlow {plain.get('tensorflow', '?')} from PyPI, "
                    f"docker run --cpus {plain.get('cpus', '?'):g} --memory {plain.get('memory_gib', '?'):g}g"))
    if summary.get("synthetic"):
        out.append(("data", "SYNTHETIC", "throughput valid, accuracy meaningless"))
    if summary.get("busy_host"):
        out.append(("host", "BUSY", "other work took the CPUs: figures not comparable (see the note)"))
    return out


def print_results(folders: list[Path], say=print) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=140)
    for folder in folders:
        summary = drivefs.read_json(folder / contract.SUMMARY_FILE)
        table = Table("measure", "value", "spread / note", title=f"{summary['workload']} - {folder.name}")
        for row in rows(summary):
            table.add_row(*row)
        console.print(table)
        for note in summary.get("notes", []):
            console.print(f"  note: {note}")
        image = (drivefs.read_json(folder / contract.RUN_FILE) if drivefs.exists(folder / contract.RUN_FILE)
                 else {}).get("image", {})
        if image.get("ref"):
            console.print(f"  image: {image['ref']} ({image['id'][7:19]})")
        pngs = ", ".join(p.name for p in sorted(folder.glob("*.png")))
        console.print(f"  results: {folder} ({pngs})")
        if summary.get("profile"):
            inside = contract.DRIVE / contract.BENCH_DIR / folder.name / summary["profile"]["folder"]
            console.print(f"  trace: {folder / summary['profile']['folder']}; to open it, in a notebook of a runtime "
                          f"on this drive: %load_ext tensorboard, then %tensorboard --logdir {inside} (Profile tab)")


def headline(summary: dict) -> float | None:
    workload = registry.REGISTRY.get(summary["workload"])
    return workload.headline(summary) if workload else None


def history_entries(drive: Path) -> list[dict]:
    """Every finished result on the drive, oldest first, with its headline figure and the
    ratio to the previous result of the same workload and scale."""
    root = bench_root(drive)
    entries, previous = [], {}
    for name in drivefs.children(root):
        folder = root / name
        if name.startswith(".") or not drivefs.exists(folder / contract.SUMMARY_FILE):
            continue
        summary = drivefs.read_json(folder / contract.SUMMARY_FILE)
        scale = drivefs.read_json(folder / contract.RUN_FILE)["params"]["scale"]
        figure = headline(summary)
        before = previous.get((summary["workload"], scale))
        entries.append({"folder": str(folder), "name": folder.name, "workload": summary["workload"], "scale": scale,
                        "headline": figure, "synthetic": bool(summary.get("synthetic")),
                        "busy_host": bool(summary.get("busy_host")),
                        "over_previous": figure / before[1] if figure and before and before[1] else None,
                        "previous": before[0] if before else None})
        previous[(summary["workload"], scale)] = (folder.name, figure)
    return entries


def history(drive: Path) -> list[str]:
    entries = history_entries(drive)
    if not entries:
        return [f"no bench results under {bench_root(drive)}; run `localab bench`"]
    lines = [f"{e['name']}  {e['workload']:<17} {e['scale']:<6} {_fmt(e['headline']):>8}"
             f"{' synthetic' if e['synthetic'] else ''}{' BUSY HOST' if e['busy_host'] else ''}" for e in entries]
    lines.append("")
    latest = {(e["workload"], e["scale"]): e for e in entries}
    for (workload, scale), entry in sorted(latest.items()):
        if entry["over_previous"]:
            lines.append(f"{workload} ({scale}): latest / previous = {entry['over_previous']:.3f} "
                         f"({entry['name']} vs {entry['previous']})")
    return lines

"""The bench verb: workloads in fresh containers under a profile's caps."""

from localab.cli.verb import PROFILES_FILE, connect_engine, print_json, use_profiles, verb
from localab.host.bench import registry as bench_registry


@verb(help={
    "workload": bench_registry.help_text(),
    "scale": "smoke (seconds, what tests use), quick (minutes), full (the tutorial's 50,000 images x 10 epochs)",
    "profile": "resource profile for the containers (default: the profiles' default)",
    "gpu": "require a GPU (the flavour's -gpu image, one GPU)",
    "flavour": "the image the workloads run in: tf (default: TensorFlow only, what --compare-plain matches) or "
               "colab (Colab's own package set, the runtimes' default)",
    "drive": "drive folder holding results, caches and checkpoints (default: the runtime's default drive)",
    "runs": "repeat each workload this many times, each in a fresh container",
    "resume": "continue a resnet50-cifar10 fit from its last checkpoint on the drive",
    "pipeline": "resnet50-cifar10 input pipeline: the tutorial's (baseline), tuned, or both (default; ratio "
                "measured in one run)",
    "compare_host": "also run the workload in a host venv with the same lock, and report container/host",
    "compare_plain": "also run the workload in a plain container (the same TensorFlow from PyPI, only --cpus and "
                     "--memory), and report localab/plain",
    "batch": "resnet50-cifar10: the fit's batch size (default: the tutorial's 32; smoke scale: 8)",
    "trace": "resnet50-cifar10: trace a few steps after warm-up with TensorFlow's profiler into the result "
             "folder (TensorBoard's Profile tab opens it) and show where the time went, op by op",
    "history": "list past results from the drive and compare the latest with the previous one",
    "profiles": PROFILES_FILE,
    "json_": "with --history: print JSON",
})
def bench(c, workload="resnet50-cifar10", scale="smoke", profile=None, gpu=False, drive=None, runs=None, resume=False,
          pipeline="both", compare_host=False, compare_plain=False, trace=False, batch=None, history=False,
          profiles=None, json_=False, flavour=None):
    """Run benchmark workloads in fresh containers under a profile's caps; results go to the drive."""
    use_profiles(profiles)
    from localab.host import drive as drives
    from localab.host.bench import report as bench_report
    from localab.host.bench import runner as benches

    if history:
        folder = drives.validate_drive(drive, "default")
        if json_:
            print_json(bench_report.history_entries(folder))
        else:
            for line in bench_report.history(folder):
                print(line)
        return
    request = benches.BenchRequest(workload=workload, scale=scale, profile=profile, gpu=gpu, drive=drive,
                                   runs=benches.parse_runs(runs), resume=resume, pipeline=pipeline,
                                   compare_host=compare_host, compare_plain=compare_plain, trace=trace,
                                   batch=benches.parse_batch(batch), flavour=flavour or benches.BENCH_FLAVOUR)
    benches.validate(request)  # before the engine is asked for anything
    folders = benches.bench(connect_engine(), request)
    bench_report.print_results(folders)

"""Building the runtime image: one Dockerfile, a flavour's lock, the host's CA."""

import hashlib
import io
import json
import sys
import tarfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from localab import __version__
from localab.guest import contract
from localab.host.engine import Engine
from localab.host.errors import BuildFailed, Interrupted, UsageError
from localab.host.image import builders, certs, footprint, lock
from localab.host.image.base import BASE_IMAGE, ensure_base, resolve_base
from localab.host.paths import DOCKER_DIR, ROOT
from localab.host.refs import image_ref, immutable_refs

MANIFEST_PATH = str(contract.MANIFEST)
LABEL = "io.localab"
_SKIP = {"__pycache__", ".pytest_cache"}


@dataclass(frozen=True)
class BuildPlan:
    flavour: str
    ref: str
    base: str
    lock: lock.Lock
    ca: certs.CaBundle | None
    buildargs: dict
    labels: dict


def plan(flavour: str, *, base: str = BASE_IMAGE, environ=None, pip_cert=certs.pip_configured_cert) -> BuildPlan:
    """Everything a build needs, validated before the engine is asked for anything."""
    import os

    environ = os.environ if environ is None else environ
    row = lock.flavour(flavour)
    name = row.name
    locked = lock.read_lock(name)
    ca = certs.find_ca_bundle(environ, pip_cert)
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    buildargs = {
        "BASE": base,
        "FLAVOUR": name,
        "BUILD_TIME": created,
        "LOCALAB_VERSION": __version__,
        "LOCK_SHA256": locked.sha256,
        "PORT": str(contract.PORT),
        "APT": " ".join(row.apt),
        **certs.proxy_settings(environ),
    }
    labels = {
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.version": __version__,
        "org.opencontainers.image.title": row.title,
        f"{LABEL}.flavour": name,
        f"{LABEL}.lock-sha256": locked.sha256,
        f"{LABEL}.base": base,
        f"{LABEL}.ca": ca.source if ca else "",
        f"{LABEL}.source-sha256": source_digest(name),
    }
    if row.tensorflow:
        labels[f"{LABEL}.tensorflow"] = locked.tensorflow_version
    return BuildPlan(name, image_ref(name), base, locked, ca, buildargs, labels)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 0
    archive.addfile(info, io.BytesIO(data))


def sources(flavour: str) -> tuple[Path, list[tuple[Path, str]]]:
    """The Dockerfile and the files (a path, and where it goes in the context) an image
    is built from, besides trust-ca.sh, the lock and the CA: the flavour's row says."""
    row = lock.flavour(flavour)
    return DOCKER_DIR / row.dockerfile, [(source_root() / source, target) for source, target in row.context]


def source_root() -> Path:
    return ROOT


def _files(source: Path, prefix: str) -> list[tuple[Path, str]]:
    if source.is_file():
        return [(source, prefix)]
    return [(path, f"{prefix}/{path.relative_to(source)}") for path in sorted(source.rglob("*"))
            if path.is_file() and not _SKIP & set(path.relative_to(source).parts) and path.suffix != ".pyc"]


def _add_tree(archive: tarfile.TarFile, source: Path, prefix: str) -> None:
    for path, name in _files(source, prefix):
        _add_bytes(archive, name, path.read_bytes())


def colab_files(flavour: str) -> list[tuple[Path, str]]:
    """What a colab flavour's image keeps of Colab's (/etc/localab/colab/): the freeze it
    was locked from, the parity, their licence; nothing for the other flavours."""
    row = lock.flavour(flavour)
    if not row.freeze:
        return []
    return [(DOCKER_DIR / row.freeze, "colab/pip-freeze.txt"), (lock.parity_path(flavour), "colab/parity.json"),
            (DOCKER_DIR / "colab" / "LICENSE", "colab/LICENSE"), (DOCKER_DIR / "colab" / "SOURCE.md", "colab/SOURCE.md")]


def source_digest(flavour: str) -> str:
    """sha256 of everything an image is built from except the CA: an image whose label
    differs was built from another checkout and is rebuilt before use."""
    dockerfile, trees = sources(flavour)
    digest = hashlib.sha256()
    files = [(dockerfile, "Dockerfile"), (DOCKER_DIR / "trust-ca.sh", "trust-ca.sh"),
             (lock.lock_path(flavour), "lock.txt"), *colab_files(flavour)]
    for source, prefix in trees:
        files += _files(source, prefix)
    for path, name in files:
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_context(build: BuildPlan, *, buildkit: bool = True) -> io.BytesIO:
    """The build context as an in-memory tar: only what the Dockerfile copies, so the
    engine receives kilobytes and an edit to guest code invalidates only the last layers.
    For the classic builder, the Dockerfile without BuildKit's mount flags."""
    buffer = io.BytesIO()
    dockerfile, trees = sources(build.flavour)
    text = dockerfile.read_text()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        _add_bytes(archive, "Dockerfile", (text if buildkit else builders.classic_dockerfile(text)).encode())
        _add_bytes(archive, "trust-ca.sh", (DOCKER_DIR / "trust-ca.sh").read_bytes(), 0o755)
        _add_bytes(archive, "lock.txt", build.lock.path.read_bytes())
        for folder in ("ca", "colab"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            archive.addfile(info)
        for path, name in colab_files(build.flavour):
            _add_bytes(archive, name, path.read_bytes())
        for number, pem in enumerate(build.ca.certificates if build.ca else ()):
            _add_bytes(archive, f"ca/host-{number:03d}.crt", pem + b"\n")
        for source, prefix in trees:
            _add_tree(archive, source, prefix)
    buffer.seek(0)
    return buffer


def build(engine: Engine, flavour: str, *, base: str | None = None, say=print, verbose: bool = False,
          force: bool = False) -> dict:
    """Build localab:<flavour>; on failure or Ctrl-C the tag stays where it was. A first
    build says what it costs and is refused when the engine's disk cannot hold it (unless
    `force`). Without a named base, the flavour's Debian release from wherever it can be
    had (resolve_base). BuildKit when the docker CLI is here (builders.use_buildkit), else
    the classic builder."""
    row = lock.flavour(flavour)
    flavour, ref = row.name, image_ref(row.name)  # an old name, now the current one
    previous = engine.image(ref)
    disk = footprint.engine_disk(engine)
    if previous is None and row.footprint:
        footprint.first_build(ref, row.footprint, disk, force=force, say=say)
    base = ensure_base(engine, base, say=say) if base else resolve_base(engine, row.suite, say=say)
    build_plan = plan(flavour, base=base)
    if build_plan.ca:
        say(f"trusting the CA bundle named by {build_plan.ca.source} ({build_plan.ca.path}, "
            f"{len(build_plan.ca.certificates)} certificates) in the build and the image")
    holding = f"TensorFlow {build_plan.lock.tensorflow_version}" if row.tensorflow else row.description
    say(f"building {ref} from {build_plan.base} ({holding})")
    started = time.monotonic()
    written = None
    if disk.free_bytes is not None:
        written = lambda: max(0, disk.free_bytes - footprint.engine_disk(engine).free_bytes)  # noqa: E731
    downloads = builders.Downloads(len(build_plan.lock.pins), say, written)
    cli = builders.buildkit_cli()
    try:
        image_id = _run_builder(engine, build_plan, cli, say=say, verbose=verbose, downloads=downloads)
    except KeyboardInterrupt:
        state = "is as it was" if previous else "was not made"
        kept = "BuildKit keeps what was downloaded" if cli else "the classic builder downloads again"
        raise Interrupted(f"the build of {ref} was interrupted: {ref} {state}; run the same command again to go on "
                          f"({kept})") from None
    except BuildFailed as exc:
        if footprint.disk_full(str(exc)):
            raise footprint.disk_full_error(ref, footprint.engine_disk(engine)) from None
        raise
    if engine.image(image_id) is None:
        raise BuildFailed(f"the builder finished but its image {image_id[:19]} is not there; see the output above")
    # the builder tags nothing: the refs move here, after the build ended well
    for tag in (build_plan.ref, *immutable_refs(flavour, build_plan.lock.tensorflow_version if row.tensorflow else None)):
        engine.tag(image_id, tag)
    image = engine.image(build_plan.ref)
    if previous and previous["Id"] != image["Id"]:
        _drop_untagged(engine, previous["Id"])
    size = image.get("Size", 0) / 1e9
    say(f"built {build_plan.ref} ({image['Id'][7:19]}, {size:.2f} GB) in {time.monotonic() - started:.0f} s")
    return image


def _run_builder(engine: Engine, build_plan: BuildPlan, cli: str | None, *, say, verbose: bool,
                 downloads: builders.Downloads) -> str:
    """The new image's id, untagged."""
    if cli:
        return builders.buildkit(cli, build_context(build_plan).getvalue(), buildargs=build_plan.buildargs,
                                 labels=build_plan.labels, say=say, verbose=verbose,
                                 tty=say is print and sys.stdout.isatty(), downloads=downloads)
    say("no docker CLI with BuildKit here (the buildx plugin, or a CLI before Docker 23): the engine's classic "
        "builder, without BuildKit's download cache")
    progress = builders.Progress(say, None if verbose else downloads)
    for message in engine.build(build_context(build_plan, buildkit=False), buildargs=build_plan.buildargs,
                                labels=build_plan.labels):
        progress.feed(message)
    if not progress.image_id:
        raise BuildFailed("the classic builder ended without naming the image it built; see the output above")
    return progress.image_id


def _drop_untagged(engine: Engine, image_id: str) -> None:
    """The build before this one, now untagged: remove it unless a container still uses it."""
    left = engine.image(image_id)
    if left and not left.get("RepoTags"):
        try:
            engine.remove_image(image_id)
        except Exception:  # in use by a container (a running runtime): it stays
            pass


def ensure_image(engine: Engine, flavour: str, say=print, base: str | None = None, force: bool = False) -> dict:
    """The image, built first when missing or when built from other sources than this
    checkout's; `force`: build even where the disk looks too small."""
    flavour = lock.flavour(flavour).name
    image = engine.image(image_ref(flavour))
    if image is None:
        say(f"{image_ref(flavour)} is not built yet; building it now")
        return build(engine, flavour, base=base, say=say, force=force)
    built_from = (image["Config"].get("Labels") or {}).get(f"{LABEL}.source-sha256")
    if built_from != source_digest(flavour):
        say(f"{image_ref(flavour)} was built from other sources than this checkout; rebuilding (cached layers make it quick)")
        return build(engine, flavour, base=base, say=say)
    return image


def manifest(engine: Engine, ref: str) -> dict:
    if engine.image(ref) is None:
        raise UsageError(f"image: '{ref}' is not here; build it with `localab build`")
    try:
        return json.loads(engine.read_file(ref, MANIFEST_PATH))
    except Exception as exc:
        raise UsageError(f"image: '{ref}' has no localab manifest ({MANIFEST_PATH}); is it a localab image?") from exc


def colab_parity(engine: Engine, ref: str, image_manifest: dict) -> dict:
    """A colab image against Colab's runtime: the parity its lock recorded, checked against
    the distributions the image really holds."""
    from localab.host.image import colab

    try:
        report = json.loads(engine.read_file(ref, f"{contract.COLAB_DIR}/parity.json"))
    except Exception as exc:
        raise UsageError(f"colab: '{ref}' is not a colab image (no {contract.COLAB_DIR}/parity.json); "
                         f"build one with `localab build --flavour colab`") from exc
    return colab.against_image(report, image_manifest["distributions"])


def manifest_diff(old: dict, new: dict) -> list[str]:
    """What differs between two manifests, one line each; empty when they agree."""
    lines = []
    for key in sorted(set(old) | set(new)):
        if key == "distributions" or old.get(key) == new.get(key):
            continue
        lines.append(f"{key}: {old.get(key)} -> {new.get(key)}")
    before, after = old.get("distributions", {}), new.get("distributions", {})
    for name in sorted(set(before) | set(after)):
        if name not in after:
            lines.append(f"- {name} {before[name]}")
        elif name not in before:
            lines.append(f"+ {name} {after[name]}")
        elif before[name] != after[name]:
            lines.append(f"~ {name} {before[name]} -> {after[name]}")
    return lines

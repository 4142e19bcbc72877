"""The verbs of the engine and the images: engine, doctor, base, build, lock, manifest."""

from pathlib import Path

from invoke import Exit

from localab.cli.verb import JSON, connect_engine, print_json, verb
from localab.host.errors import UsageError
from localab.host.refs import DEFAULT_FLAVOUR


@verb(help={"stop": "stop the Docker engine that `localab engine` started (and only that one)"})
def engine(c, stop=False):
    """Make sure a Docker engine answers; on a bare Debian host, install and start one."""
    from localab.host.machine import dockerd

    if stop:
        dockerd.stop_engine()
        return
    version = dockerd.ensure_engine()
    print(f"Docker engine {version['Version']} (API {version['ApiVersion']}) is answering")


@verb(help={"port": "the port to check is free (default: the runtime's default port)", "json_": JSON})
def doctor(c, port=None, json_=False):
    """Check this host for everything localab needs; one line per item, with the fix."""
    from localab.cli import health as checks
    from localab.host import ports

    found = checks.run(ports.validate(port) if port is not None else None)
    if json_:
        print_json([check.__dict__ for check in found])
    else:
        for check in found:
            print(check.line())
    if any(check.level == "fail" for check in found):
        raise Exit(code=1)


@verb(help={"mirror": "Debian mirror for debootstrap (default http://deb.debian.org/debian)",
            "suite": "bookworm (default; Python 3.11, the tf/tf-gpu images) or trixie (Python 3.13, Colab's)"})
def base(c, mirror="", suite="bookworm"):
    """Make a Debian base image locally (debootstrap + docker import): no registry needed; needs root."""
    from localab.host.image import base as bases

    tag = bases.base_image(bases.validate_suite(suite))
    if mirror:
        bases.validate_mirror(mirror)  # bad input stops here, before the engine is asked anything
    docker = connect_engine()
    if docker.image(tag):
        print(f"{tag} is already here")
        return
    print(f"made {bases.make_base(docker, mirror=mirror or None, suite=suite)}")


@verb(help={
    "flavour": "an image of docker/flavours.toml: colab (default), colab-gpu, tf, tf-gpu, hub, plain (bench's baseline)",
    "base": "base image (default: the flavour's local Debian base, made when missing)",
    "verbose": "print every line the builder prints (default: BuildKit's live display, or one line per step)",
    "force": "build even when the engine's disk looks too small for a first build",
})
def build(c, flavour=DEFAULT_FLAVOUR, base="", verbose=False, force=False):
    """Build the image localab:<flavour> from docker/ and the flavour's lock."""
    from localab.host.image import build as image
    from localab.host.image.lock import lock_name

    lock_name(flavour)  # an unknown flavour stops here, before the engine is asked anything
    image.build(connect_engine(), flavour, base=base or None, verbose=verbose, force=force)


@verb(help={"flavour": "lock only this row of docker/flavours.toml (default: all)",
            "upgrade": "resolve every pin afresh instead of keeping the locked versions",
            "colab_freeze": "a newer `pip freeze` of Colab's runtime (googlecolab/backend-info's pip-freeze.txt) "
                            "for a colab flavour; it replaces docker/colab's copy once it resolves"})
def lock(c, flavour="", upgrade=False, colab_freeze=""):
    """Resolve each flavour's requirements into docker/lock-<name>.txt with exact versions and hashes
    (pins already locked are kept unless --upgrade); a colab flavour's from Colab's own pip freeze."""
    from localab.host.image import colab, locking
    from localab.host.image import lock as locks

    if colab_freeze:
        if not flavour:
            raise UsageError("colab-freeze: name the flavour it is for: --flavour colab or --flavour colab-gpu")
        colab.read_freeze(Path(colab_freeze))  # a file that is not a freeze stops here, before anything is written
    names = [locks.lock_name(flavour)] if flavour else locks.lock_names()
    for name in names:
        written = locking.write_lock(name, upgrade=upgrade, colab_freeze=Path(colab_freeze) if colab_freeze else None)
        tensorflow = f", TensorFlow {written.tensorflow_version}" if locks.flavour(name).tensorflow else ""
        print(f"{written.path.name}: {len(written.pins)} distributions{tensorflow}, sha256 {written.sha256[:12]}")


@verb(help={"image": "the image, e.g. localab:colab", "diff": "another image: print what differs between the two",
            "json_": "print the raw JSON", "colab": "a colab image's parity with Colab's runtime: each of Colab's "
                                                    "packages present at Colab's version, at another, or missing, and why"})
def manifest(c, image, diff="", json_=False, colab=False):
    """Print what an image contains (flavour, Python, every distribution), or --diff two images."""
    from localab.host.image import build as images

    docker = connect_engine()
    first = images.manifest(docker, image)
    if colab:
        report = images.colab_parity(docker, image, first)
        if json_:
            print_json(report)
        else:
            from localab.host.image.colab import render

            print(render(report))
        return
    if diff:
        lines = images.manifest_diff(first, images.manifest(docker, diff))
        print("\n".join(lines) if lines else f"{image} and {diff} contain the same")
        return
    if json_:
        print_json(first)
        return
    for key, value in first.items():
        if key != "distributions":
            print(f"{key}: {value}")
    print(f"distributions ({len(first['distributions'])}):")
    for name, version in first["distributions"].items():
        print(f"  {name}=={version}")

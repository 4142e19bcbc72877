"""What an image is called: its flavour, the flavour's GPU twin and family, and the
references built from them. Every path that names an image asks here."""

import sys

REPOSITORY = "localab"


def image_ref(flavour: str) -> str:
    """The moving tag, `localab:<flavour>`: always the latest build of this flavour."""
    return f"{REPOSITORY}:{flavour}"


def version_tag(flavour: str) -> str:
    """`<localab version>-<flavour>`: a tag a hub, Helm values or compose can pin."""
    from localab import __version__

    return f"{__version__}-{flavour}"


def versioned_ref(flavour: str, repository: str = REPOSITORY) -> str:
    return f"{repository}:{version_tag(flavour)}"


def immutable_refs(flavour: str, tensorflow_version: str | None) -> list[str]:
    """The tags a build adds besides the moving one: localab's version, and TensorFlow's."""
    refs = [versioned_ref(flavour)]
    if tensorflow_version:
        refs.append(f"{REPOSITORY}:tf{tensorflow_version}-{flavour}")
    return refs


def gpu_flavour(name: str) -> str:
    """The image of a runtime flavour on a GPU: tf -> tf-gpu, colab -> colab-gpu."""
    return f"{name}-gpu"


def family(image_flavour: str | None) -> str | None:
    """The flavour a user names (tf, colab) for the image a runtime runs (tf-gpu, colab-gpu);
    the inverse of gpu_flavour. None stays None (a runtime from before flavours were labelled)."""
    if not image_flavour:
        return None
    return current_name(image_flavour.removesuffix("-gpu"), say=None)


DEFAULT_FLAVOUR = "colab"  # what `localab up` starts unless a profile or --flavour says otherwise
# Names of the 0.2 release, accepted until the next one: the TensorFlow-only image was "cpu".
RENAMED = {"cpu": "tf", "gpu": "tf-gpu"}


_noted: set[str] = set()


def _notice(text: str) -> None:
    print(f"localab: {text}", file=sys.stderr)


def current_name(name: str, say=_notice) -> str:
    """A flavour's name now; an old one is accepted with a one-line notice (once)."""
    if name not in RENAMED:
        return name
    if say and name not in _noted:
        _noted.add(name)
        say(f"note: the '{name}' image is now called '{RENAMED[name]}' (TensorFlow only); the old name is accepted "
            f"until the next release")
    return RENAMED[name]

"""What an image is called: its flavour, the flavour's GPU twin and family, and the
references built from them. Every path that names an image asks here."""

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
    """The image of a runtime flavour on a GPU: cpu -> gpu, colab -> colab-gpu."""
    return "gpu" if name == "cpu" else f"{name}-gpu"


def family(image_flavour: str | None) -> str | None:
    """The flavour a user names (cpu, colab) for the image a runtime runs (gpu, colab-gpu);
    the inverse of gpu_flavour. None stays None (a runtime from before flavours were labelled)."""
    if not image_flavour:
        return None
    return "cpu" if image_flavour == "gpu" else image_flavour.removesuffix("-gpu")

"""google.colab.auth: Google credentials for client libraries (gcloud, BigQuery, GCS).

On Colab, authenticate_user() opens a Google sign-in. A localab runtime has no such
page, so it uses Application Default Credentials you provide, in this order:
1. a secret: `localab secret set GOOGLE_APPLICATION_CREDENTIALS_JSON < key.json`
   (a service-account key, or the `application_default_credentials.json` that
   `gcloud auth application-default login` writes on your own machine);
2. that same file on the drive: MyDrive/localab/gcloud/application_default_credentials.json;
3. GOOGLE_APPLICATION_CREDENTIALS already set in the kernel.
Without any, it raises at once with what to do: it never waits for a browser."""

import json
import os
import tempfile
from pathlib import Path

from localab.guest import contract

from . import errors

SECRET = "GOOGLE_APPLICATION_CREDENTIALS_JSON"
ON_DRIVE = Path("localab") / "gcloud" / "application_default_credentials.json"
HELP = (f"no Google credentials in this runtime. On your machine run `gcloud auth application-default login`, "
        f"then either `localab secret set {SECRET} < ~/.config/gcloud/application_default_credentials.json` "
        f"or copy that file to MyDrive/{ON_DRIVE}; then call auth.authenticate_user() again.")


def _secret() -> str | None:
    folder = Path(os.environ.get(contract.ENV_SECRETS_DIR, str(contract.SECRETS_MOUNT)))
    try:
        return (folder / SECRET).read_text()
    except OSError:
        return None


def authenticate_user(clear_output: bool = True, project_id: str | None = None) -> None:
    """Point Google's client libraries at the credentials found (see the module's doc)."""
    value = _secret()
    if value:
        fd, path = tempfile.mkstemp(prefix="localab-adc-", suffix=".json")  # 0600
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = path
    else:
        drive = Path(os.environ.get("LOCALAB_DRIVE", str(contract.DRIVE)))
        on_drive = drive / ON_DRIVE
        if on_drive.is_file():
            os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = str(on_drive)
        elif not Path(os.environ.get("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent")).is_file():
            raise ValueError(HELP)
    if project_id:
        os.environ["GOOGLE_CLOUD_PROJECT"] = project_id


def authenticate_service_account(clear_output: bool = True) -> None:
    """Colab Enterprise's: act as a service account. Here its key, found where
    authenticate_user looks; other credentials (a person's login) are refused at once
    with errors.AuthorizationError, and the kernel's credentials stay as they were."""
    before = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    authenticate_user(clear_output)
    path = os.environ["GOOGLE_APPLICATION_CREDENTIALS"]
    try:
        kind = json.loads(Path(path).read_text()).get("type")
    except (OSError, ValueError, AttributeError):
        kind = None
    if kind != "service_account":
        if before is None:
            os.environ.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
        else:
            os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = before
        raise errors.AuthorizationError(
            f"authenticate_service_account needs a service account's key, and the credentials found are "
            f"{kind or 'not a JSON key'!s}: create a key for the service account (IAM -> Service accounts -> "
            f"Keys) and `localab secret set {SECRET} < key.json`, or use auth.authenticate_user() for your own login")

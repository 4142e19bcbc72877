"""google.colab.auth: credentials from a secret or the drive, else an immediate error."""

import os

import pytest

from tests.utils.guest import guest_module


@pytest.fixture
def auth(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCALAB_SECRETS_DIR", str(tmp_path / "secrets"))
    monkeypatch.setenv("LOCALAB_DRIVE", str(tmp_path / "drive"))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent")  # undone after the test, whatever auth sets
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "")
    (tmp_path / "secrets").mkdir()
    return guest_module(monkeypatch, "google.colab.auth")


def test_without_credentials_it_says_what_to_do_at_once(auth):
    with pytest.raises(ValueError, match="gcloud auth application-default login") as error:
        auth.authenticate_user()
    assert "localab secret set GOOGLE_APPLICATION_CREDENTIALS_JSON" in str(error.value)


def test_a_secret_becomes_a_private_credentials_file(auth, tmp_path):
    (tmp_path / "secrets" / "GOOGLE_APPLICATION_CREDENTIALS_JSON").write_text('{"type": "authorized_user"}')
    auth.authenticate_user(project_id="my-project")
    path = os.environ["GOOGLE_APPLICATION_CREDENTIALS"]
    assert open(path).read() == '{"type": "authorized_user"}' and os.stat(path).st_mode & 0o777 == 0o600
    assert os.environ["GOOGLE_CLOUD_PROJECT"] == "my-project"


def test_the_file_on_the_drive_is_used(auth, tmp_path):
    on_drive = tmp_path / "drive" / "localab" / "gcloud" / "application_default_credentials.json"
    on_drive.parent.mkdir(parents=True)
    on_drive.write_text("{}")
    auth.authenticate_user()
    assert os.environ["GOOGLE_APPLICATION_CREDENTIALS"] == str(on_drive)


def test_a_service_accounts_key_is_taken_and_a_persons_login_refused(auth, tmp_path):
    secret = tmp_path / "secrets" / "GOOGLE_APPLICATION_CREDENTIALS_JSON"
    secret.write_text('{"type": "authorized_user"}')
    with pytest.raises(auth.errors.AuthorizationError, match="needs a service account's key") as refused:
        auth.authenticate_service_account()
    assert "authorized_user" in str(refused.value) and "localab secret set" in str(refused.value)
    assert os.environ["GOOGLE_APPLICATION_CREDENTIALS"] == "/nonexistent", "left as it was"
    secret.write_text('{"type": "service_account", "client_email": "bot@p.iam.gserviceaccount.com"}')
    auth.authenticate_service_account()
    assert "service_account" in open(os.environ["GOOGLE_APPLICATION_CREDENTIALS"]).read()


def test_no_credentials_for_a_service_account_says_what_to_do(auth):
    with pytest.raises(ValueError, match="gcloud auth application-default login"):
        auth.authenticate_service_account()



def test_bigquery_in_an_image_without_bigframes_names_the_image_that_has_it(auth, monkeypatch):
    bigquery = guest_module(monkeypatch, "google.colab.sql.bigquery")
    monkeypatch.setitem(__import__("sys").modules, "bigframes", None)  # as in the tf image
    with pytest.raises(ImportError, match=r"needs bigframes .*--flavour colab"):
        bigquery.run("SELECT 1")

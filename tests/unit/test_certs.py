import pytest

from localab.host.errors import UsageError
from localab.host.image import certs

PEM = b"-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"


@pytest.fixture
def bundle(tmp_path):
    path = tmp_path / "corp-ca.pem"
    path.write_bytes(PEM + b"junk between\n" + PEM.replace(b"fake", b"other"))
    return path


def no_pip():
    return None


def test_nothing_named_means_nothing_changes():
    assert certs.find_ca_bundle({}, no_pip) is None


@pytest.mark.parametrize("variable", certs.CA_VARIABLES)
def test_each_variable_names_a_bundle(bundle, variable):
    found = certs.find_ca_bundle({variable: str(bundle)}, no_pip)
    assert found.path == bundle and found.source == variable
    assert len(found.certificates) == 2


def test_ssl_cert_file_wins_over_the_others(bundle, tmp_path):
    other = tmp_path / "other.pem"
    other.write_bytes(PEM)
    found = certs.find_ca_bundle({"PIP_CERT": str(other), "SSL_CERT_FILE": str(bundle)}, no_pip)
    assert found.source == "SSL_CERT_FILE"


def test_pips_own_cert_setting_is_used_when_no_variable_names_one(bundle):
    found = certs.find_ca_bundle({}, lambda: str(bundle))
    assert found.source == "pip config cert"


def test_a_missing_bundle_is_a_clear_error(tmp_path):
    with pytest.raises(UsageError) as error:
        certs.find_ca_bundle({"REQUESTS_CA_BUNDLE": str(tmp_path / "nope.pem")}, no_pip)
    assert "REQUESTS_CA_BUNDLE" in str(error.value) and "does not exist" in str(error.value)


def test_a_file_without_certificates_is_refused(tmp_path):
    empty = tmp_path / "empty.pem"
    empty.write_text("not a certificate")
    with pytest.raises(UsageError, match="holds no PEM certificate"):
        certs.find_ca_bundle({"PIP_CERT": str(empty)}, no_pip)


def test_proxy_settings_pass_through():
    assert certs.proxy_settings({"HTTPS_PROXY": "http://proxy:3128", "PATH": "/bin"}) == {"HTTPS_PROXY": "http://proxy:3128"}


def test_pips_config_listing_is_read_for_cert():
    listing = "global.extra-index-url='file:///x'\nglobal.cert='/etc/corp/ca.pem'\n"
    assert certs.cert_from_listing(listing) == "/etc/corp/ca.pem"
    assert certs.cert_from_listing(":env:.cert='/e.pem'\n") == "/e.pem"
    assert certs.cert_from_listing("global.timeout='60'\n") is None

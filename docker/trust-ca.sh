#!/bin/bash
# Trust the CA certificates copied into /usr/local/share/ca-certificates/localab/ (if
# any): system store for curl, git and Python's ssl; /etc/pip.conf for pip, /etc/uv/uv.toml for uv; a marker
# the entry process reads to point requests and friends at the same bundle.
set -euo pipefail
shopt -s nullglob
certs=(/usr/local/share/ca-certificates/localab/*.crt)
if (( ${#certs[@]} == 0 )); then
  echo "trust-ca: no extra CA named by the build host; system store unchanged"
  exit 0
fi
update-ca-certificates --fresh >/dev/null
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > /etc/pip.conf
mkdir -p /etc/uv && printf 'native-tls = true\n' > /etc/uv/uv.toml
echo /etc/ssl/certs/ca-certificates.crt > /etc/localab/ca-bundle
echo "trust-ca: trusting ${#certs[@]} certificate(s) from the build host"

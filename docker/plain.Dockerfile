# The hand-rolled baseline `localab bench --compare-plain` measures localab against: what a
# user would otherwise run. Debian's Python, the same TensorFlow from PyPI with whatever
# pip resolves beside it (locked here only so the baseline is reproducible), the bench's
# workload code, and nothing of localab's: no entry process, no thread settings, no
# allocator or library settings. The bench starts it with `docker run --cpus --memory` only.
ARG BASE=localab-base:bookworm
FROM ${BASE}

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 LC_ALL=C.UTF-8

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/*

# The build host's CA (a TLS-intercepting proxy) for pip; nothing else of localab's.
COPY ca/ /usr/local/share/ca-certificates/localab/
COPY trust-ca.sh /usr/local/lib/localab/trust-ca.sh
RUN mkdir -p /etc/localab && bash /usr/local/lib/localab/trust-ca.sh

COPY lock.txt /etc/localab/lock.txt
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
      --require-hashes --no-deps --only-binary :all: -r /etc/localab/lock.txt
ENV PATH=/opt/venv/bin:${PATH} PYTHONPATH=/opt/localab/py

COPY py/ /opt/localab/py/
ARG BASE
ARG FLAVOUR=plain
ARG BUILD_TIME=unknown
ARG LOCALAB_VERSION=unknown
ARG LOCK_SHA256=unknown
RUN python /opt/localab/py/manifest.py --flavour "${FLAVOUR}" --base "${BASE}" \
      --build-time "${BUILD_TIME}" --localab-version "${LOCALAB_VERSION}" --lock-sha256 "${LOCK_SHA256}" \
      > /etc/localab/manifest.json
WORKDIR /tmp
ENTRYPOINT ["python", "-m", "localab.workloads"]

# The JupyterHub image for `localab hub.up`: the hub, configurable-http-proxy (Debian's),
# DockerSpawner and the idle culler, from the same base image, CA handling and hashed
# lock machinery as the runtime image. It spawns the runtime images (localab:colab by default).
# On a swarm it also serves the images to the nodes: Debian's docker-registry (hub.push).
ARG BASE=localab-base:bookworm
FROM ${BASE}

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=Etc/UTC

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 python3-venv ca-certificates tini curl node-configurable-http-proxy docker-registry \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/*

COPY ca/ /usr/local/share/ca-certificates/localab/
COPY trust-ca.sh /usr/local/lib/localab/trust-ca.sh
RUN mkdir -p /etc/localab && bash /usr/local/lib/localab/trust-ca.sh

COPY lock.txt /etc/localab/lock.txt
RUN python3 -m venv /opt/hub \
 && /opt/hub/bin/pip install --no-cache-dir --disable-pip-version-check \
      --require-hashes --no-deps --only-binary :all: -r /etc/localab/lock.txt
ENV PATH=/opt/hub/bin:${PATH} PYTHONPATH=/opt/localab/py

# The hub runs as root inside its own container: it drives the Docker engine (socket
# mounted by `localab hub.up`) to start each user's runtime. Runtimes themselves stay
# unprivileged, with the same caps and security options as `localab up`.
WORKDIR /srv/jupyterhub
EXPOSE 8000
# 8000: localab.hubserver.contract.PORT
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS -m 4 -o /dev/null http://127.0.0.1:8000/hub/health || exit 1
ENTRYPOINT ["/usr/bin/tini", "--", "jupyterhub", "-f", "/opt/localab/py/localab/hubserver/jupyterhub_config.py"]

COPY py/ /opt/localab/py/
ARG BASE
ARG FLAVOUR=hub
ARG BUILD_TIME=unknown
ARG LOCALAB_VERSION=unknown
ARG LOCK_SHA256=unknown
RUN /opt/hub/bin/python /opt/localab/py/manifest.py --flavour "${FLAVOUR}" --base "${BASE}" \
      --build-time "${BUILD_TIME}" --localab-version "${LOCALAB_VERSION}" --lock-sha256 "${LOCK_SHA256}" \
      > /etc/localab/manifest.json

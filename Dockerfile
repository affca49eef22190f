# guanxi in a container: the `guanxi` command (serve, load, analyze, ...) on Python 3.11.
# Built by `docker compose build` (see docker-compose.yml and docs/neo4j.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# guanxi runs as an unprivileged user; its state (API keys, audit log, an embedded
# store if no Neo4j is configured) lives in /var/lib/guanxi
RUN groupadd --system --gid 10001 guanxi \
    && useradd --system --uid 10001 --gid guanxi --home-dir /var/lib/guanxi \
        --create-home --shell /usr/sbin/nologin guanxi

WORKDIR /opt/guanxi
COPY pyproject.toml README.md ./
COPY guanxi ./guanxi
COPY graph ./graph
COPY loaders ./loaders
COPY algorithms ./algorithms
COPY api ./api
COPY viz ./viz
RUN pip install . && rm -rf build *.egg-info

USER guanxi
WORKDIR /var/lib/guanxi
ENV GUANXI_STORE=/var/lib/guanxi/guanxi.duckdb \
    GUANXI_API_KEYS_FILE=/var/lib/guanxi/guanxi.keys.json \
    GUANXI_AUDIT_LOG=/var/lib/guanxi/guanxi.audit.jsonl
EXPOSE 8000

ENTRYPOINT ["guanxi"]
CMD ["--help"]

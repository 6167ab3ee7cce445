# CamShare's production image: `python -m bot` as a non-root user (README, "Run in production").
# Written without Docker at hand: not built on the machine it was written on.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 camshare

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY sharing sharing
COPY storage storage
RUN pip install . && rm -rf /src

# The working directory is the camshare user's: the default SQLite file goes to ./data there,
# and no .env is read unless one is mounted here (compose passes the settings as variables).
USER camshare
WORKDIR /home/camshare
ENV HEALTH_PORT=8080
EXPOSE 8080 8443
CMD ["python", "-m", "bot"]

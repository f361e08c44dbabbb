#!/usr/bin/env bash
# First step of the Compose quick start: a .env from .env.example with a generated Grafana admin password,
# and the secret files docker-compose.monitoring.yml mounts, empty until you fill them in (the receivers
# they feed stay quiet until then). Leaves an existing .env and existing secret files as they are.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -e .env ]; then
  echo "[compose-init] .env exists: left as it is"
else
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  sed "s/^GRAFANA_ADMIN_PASSWORD=\$/GRAFANA_ADMIN_PASSWORD=$password/" .env.example >.env
  chmod 600 .env
  echo "[compose-init] wrote .env; Grafana's admin password is its GRAFANA_ADMIN_PASSWORD"
fi

mkdir -p alertmanager/secrets
chmod 700 alertmanager/secrets
# The secret files the Compose file declares, read from it so that the list is written once.
sed -n 's|^[[:space:]]*file: \./alertmanager/secrets/\(.*\)$|\1|p' docker-compose.monitoring.yml |
  while read -r name; do
    if [ ! -e "alertmanager/secrets/$name" ]; then
      touch "alertmanager/secrets/$name"
      # Alertmanager runs as nobody in its image and must read them.
      chmod 644 "alertmanager/secrets/$name"
      echo "[compose-init] created empty alertmanager/secrets/$name"
    fi
  done
# The ML API's control token and prediction id key: random, never empty (the API refuses short ones).
mkdir -p ml-api/secrets
chmod 700 ml-api/secrets
sed -n 's|^[[:space:]]*file: \./ml-api/secrets/\(.*\)$|\1|p' docker-compose.monitoring.yml |
  while read -r name; do
    if [ ! -e "ml-api/secrets/$name" ]; then
      od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"ml-api/secrets/$name"
      # The API runs as a non-root user in its image and must read them.
      chmod 644 "ml-api/secrets/$name"
      echo "[compose-init] created ml-api/secrets/$name"
    fi
  done
echo "[compose-init] feedback, load and unload need: Authorization: Bearer \$(cat ml-api/secrets/control-token)"
echo "[compose-init] next: docker compose -f docker-compose.monitoring.yml up -d --build"

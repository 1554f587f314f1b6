#!/bin/sh
# Publishes one message through the HTTP API with curl, prints the answer ({"epoch":…,"offset":…}).
#   HUBBUB_URL=http://127.0.0.1:3000 HUBBUB_API_KEY=… sh publish.sh news.weather '{"temp":21}'
set -eu
topic=${1:-news.weather}
data=${2:-'{"text":"hello from curl"}'}
key=${3:-curl-$(date +%s)-$$}
curl --fail-with-body --silent --show-error \
  -H "Authorization: Bearer ${HUBBUB_API_KEY:?set HUBBUB_API_KEY}" \
  -H 'Content-Type: application/json' \
  --data "{\"topic\":\"$topic\",\"data\":$data,\"key\":\"$key\"}" \
  "${HUBBUB_URL:-http://127.0.0.1:3000}/api/publish"
echo

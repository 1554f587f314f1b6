#!/bin/sh
# Writes a self-signed certificate for localhost into docker/certs (tls.crt, tls.key), for trying
# wss:// locally. Use real certificates (e.g. from your ACME client) in production.
set -eu
dir="$(dirname "$0")/certs"
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
chmod 600 "$dir/tls.key"
echo "wrote $dir/tls.crt and $dir/tls.key"

#!/usr/bin/env bash
# Makes what the three nodes must share, once: deploy/cluster/.env (passwords and keys), and in
# deploy/cluster/secrets/ the TLS certificate (HAProxy and the nodes), the Ed25519 checkpoint signing key and the
# record-signing certificate. Neither is ever committed (.gitignore). Usage: make-secrets.sh <public IP> [public URL]
set -euo pipefail
cd "$(dirname "$0")"
ip="${1:?usage: make-secrets.sh <public IP of this host> [public URL, default https://<IP>]}"
url="${2:-https://$ip}"
[ -e .env ] && { echo "deploy/cluster/.env exists; remove it to make new secrets" >&2; exit 1; }
mkdir -p secrets
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=kanyan" \
  -addext "subjectAltName=IP:$ip,DNS:localhost" -keyout secrets/tls-key.pem -out secrets/tls-cert.pem 2>/dev/null
cat secrets/tls-cert.pem secrets/tls-key.pem > secrets/haproxy.pem
openssl genpkey -algorithm ed25519 -out secrets/checkpoint-ed25519.pem
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Kanyan inspection records" \
  -keyout secrets/record-signing-key.pem -out secrets/record-signing-cert.pem 2>/dev/null
# The nodes run as uid 10001 and read these read-only.
chmod 755 secrets && chmod 644 secrets/*
cat > .env <<ENV
KANYAN_PUBLIC_IP=$ip
KANYAN_PUBLIC_URL=$url
KANYAN_ADMIN_PASSWORD=$(openssl rand -hex 12)
REDIS_PASSWORD=$(openssl rand -hex 24)
KANYAN_TURN_SECRET=$(openssl rand -hex 32)
KANYAN_PHONE_INDEX_KEY=$(openssl rand -base64 32)
KANYAN_CONTACT_KEY=$(openssl rand -base64 32)
GRAFANA_ADMIN_PASSWORD=$(openssl rand -hex 12)
# KMS_URL=ws://kms:8888/kurento    # with --profile kurento
ENV
echo "wrote deploy/cluster/.env and deploy/cluster/secrets/ (the admin password is in .env)"

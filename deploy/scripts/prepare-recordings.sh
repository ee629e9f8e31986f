#!/bin/sh
# Makes the recordings volume shared by KMS and the server safe for both (deploy/README.md, "File ownership"):
# owned by the server's uid and gid, group-writable, setgid so that every directory and file created inside
# belongs to the server's group whoever creates it. Idempotent; run as root before KMS and the server start
# (the compose service `recordings-init`).
# Usage: prepare-recordings.sh <dir> <uid> <gid>
set -eu
dir=${1:?usage: prepare-recordings.sh <dir> <uid> <gid>}
uid=${2:?uid}
gid=${3:?gid}
mkdir -p "$dir"
chown "$uid:$gid" "$dir"
chmod 2775 "$dir"
# Inspection directories already there (e.g. written by an older layout): the same rules, one level down.
find "$dir" -mindepth 1 -maxdepth 1 -type d -exec chown "$uid:$gid" {} + -exec chmod 2775 {} +

#!/usr/bin/env bash
# After a test run: lists what the tests left in their temporary directories (each module's target/test-tmp, the
# test JVMs' java.io.tmpdir; see the root pom) and exits 1 when anything is there.
# Every helper and test deletes what it makes when it finishes; a test that fails keeps its @TempDir (node and
# sentinel logs), so after a failed run this lists those too: deploy/test.sh then only warns.
# Usage: check-test-tmp.sh [module ...]   (default: every module with a target/test-tmp)
set -euo pipefail
cd "$(dirname "$0")/../.."

dirs=()
if [ $# -gt 0 ]; then
  for m in "$@"; do dirs+=("$m/target/test-tmp"); done
else
  for d in */target/test-tmp; do [ -d "$d" ] && dirs+=("$d"); done
fi

left=0
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  entries=$(find "$d" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
  [ -z "$entries" ] && continue
  count=$(printf '%s\n' "$entries" | wc -l)
  size=$(du -sh "$d" | cut -f1)
  echo "kanyan: the tests left $count entries ($size) in $d:" >&2
  # Names without their random suffix, counted, then the first few in full.
  printf '%s\n' "$entries" | sed -E 's/[0-9]{4,}.*$//; s/\.[A-Za-z0-9]{6,}$//' | sort | uniq -c | sort -rn | sed 's/^/  /' >&2
  printf '%s\n' "$entries" | head -20 | sed 's/^/    /' >&2
  left=1
done
if [ $left -eq 0 ]; then
  echo "kanyan: the tests left no temporary files (${dirs[*]:-no test-tmp directory})"
fi
exit $left

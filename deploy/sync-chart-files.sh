#!/usr/bin/env bash
# Copies policies/*.yaml and documents/*.md into the Helm chart (helm/mcp-authz/files/), the only
# place Helm (and Argo CD, which refuses symlinks leaving the chart) can read them from.
# Run after changing a policy or a document, and commit both; `npm test` fails while they differ
# (services/shared/testing/delivery.int.spec.ts).
#   deploy/sync-chart-files.sh          copy
#   deploy/sync-chart-files.sh --check  exit 1 if the copies differ, change nothing
set -euo pipefail
cd "$(dirname "$0")/.."

chart_files=helm/mcp-authz/files
check=false
[[ "${1:-}" == "--check" ]] && check=true

status=0
list_files() { find "$1" -maxdepth 1 -type f -name "$2" -printf '%f\n' | sort; }

sync_dir() {
  local source=$1 pattern=$2 target=$chart_files/$1
  mkdir -p "$target"
  if $check; then
    local listed_source listed_target f
    listed_source=$(list_files "$source" "$pattern")
    listed_target=$(list_files "$target" "$pattern")
    if [[ "$listed_source" != "$listed_target" ]]; then
      echo "$target/ and $source/ hold different files (run deploy/sync-chart-files.sh)" >&2
      status=1
      return
    fi
    for f in $listed_source; do
      if ! cmp -s "$source/$f" "$target/$f"; then
        echo "$target/$f differs from $source/$f (run deploy/sync-chart-files.sh)" >&2
        status=1
      fi
    done
    return
  fi
  find "$target" -maxdepth 1 -type f -name "$pattern" -delete
  find "$source" -maxdepth 1 -type f -name "$pattern" -exec cp {} "$target"/ \;
  echo "synced $source/$pattern -> $target/"
}

sync_dir policies '*.yaml'
sync_dir documents '*.md'
exit $status

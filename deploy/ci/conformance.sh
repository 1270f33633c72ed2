#!/usr/bin/env bash
# Runs the MCP conformance scenarios that apply to this server (stack.md) against a real MCP server
# and token service on a real PostgreSQL. Used by .github/workflows/ci.yml; runs locally the same way:
#   DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres deploy/ci/conformance.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${DATABASE_URL:?DATABASE_URL must point at a PostgreSQL the script may migrate}"
scenarios=(server-initialize ping tools-list dns-rebinding-protection)
proxy_port=9080
work=$(mktemp -d)
pids=()
# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export APP_ENV=test DATA_DIR="$work/data" SIGNING_KEYS_DIR="$work/keys" LOG_LEVEL=warn
# The suite talks to the proxy's port: the server must accept that Host, and the suite's "valid
# localhost" request also carries that loopback Origin. Everything else stays refused.
export ALLOWED_HOSTS="127.0.0.1:${proxy_port},localhost:${proxy_port}"
export ALLOWED_ORIGINS="http://127.0.0.1:${proxy_port},http://localhost:${proxy_port}"

node --import tsx services/shared/event-store/migrate-command.ts

wait_for() {
  for _ in $(seq 1 60); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "timed out waiting for $1" >&2
  return 1
}

node --import tsx services/token-service/src/server.ts &
pids+=($!)
wait_for http://127.0.0.1:8081/ready
node --import tsx services/mcp-server/src/server.ts &
pids+=($!)
wait_for http://127.0.0.1:8080/health

MCP_TOKEN=$(node --import tsx services/cli/src/token-command.ts --sub conformance@ci --scope "public:read confidential:read" --ttl 30m)
export MCP_TOKEN
node deploy/ci/auth-header-proxy.mjs "$proxy_port" 8080 &
pids+=($!)
wait_for "http://127.0.0.1:${proxy_port}/health"

status=0
for scenario in "${scenarios[@]}"; do
  echo "== conformance: $scenario"
  npx --yes @modelcontextprotocol/conformance@0.1.13 server \
    --url "http://127.0.0.1:${proxy_port}/mcp" --scenario "$scenario" || status=1
done
exit $status

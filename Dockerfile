# syntax=docker/dockerfile:1.7
# One image, three roles; the command picks the role (see helm/mcp-authz and deploy/README.md):
#   node --import ./services/shared/telemetry/register.js services/mcp-server/src/server.js     MCP server, port 8080 (default)
#   node --import ./services/shared/telemetry/register.js services/token-service/src/server.js  token service, port 8081
#   node services/shared/event-store/migrate-command.js                                         migrations, as the DB owner
#
# The services run as JavaScript compiled by `npm run build` (scripts/build.mjs, tsconfig.build.json:
# tsc without type checking, which `npm run typecheck` does in CI), not as TypeScript through tsx:
# a faster cold start, about 50 MB less memory per replica, no loader thread, and nothing written to
# disk at start, so no transform cache is needed. The build stage installs everything from the
# lockfile, compiles, then prunes the dev dependencies; the runtime stage gets the production
# node_modules and the contents of dist/ (the compiled services at their source paths, package.json
# and migrations/, which the code reads relative to its own location), and no TypeScript.
# delivery-image.int.spec.ts checks that every file the entrypoints import is compiled by the build.

ARG NODE_IMAGE=node:24-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script (the compiler is plain JavaScript);
# refusing them keeps a compromised package from running code in the build.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY services ./services
COPY migrations ./migrations
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && rm -rf node_modules/.bin
COPY policies ./policies
COPY documents ./documents
COPY deploy/db ./deploy/db
# Fail the build, not the rollout, when an entrypoint was not compiled or a file is missing.
RUN test -f dist/services/mcp-server/src/server.js \
 && test -f dist/services/token-service/src/server.js \
 && test -f dist/services/shared/event-store/migrate-command.js \
 && test -f dist/services/shared/telemetry/register.js \
 && test -f dist/package.json \
 && test -f dist/migrations/0001_audit_events.sql \
 && test -f deploy/db/grant-app-role.mjs \
 && test ! -e node_modules/tsx

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="mcp-authz" \
      org.opencontainers.image.description="Event-sourced authorization platform for remote MCP servers" \
      org.opencontainers.image.licenses="UNLICENSED"
WORKDIR /app
# DATA_DIR must be writable: in Kubernetes /tmp is an emptyDir and the root filesystem is read-only.
# HOST=0.0.0.0 because the services bind 127.0.0.1 by default.
# NODE_OPTIONS: a young generation of at most 8 MiB per semi-space instead of V8's 16. Under load
# the default lets it grow to the maximum, holding ~50 MiB more resident for no measurable gain in
# throughput or CPU per request (`npm run bench` starts the servers with the same options:
# imageNodeOptions in load-test/lib/local-stack.ts).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=8 \
    APP_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/tmp/mcp-authz \
    POLICY_DIR=/app/policies \
    DOCUMENTS_DIR=/app/documents
# Application files stay owned by root: the service user can read them but never rewrite its code.
COPY --from=build /app/node_modules ./node_modules
# The compiled services (services/**/*.js and their source maps), package.json and migrations/.
COPY --from=build /app/dist ./
COPY --from=build /app/policies ./policies
COPY --from=build /app/documents ./documents
COPY --from=build /app/deploy/db ./deploy/db
# The base image's `node` user, numerically, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8080 8081
# Node is PID 1 and the services install their own SIGTERM handler (run-until-signal.ts), which
# closes the listener and drains in-flight audit writes; no init shim is needed.
CMD ["node", "--import", "./services/shared/telemetry/register.js", "services/mcp-server/src/server.js"]

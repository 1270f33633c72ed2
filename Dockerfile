# syntax=docker/dockerfile:1.7
# One image, three roles; the command picks the role (see helm/mcp-authz and deploy/README.md):
#   node --import tsx services/mcp-server/src/server.ts              MCP server, port 8080 (default)
#   node --import tsx services/token-service/src/server.ts           token service, port 8081
#   node --import tsx services/shared/event-store/migrate-command.ts migrations, as the DB owner
#
# There is no compile step: the services run TypeScript through tsx (the project's contract). tsx is
# a devDependency and package.json is not ours to change, so the build stage installs everything
# from the lockfile, sets tsx and its own dependency closure aside, prunes the dev dependencies and
# puts tsx back. The runtime therefore gets the production tree plus exactly tsx/esbuild (lockfile
# versions, no registry resolution at that point). delivery.int.spec.ts checks that this list still
# matches tsx's closure in package-lock.json.

ARG NODE_IMAGE=node:24-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script at runtime (esbuild's postinstall only
# double-checks the platform binary that npm already installed as @esbuild/<os>-<arch>); refusing
# them keeps a compromised package from running code in the build.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts \
 && mkdir /runtime-tools \
 && cp -a node_modules/tsx node_modules/esbuild node_modules/@esbuild /runtime-tools/ \
 && npm prune --omit=dev --ignore-scripts \
 && cp -a /runtime-tools/. node_modules/ \
 && rm -rf node_modules/.bin /runtime-tools
COPY tsconfig.json ./
COPY services ./services
COPY migrations ./migrations
COPY policies ./policies
COPY documents ./documents
COPY deploy/db ./deploy/db
# Fail the build, not the rollout, when the tsx loader or an entrypoint is missing.
RUN node --import tsx -e "process.exit(0)" \
 && test -f services/mcp-server/src/server.ts \
 && test -f services/token-service/src/server.ts \
 && test -f services/shared/event-store/migrate-command.ts \
 && test -f services/shared/telemetry/register.ts \
 && test -f deploy/db/grant-app-role.mjs

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="mcp-authz" \
      org.opencontainers.image.description="Event-sourced authorization platform for remote MCP servers" \
      org.opencontainers.image.licenses="UNLICENSED"
WORKDIR /app
# DATA_DIR and tsx's transform cache must be writable: in Kubernetes /tmp is an emptyDir and the
# root filesystem is read-only. HOST=0.0.0.0 because the services bind 127.0.0.1 by default.
ENV NODE_ENV=production \
    APP_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/tmp/mcp-authz \
    POLICY_DIR=/app/policies \
    DOCUMENTS_DIR=/app/documents
# Application files stay owned by root: the service user can read them but never rewrite its code.
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/services ./services
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/policies ./policies
COPY --from=build /app/documents ./documents
COPY --from=build /app/deploy/db ./deploy/db
# The base image's `node` user, numerically, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8080 8081
# Node is PID 1 and the services install their own SIGTERM handler (run-until-signal.ts), which
# closes the listener and drains in-flight audit writes; no init shim is needed.
CMD ["node", "--import", "tsx", "--import", "./services/shared/telemetry/register.ts", "services/mcp-server/src/server.ts"]

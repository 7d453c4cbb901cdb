# One image for every process of Saga Orders: the API (default), each worker
# (`node --import tsx workers/<context>.worker.ts`) and the migration job
# (`node --import tsx scripts/migrate.ts`). TypeScript runs through tsx, as in development, so there
# is no separate compile step to drift.
#
# Why `node --import tsx` and not `npx tsx`: npx runs `sh -c tsx …`, which runs node, and a SIGTERM
# to npx does not reach node (measured with npm 11: npx exits, the worker is orphaned and never
# drains). Here node is the only process, so `docker stop` starts the worker's graceful shutdown.

# ── build: all dependencies, the Prisma client, then drop what only the build needed ──────────────
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY prisma ./prisma
COPY prisma.config.ts ./
# The web console's assets (served by the API at /), built here with the dev dependencies, which
# the prune below then drops: the runtime image carries only the built files.
COPY console ./console
COPY domain/orders/order.status.ts ./domain/orders/order.status.ts
COPY scripts/build-console.mjs ./scripts/build-console.mjs
# `prisma generate` never runs the native schema engine, but the CLI refuses to start without one
# (and would try to download it): any existing file satisfies it, so point it at node.
RUN PRISMA_SCHEMA_ENGINE_BINARY="$(command -v node)" npx prisma generate \
 && node scripts/build-console.mjs \
 && npm prune --omit=dev --no-audit --no-fund

# ── runtime ─────────────────────────────────────────────────────────────────────────────────────────
FROM node:20-bookworm-slim
# ca-certificates: the Temporal core bridge (Rust) verifies TLS against the system store, which the
# slim image lacks (Node itself carries its own CAs). Needed as soon as Temporal is reached over TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# NODE_ENV=production makes platform/config refuse the published development secrets, so a
# container started without JWT_SECRET / ADMIN_PASSWORD fails at boot instead of running insecurely.
# HOST: in a container the API must listen on every interface (its development default is 127.0.0.1).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
COPY --from=build /app/node_modules ./node_modules
COPY . .
COPY --from=build /app/generated ./generated
COPY --from=build /app/dist/console ./dist/console
# Code stays root-owned and read-only for the process (tsx keeps its cache in /tmp).
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "api/server.ts"]

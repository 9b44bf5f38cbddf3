# syntax=docker/dockerfile:1

# The Hindsight service image. One image, two roles: CMD runs the HTTP API; docker-compose.yml runs the
# Temporal worker from the same image with `node --import tsx src/main.ts worker`. TypeScript runs through
# tsx (a runtime dependency), so there is no build step. Debian slim, not Alpine: the Temporal SDK's native
# core ships glibc binaries.

FROM node:20.19.5-bookworm-slim AS deps
WORKDIR /app
# The postinstall script fetches a Temporal CLI for the embedded dev server; in containers the app talks to
# the Temporal server service instead, so the script is told to skip (it still has to exist to run).
ENV HINDSIGHT_SKIP_TEMPORAL_INSTALL=1
COPY package.json package-lock.json ./
COPY scripts/ ./scripts/
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20.19.5-bookworm-slim
ENV NODE_ENV=production \
    HINDSIGHT_SKIP_TEMPORAL_INSTALL=1 \
    HINDSIGHT_HOST=0.0.0.0 \
    HINDSIGHT_PORT=8888 \
    HINDSIGHT_DATA_DIR=/var/lib/hindsight
WORKDIR /app
# Code and dependencies stay owned by root: the service user can read them, not rewrite them.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src/ ./src/
COPY workflows/ ./workflows/
COPY activities/ ./activities/
RUN mkdir -p /var/lib/hindsight && chown node:node /var/lib/hindsight
USER node
EXPOSE 8888
# node --import tsx rather than npx tsx: one process, so stop signals reach the service directly.
CMD ["node", "--import", "tsx", "src/main.ts", "api"]

# prescale: a small non-root image that runs `prescale serve`.
#   docker build -t prescale .
#   docker run -p 8080:8080 prescale                      (the embedded demo workload)
#   docker run prescale prescale serve --config /etc/prescale/workloads.yaml --prometheus-url http://prometheus:9090
# The image runs the compiled JavaScript (`npm run build` -> dist/) in one process: bin/prescale.js
# loads dist/ when there is no src/ beside it. Run from source through tsx, the service would
# hold ~30 MiB more per process (the TypeScript loader and its source maps).
# @tensorflow/tfjs-node is optional and cannot download its native library everywhere: npm drops
# it and prescale falls back to the wasm backend.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
# MALLOC_ARENA_MAX=2: glibc gives each thread that mallocs (the engine, the API thread, every refit
# thread) arenas of its own, which keep what they freed. Two arenas shared by all held 1,000
# workloads with the network in 1,000 MiB against 1,058 MiB without (bench:service, restored from
# the same saved state; see docs/service.md). The bench runs with it too.
ENV NODE_ENV=production PORT=8080 MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# State (trained models) persists here; mount a volume to keep it across restarts.
RUN ln -s /app/bin/prescale.js /usr/local/bin/prescale \
 && mkdir -p /var/lib/prescale && chown 1000:1000 /var/lib/prescale
# uid 1000 is the image's `node` user; numeric so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
CMD ["prescale", "serve", "--state-dir", "/var/lib/prescale"]

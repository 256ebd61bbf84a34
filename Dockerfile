# prescale: a small non-root image that runs `prescale serve`.
#   docker build -t prescale .
#   docker run -p 8080:8080 prescale                      (the embedded demo workload)
#   docker run prescale prescale serve --config /etc/prescale/workloads.yaml --prometheus-url http://prometheus:9090
# The CLI runs its TypeScript through tsx (a runtime dependency), as bin/prescale.js does from a
# checkout, so there is no build step. @tensorflow/tfjs-node is optional and cannot download its
# native library everywhere: npm drops it and prescale falls back to the wasm backend.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY scripts/demo-exporter.ts ./scripts/demo-exporter.ts
# State (trained models) persists here; mount a volume to keep it across restarts.
RUN ln -s /app/bin/prescale.js /usr/local/bin/prescale \
 && mkdir -p /var/lib/prescale && chown 1000:1000 /var/lib/prescale
# uid 1000 is the image's `node` user; numeric so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
CMD ["prescale", "serve", "--state-dir", "/var/lib/prescale"]

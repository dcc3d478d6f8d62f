# One image for every host of the cluster: the daemons, rmctl and the sample application.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
# The same unprivileged user as the systemd units (README, Deployment).
RUN groupadd --system replica-manager \
  && useradd --system --gid replica-manager --home-dir /var/lib/replica-manager --create-home replica-manager
# The certificate folder of docker-compose.yml's certs volume (README "Security").
RUN mkdir -m 0700 /var/lib/replica-manager-certs && chown replica-manager:replica-manager /var/lib/replica-manager-certs
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/proto ./proto
COPY --from=build /app/examples/bin ./examples/bin
COPY --from=build /app/package.json ./package.json
COPY deploy/docker ./deploy/docker
# rmctl and rmd on the PATH, so that `docker compose exec h2 rmctl status` works (bin links, as npm makes them).
RUN ln -s /app/bin/rmctl.js /usr/local/bin/rmctl && ln -s /app/bin/rmd.js /usr/local/bin/rmd
USER replica-manager
ENV RM_CONFIG=/app/deploy/docker/cluster.yaml
ENTRYPOINT ["/app/deploy/docker/host-entrypoint.sh"]

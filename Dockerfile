# Static-only image for a Hugging Face Docker Space (app_port 7860).
# Stage 1 builds the app with the same pinned toolchain and the same command as the README;
# stage 2 is Debian's nginx serving dist/ as UID 1000, with the config the tests run against.

# ---- build ---------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS node

FROM rust:1.95-bookworm AS build
# Node 20, as on the development machines (binaryen 132 from npm provides wasm-opt).
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && apt-get update \
    && apt-get install -y --no-install-recommends python3 brotli \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Tools first, so their (slow) install is cached while the sources change.
COPY package.json package-lock.json ./
COPY scripts/dev.sh scripts/dev.sh
RUN scripts/dev.sh tools
COPY . .
RUN scripts/dev.sh build

# ---- serve ---------------------------------------------------------------------------------
FROM debian:bookworm-slim
# nginx-light 1.22 with Debian's brotli_static module; curl for the health check only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light libnginx-mod-http-brotli-static curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 1000 --create-home --shell /usr/sbin/nologin app
COPY --chown=root:root deploy/nginx.conf.template deploy/headers.conf deploy/start-nginx.sh /etc/app-nginx/
COPY --from=build --chown=root:root /src/target/nginx/csp_hashes.conf /etc/app-nginx/csp_hashes.conf
COPY --from=build --chown=root:root /src/dist /srv/www
USER 1000
ENV PORT=7860 WEB_ROOT=/srv/www CONF_DIR=/etc/app-nginx RUN_DIR=/tmp/nginx
EXPOSE 7860
# Through sh, so the check follows a PORT set at run time (docker run -e PORT=...).
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS -o /dev/null \"http://127.0.0.1:${PORT}/index.html\""]
ENTRYPOINT ["/etc/app-nginx/start-nginx.sh"]

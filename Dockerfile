# GridTokenX node on the official Deno image, pinned to the Deno version the
# project is built and tested with (.ci/run, README).
#
#   docker build -t gridtokenx-node .
#   docker run -d --name gridtokenx -p 8080:8080 -p 9000:9000 \
#     -v gridtokenx-data:/app/data -e GRIDTOKENX_PASSPHRASE=... gridtokenx-node
FROM denoland/deno:2.9.6

WORKDIR /app

COPY --chown=root:root . /app
# Container defaults: API and p2p on all interfaces, data in /app/data, JSON logs.
COPY --chown=root:root deploy/docker-config.toml /app/config.toml

# The data volume, the logs and the console bundle belong to the unprivileged
# user `deno` (uid 1993) of the image; the code stays owned by root.
RUN mkdir -p /app/data /app/logs /app/static/build \
  && chown deno:deno /app/data /app/logs /app/static/build

USER deno

# Dependencies and the console's browser bundle are fetched/built once, at
# image build time (the running node has no permission to do either).
RUN deno cache main.ts \
  && deno bundle --quiet --platform browser --minify -o static/build/boot.js islands/boot.ts

VOLUME ["/app/data"]
EXPOSE 8080 9000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:8080/api/v1/status'); Deno.exit(r.ok ? 0 : 1);"]

ENTRYPOINT ["deno", "run", "--v8-flags=--expose-gc", "--allow-net", "--allow-read=.", "--allow-write=./data,./logs", "--allow-env", "--allow-sys=hostname,osRelease,networkInterfaces", "main.ts"]
CMD ["start", "--config", "/app/config.toml", "--data-dir", "/app/data", "--api-host", "0.0.0.0"]

# Multi-stage build: compile with the Rust toolchain, run on a slim Debian
# (SQLite, libpq and OpenSSL are built into the binary).
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# Build settings (SQLite's memory-map cap for the prepared items).
COPY .cargo .cargo
COPY src src
COPY migrations migrations
# The data dictionary is compiled in.
COPY data/dictionary.csv data/dictionary.csv
RUN cargo build --release --locked --bin gobierno-abierto-gt

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app gagt && mkdir -p /app/var && chown gagt /app/var
WORKDIR /app
COPY --from=build /src/target/release/gobierno-abierto-gt /usr/local/bin/gobierno-abierto-gt
COPY data data
COPY openapi openapi
USER gagt
ENV HOST=0.0.0.0 PORT=8080 GAGT_DATA_DIR=/app/var RUST_LOG=info
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fs http://127.0.0.1:8080/readyz || exit 1
CMD ["gobierno-abierto-gt", "serve"]

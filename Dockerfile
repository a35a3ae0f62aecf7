# mdfan image: `mdfan` on the PATH, the example configs in /etc/mdfan.
#   docker build -t mdfan:local .
#   docker run --rm mdfan:local --help
# Built with the repository's own scripts, so the image and a developer machine build the same way.
FROM debian:12 AS build
WORKDIR /src
# Dependencies first: this layer is reused until the package list changes.
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN MDFAN_BUILD_TESTS=OFF scripts/build.sh mdfan && strip build/src/app/mdfan

FROM debian:12-slim
# The shared libraries mdfan links (ldd build/src/app/mdfan), CA certificates for wss:// exchanges,
# and bash for the Compose health checks.
RUN apt-get update -qq \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
     libhiredis0.14 libfmt9 libspdlog1.10 libsimdjson14 libssl3 ca-certificates bash \
  && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/src/app/mdfan /usr/local/bin/mdfan
COPY config/ /etc/mdfan/
RUN useradd --system --no-create-home mdfan
USER mdfan
# Inside a container, listen on every interface.
ENV MDFAN_LISTEN=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["mdfan"]

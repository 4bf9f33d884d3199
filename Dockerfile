# syntax=docker/dockerfile:1
# kpx's image: Node 24 (TypeScript runs unbuilt through Node's type stripping, so the image
# needs Node itself but not the `node` dev dependency the checkout pins), the node agent's
# workspace package (packages/agent: run, render, explain) without tests, its production npm
# dependencies, and the kernel tools kpx runs. The lab, the kernel VM harness and the embedded
# API server are other workspace packages: the image holds none of them.
#
#   docker build -t REGISTRY/kpx:TAG .
#
# The base is Debian-based node:24-slim; pin it by digest for reproducible builds
# (node:24-slim@sha256:...).
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /opt/kpx
COPY package.json package-lock.json ./
COPY packages/agent/package.json ./packages/agent/
# The agent workspace's production dependencies only: no vitest, tsc, eslint, and no `node` package (the base
# image is the runtime). koffi's native library comes prebuilt in its per-platform optional
# package (@koromix/koffi-linux-x64, -arm64, ...) from the lock file.
# Source maps, type declarations and READMEs are half of node_modules (mostly the client
# library's generated models) and Node loads none of them. node_modules/@kpx holds only the
# workspace's link to packages/agent, which the image copies to its root instead.
RUN npm ci --omit=dev --workspace @kpx/agent --no-audit --no-fund \
 && npm cache clean --force \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.md' \) -delete \
 && rm -rf node_modules/@kpx

FROM ${NODE_IMAGE}
# iptables: both backends, iptables-nft and iptables-legacy (and their -save/-restore); kpx
#   decides per node which one kubelet uses, as kube-proxy's image wrapper does, and always
#   calls the backend's binaries by name, so Debian's `iptables` alternative (nft) only
#   matters to a person running `iptables` by hand in the container.
# The packages are deploy/debian-packages.txt's `image` rows (scripts/debian-packages.sh reads it).
# ipset, ipvsadm: IPVS mode. nftables: `nft` for the nftables mode. conntrack: deleting stale UDP flows. iproute2: `ip` for the
#   kube-ipvs0 / kpx-svc0 interfaces. kmod: `modprobe` for the IPVS overlay's init container.
# npm, npx and corepack are build tools: the running image has no use for them.
COPY deploy/debian-packages.txt scripts/debian-packages.sh /tmp/kpx-packages/
RUN apt-get update \
 && apt-get install -y --no-install-recommends $(bash /tmp/kpx-packages/debian-packages.sh image) \
 && rm -rf /var/lib/apt/lists/* /tmp/kpx-packages \
 && iptables-nft --version && iptables-legacy --version \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /opt/kpx
ENV NODE_ENV=production
COPY --from=dependencies /opt/kpx/node_modules ./node_modules
COPY packages/agent/package.json ./
COPY packages/agent/bin ./bin
COPY packages/agent/src ./src
# Runs as root with the capabilities the DaemonSet grants (NET_ADMIN, NET_RAW, ...):
# Kubernetes gives a non-root user no ambient capabilities, so a non-root kpx and the
# iptables/ip/ipset tools it runs could not program the kernel.
USER 0
ENTRYPOINT ["node", "bin/kpx.mjs"]
CMD ["run", "--help"]

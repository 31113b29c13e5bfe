#!/usr/bin/env bash
# Installs the Debian packages the runner and its tests need, when they are missing.
# libunicorn2: the CPU emulator; busybox-static: the real programs; musl-tools: builds the probe programs;
# qemu-user: the end-to-end benchmark's comparison point; golang-go: the Go programs and standard-library test binaries.
set -euo pipefail
need=()
for pkg in libunicorn2 busybox-static musl-tools qemu-user golang-go; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

#!/usr/bin/env bash
# Installs the Debian 12 packages Conductor builds and tests with. Idempotent: packages that are
# already installed are skipped, and apt is only touched when something is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git
  verilator libsystemc-dev
  dpdk-dev libdpdk-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libpcap-dev
  libcli11-dev nlohmann-json3-dev
  clang clang-format libclang-rt-14-dev
  yosys tshark
  keepalived iproute2 iptables
  python3
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${SUDO[@]}" debconf-set-selections
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Installs everything the dashboard needs on a fresh Debian/Ubuntu machine, Export PDF
# included: the system Chromium (kaleido draws the figures with it), pango and fonts
# (WeasyPrint prints the pages; Noto covers Arabic script), then the package itself.
#
#   bash install.sh           the product
#   bash install.sh --test    the product and what the tests need (poppler, test extras)
#
# apt-get needs root: run as root, or as a user with sudo. Nothing is downloaded but
# Debian and PyPI packages.
set -euo pipefail
cd "$(dirname "$0")"

SYSTEM_PACKAGES=(chromium fonts-dejavu-core fonts-noto-core libpango-1.0-0 libpangoft2-1.0-0)
PIP_TARGET="."
if [ "${1:-}" = "--test" ]; then
    SYSTEM_PACKAGES+=(poppler-utils)
    PIP_TARGET=".[test]"
elif [ -n "${1:-}" ]; then
    echo "usage: bash install.sh [--test]" >&2
    exit 2
fi

export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
if ! command -v apt-get >/dev/null; then
    echo "install.sh: no apt-get here; install these with your system's package manager," \
        "then run: python3 -m pip install -e '$PIP_TARGET'" >&2
    echo "  ${SYSTEM_PACKAGES[*]}" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then
        SUDO="sudo"
        echo "install.sh: system packages need root; asking sudo for: apt-get install" \
            "${SYSTEM_PACKAGES[*]}" >&2
    else
        echo "install.sh: system packages need root and there is no sudo. As root, run:" >&2
        echo "  apt-get update && apt-get install -y ${SYSTEM_PACKAGES[*]}" >&2
        echo "then run this script again." >&2
        exit 1
    fi
fi

missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
        missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install.sh: apt-get install ${missing[*]}" >&2
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "install.sh: pip install -e '$PIP_TARGET'" >&2
python3 -m pip install -q -e "$PIP_TARGET"
# An editable install leaves the package's own modules uncompiled (pip compiles only what
# it copies), and a host with PYTHONDONTWRITEBYTECODE set never writes their bytecode:
# every server start and command would compile a hundred modules again. Compiled once
# here, as pip does for a wheel.
python3 -m compileall -q -j 0 geodata indicators workspace dashboard >/dev/null

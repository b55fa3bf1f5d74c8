#!/usr/bin/env bash
# Install everything cardscan needs on Debian: system packages, .venv, the project itself.
# Idempotent and fast on a second run: apt only when a package is missing, pip only when
# pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-chi-sim poppler-utils
  fonts-lxgw-wenkai fonts-arphic-ukai fonts-arphic-uming fonts-noto-cjk fonts-wqy-zenhei
  chromium
  postgresql redis-server libreoffice-calc-nogui
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg -s "$pkg" >/dev/null 2>&1; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi

stamp=.venv/.cardscan-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" || ! -x .venv/bin/cardscan ]]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" >"$stamp"
fi
echo "setup: ready"

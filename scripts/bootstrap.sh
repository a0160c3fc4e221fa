#!/usr/bin/env bash
# Install what Kontaktcenter needs on a fresh Debian machine, idempotently:
# Debian packages (only when missing), the virtual environment .venv and the Python packages.
#   scripts/bootstrap.sh            server + test dependencies
#   BOOTSTRAP_SERVICES=1 ...        also PostgreSQL and Redis (for the test suite)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)  # typed talsvar messages (telephony_centrex)
# diarium intake: OCR with Tesseract's Swedish model (ocrmypdf needs Ghostscript) and
# cover-sheet barcodes (libzbar0 for pyzbar)
for pkg in tesseract-ocr tesseract-ocr-swe ghostscript libzbar0; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ "${BOOTSTRAP_SERVICES:-0}" = "1" ]; then
  command -v pg_ctlcluster >/dev/null || need_apt+=(postgresql)
  command -v redis-server >/dev/null || need_apt+=(redis-server)
  # Mina ärenden's accessibility test: axe-core in headless Chromium
  command -v chromium >/dev/null || need_apt+=(chromium chromium-driver)
  command -v npm >/dev/null || need_apt+=(nodejs npm)
  # diarium intake's shared-mailbox tests: a real IMAP server (run by the test fixtures)
  dpkg -s dovecot-imapd >/dev/null 2>&1 || need_apt+=(dovecot-imapd)
fi
# Qt for the desktop client: its tests (offscreen platform) and screenshots (Xvfb)
for pkg in libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core xvfb; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[bootstrap] installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = "0" ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "[bootstrap] creating .venv"
  python3 -m venv .venv
fi
STAMP=.venv/.kontakt-deps
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ] || ! .venv/bin/python -c 'import core' 2>/dev/null; then
  echo "[bootstrap] installing Python packages"
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test,desktop]"
  echo "$WANT" > "$STAMP"
fi

if [ "${BOOTSTRAP_SERVICES:-0}" = "1" ] && [ ! -f .cache/npm/node_modules/axe-core/axe.min.js ]; then
  echo "[bootstrap] installing axe-core into .cache/npm"
  mkdir -p .cache/npm
  npm install --prefix .cache/npm --no-audit --no-fund --silent axe-core >/dev/null
fi

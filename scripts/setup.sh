#!/usr/bin/env bash
# Installs the Debian packages the tests need and that a fresh machine may lack:
# openssl makes the certificates of the TLS tests (scripts/test-certs.mjs).
set -euo pipefail
missing=()
command -v openssl >/dev/null || missing+=(openssl)
if ((${#missing[@]} > 0)); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}"
fi

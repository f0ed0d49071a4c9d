#!/usr/bin/env bash
# Installs the Debian packages the tests need and that a fresh machine may lack:
# openssl makes the certificates of the TLS tests (scripts/test-certs.mjs), slapd is
# the OpenLDAP server the LDAP tests start on loopback with a directory of their own
# (tests/ldap-server.ts; the system-wide slapd the package sets up is not used), and
# chromium is the browser the demo's end-to-end test drives (tests/demo-browser.test.ts).
set -euo pipefail
missing=()
command -v openssl >/dev/null || missing+=(openssl)
[[ -x /usr/sbin/slapd ]] || missing+=(slapd)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
if ((${#missing[@]} > 0)); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

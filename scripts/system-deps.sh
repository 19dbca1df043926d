#!/usr/bin/env bash
# System tools the tests use, from Debian's packages: logrotate (the external-rotation tests run
# the real one against live writers); rsyslog with its RELP and OpenSSL modules (the
# @fanin/syslog tests ship to a real rsyslogd), openssl; librsvg2-bin (the bench's PNG chart). Installs only what is missing.
set -euo pipefail
missing=()
if ! command -v logrotate >/dev/null 2>&1 && [ ! -x /usr/sbin/logrotate ]; then missing+=(logrotate); fi
if ! command -v rsyslogd >/dev/null 2>&1 && [ ! -x /usr/sbin/rsyslogd ]; then missing+=(rsyslog); fi
have_module() { compgen -G "/usr/lib/*/rsyslog/$1.so" >/dev/null || [ -e "/usr/lib/rsyslog/$1.so" ]; }
if ! have_module imrelp; then missing+=(rsyslog-relp); fi
if ! have_module lmnsd_ossl; then missing+=(rsyslog-openssl); fi
# The RELP-over-TLS test makes a throwaway CA with the openssl CLI.
if ! command -v openssl >/dev/null 2>&1; then missing+=(openssl); fi
# The bench writes its chart as PNG too, with rsvg-convert.
if ! command -v rsvg-convert >/dev/null 2>&1; then missing+=(librsvg2-bin); fi
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null

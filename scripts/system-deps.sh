#!/usr/bin/env bash
# System tools the tests use, from Debian's packages: logrotate (the external-rotation tests run
# the real one against live writers). Installs only what is missing.
set -euo pipefail
if command -v logrotate >/dev/null 2>&1 || [ -x /usr/sbin/logrotate ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq logrotate >/dev/null

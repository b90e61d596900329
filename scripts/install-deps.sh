#!/bin/sh
# Installs what Fortress needs to build and test on Debian 12 (bookworm).
# Idempotent: does nothing when everything is already installed.
set -eu
PKGS="build-essential cmake pkg-config git libsodium-dev libsqlite3-dev sqlite3 libjansson-dev libutf8proc-dev libcsv-dev libzxcvbn-dev libgfshare-dev libcmocka-dev libarchive-dev libexpat1-dev libgmime-3.0-dev libpoppler-glib-dev libhpdf-dev libcurl4-openssl-dev python3-aiosmtpd poppler-utils python3-jsonschema libphonenumber-dev libprotobuf-dev libabsl-dev libicu-dev ripgrep clang libclang-rt-14-dev libmicrohttpd-dev liboath-dev libqrencode-dev openssl wrk chromium chromium-driver python3-selenium libpq-dev postgresql"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null

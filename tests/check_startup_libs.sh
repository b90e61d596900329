#!/bin/sh
# check_startup_libs.sh FORTRESS - the libraries only some commands use are
# loaded with dlopen() by their first user (src/util/dl.h), not linked: a
# scan of plain files or a SQLite command must not map and relocate them at
# start-up (44.7 M instructions with them, 11.8 M without; bench/README.md,
# wt-scantree).  Fails naming each one found among the binary's NEEDED
# entries or, transitively, among what the dynamic loader maps for it.
set -u
BIN=${1:?usage: check_startup_libs.sh FORTRESS}
LAZY='libpq\.so|libmicrohttpd\.so|libqrencode\.so|libhpdf|libgmime|libgio-2|libgobject-2|libglib-2|libarchive\.so|libcurl\.so|libpoppler|libssl\.so|libgnutls\.so'
[ -x "$BIN" ] || { echo "check_startup_libs: $BIN is not an executable" >&2; exit 2; }
needed=$(objdump -p "$BIN" | awk '$1 == "NEEDED" { print $2 }')
[ -n "$needed" ] || { echo "check_startup_libs: no NEEDED entries read from $BIN" >&2; exit 2; }
mapped=$(LD_TRACE_LOADED_OBJECTS=1 "$BIN" | awk '{ print $1 }')
# the pattern must find what it is meant to find (a check that matches
# nothing would pass silently)
printf 'libpq.so.5\nlibgmime-3.0.so.0\nlibarchive.so.13\n' | grep -Eq "$LAZY" ||
	{ echo "check_startup_libs: the pattern matches nothing" >&2; exit 2; }
bad=$(printf '%s\n%s\n' "$needed" "$mapped" | grep -E "$LAZY" | sort -u)
if [ -n "$bad" ]; then
	echo "fortress maps at start-up what only some commands use (load it with fort_dl_need, src/util/dl.h):" >&2
	echo "$bad" >&2
	exit 1
fi
echo "ok: $(printf '%s\n' "$mapped" | grep -c .) objects mapped at start-up, none of the lazily loaded ones"

#!/bin/sh
# check_startup_libs.sh FORTRESS [static] - the libraries only some commands
# use are loaded with dlopen() by their first user (src/util/dl.h), not
# linked: a scan of plain files or a SQLite command must not map and
# relocate them at start-up (44.7 M instructions with them, 11.8 M without;
# bench/README.md, wt-scantree).  With "static" (the build's
# FORTRESS_STATIC_DEPS, off under the sanitizers) the C++ stack under the
# phone numbers (libphonenumber, protobuf, abseil, ICU, libstdc++) and SQLite
# are linked into the binary: none of them may be mapped either (11.8 M ->
# 1.3 M; bench/README.md, wt-tree).  Fails naming each one found among the
# binary's NEEDED entries or, transitively, among what the dynamic loader
# maps for it.
set -u
BIN=${1:?usage: check_startup_libs.sh FORTRESS [static]}
LAZY='libpq\.so|libmicrohttpd\.so|libqrencode\.so|libhpdf|libgmime|libgio-2|libgobject-2|libglib-2|libarchive\.so|libcurl\.so|libpoppler|libssl\.so|libgnutls\.so'
if [ "${2:-}" = static ]; then
	LAZY="$LAZY|libphonenumber|libprotobuf|libicu|libabsl_|libstdc\+\+|libgcc_s|libsqlite3"
	[ "$(printf 'libphonenumber.so.8\nlibicudata.so.72\nlibstdc++.so.6\nlibsqlite3.so.0\n' | grep -Ec "$LAZY")" = 4 ] ||
		{ echo "check_startup_libs: the static pattern misses one of its libraries" >&2; exit 2; }
	# and nothing new at start-up unnoticed: the 12 objects of today
	# (vdso, ld.so, libc, libm, libsodium, libjansson, libutf8proc,
	# liboath, libcsv, libzxcvbn, libgfshare, libexpat)
	MAX_MAPPED=12
fi
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
	echo "fortress maps at start-up what only some commands use (load it with fort_dl_need, src/util/dl.h)" >&2
	echo "or what it links statically (FORTRESS_STATIC_DEPS, CMakeLists.txt):" >&2
	echo "$bad" >&2
	exit 1
fi
n=$(printf '%s\n' "$mapped" | grep -c .)
if [ -n "${MAX_MAPPED:-}" ] && [ "$n" -gt "$MAX_MAPPED" ]; then
	echo "fortress maps $n objects at start-up, more than the $MAX_MAPPED it did (a new library linked? load it" >&2
	echo "with fort_dl_need, src/util/dl.h, or raise MAX_MAPPED here saying why):" >&2
	printf '%s\n' "$mapped" >&2
	exit 1
fi
echo "ok: $(printf '%s\n' "$mapped" | grep -c .) objects mapped at start-up, none of the lazily loaded ones"

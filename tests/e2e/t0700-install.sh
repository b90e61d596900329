#!/usr/bin/env bash
# `cmake --install` puts the binary, the library, the header, the pkg-config
# file and the man page in place, and a program built against the installed
# library with pkg-config works.
. "$E2E_LIB"

install_and_build() {
	local prefix=$TRASH/prefix pc
	if [ -z "${FORTRESS_BUILD_DIR:-}" ] || ! command -v cmake >/dev/null || ! command -v pkg-config >/dev/null; then
		echo "    (skipped: needs FORTRESS_BUILD_DIR, cmake and pkg-config)" >&2
		return 0
	fi
	run cmake --install "$FORTRESS_BUILD_DIR" --prefix "$prefix" &&
	expect_eq "$RC" 0 || return 1
	for f in bin/fortress include/fortress.h share/man/man1/fortress.1 share/bash-completion/completions/fortress \
		 share/zsh/site-functions/_fortress share/fish/vendor_completions.d/fortress.fish; do
		[ -e "$prefix/$f" ] || { _fail "cmake --install did not install $f"; return 1; }
	done
	pc=$(find "$prefix" -name fortress.pc | head -n 1)
	[ -n "$pc" ] || { _fail "no fortress.pc installed"; return 1; }
	ls "$prefix"/lib*/libfortress.a "$prefix"/lib*/libfortress.so >/dev/null 2>&1 ||
		ls "$prefix"/lib/*/libfortress.a >/dev/null 2>&1 || { _fail "libfortress.a/.so not installed"; return 1; }
	if [ "${FORTRESS_SANITIZE:-OFF}" = ON ]; then
		echo "    (sanitizer build: the program is not linked against it)" >&2
		return 0
	fi
	cat >"$TRASH/prog.c" <<'PROG'
#include <fortress.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	fort_vault *v;
	fort_secret *pass;
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	char id[FORT_ID_LEN + 1], (*ids)[FORT_ID_LEN + 1] = NULL;
	size_t n = 0;
	const char *pp = "orbit-velvet-cactus-lantern-meadow-pillow";
	const fort_kv kv[] = { { "full_name", "Pia Prog" }, { "email", "pia@example.org" } };
	if (argc < 2 || fort_library_init() < 0 || fort_secret_new(&pass, pp, strlen(pp)) < 0)
		return 2;
	o.business = "Prog"; o.owner = "Pia"; o.kdf = FORT_KDF_INTERACTIVE;
	if (fort_vault_create(&v, argv[1], &o, pass) < 0 || fort_client_add(id, v, kv, 2) < 0 ||
	    fort_client_find(&ids, &n, v, "email", "PIA@example.org") < 0 || n != 1 || strcmp(ids[0], id) != 0) {
		fprintf(stderr, "prog: %s\n", fort_error_message());
		return 1;
	}
	printf("%s %s\n", fort_version(), id);
	free(ids);
	fort_vault_close(v);
	fort_secret_free(pass);
	return 0;
}
PROG
	local pcdir
	pcdir=$(dirname "$pc")
	run sh -c "cc -o '$TRASH/prog' '$TRASH/prog.c' \$(PKG_CONFIG_PATH='$pcdir' pkg-config --define-variable=prefix='$prefix' --cflags fortress) \
		\$(PKG_CONFIG_PATH='$pcdir' pkg-config --define-variable=prefix='$prefix' --libs fortress)" &&
	expect_eq "$RC" 0 &&
	run env LD_LIBRARY_PATH="$(dirname "$pcdir")" "$TRASH/prog" "$TRASH/prog.db" &&
	expect_eq "$RC" 0 &&
	expect_match "$OUT" "^[0-9.]+ c-[0-9a-f]{16}$"
}

test_expect 'cmake --install and a program built with pkg-config against the library' '
	install_and_build
'
test_done

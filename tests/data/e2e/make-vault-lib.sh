# make-vault-lib.sh: what the make-vault-vN.sh fixture scripts share,
# sourced by each after `set -eu` with F=FORTRESS and OUT set.  make_vault
# INIT-ARGS... makes a vault in a private temporary folder (removed at
# exit) with tests/e2e/lib.sh's passphrase, "fortress init" given INIT-ARGS
# after the business's and owner's names, and exports FORTRESS_VAULT and
# FORTRESS_PASSPHRASE_FILE for the script's commands; T is the folder.
# vault_out checkpoints the WAL into the file and copies it to OUT.
make_vault() {
	T=$(mktemp -d)
	trap 'rm -rf "$T"' EXIT
	export HOME=$T LC_ALL=C.UTF-8 TMPDIR=$T
	export FORTRESS_VAULT=$T/vault.db FORTRESS_PASSPHRASE_FILE=$T/pass
	( umask 077; printf '%s\n' 'quartz-lantern-hobbit-marzipan-oxbow-tundra-velcro' >"$T/pass" )
	"$F" init --name "Schmidt Steuerberatung" --owner "Jana Schmidt" --kdf interactive "$@" >/dev/null
}

vault_out() {
	sqlite3 "$T/vault.db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
	cp "$T/vault.db" "$OUT"
}

/* cmd_quarantine.c - `fortress quarantine FILE...`: move files with client
 * data into the vault as encrypted attachments (fort_quarantine). */
#include <string.h>

#include "cli.h"

static int cmd_quarantine(struct cli *c)
{
	json_t *arr = c->json ? json_array() : NULL;
	int rc = EXIT_OK;

	for (size_t i = 0; i < c->args.npos; i++) {
		const char *path = c->args.pos[i];
		fort_quarantine_report rep;
		int r = fort_quarantine(&rep, c->vault, path);

		if (r < 0) {
			int ex = cli_fail(c, r, NULL);

			if (rc == EXIT_OK)
				rc = ex;
			continue;
		}
		if (arr) {
			json_t *cl = json_array();

			for (size_t k = 0; k < rep.nclients && k < 16; k++)
				json_array_append_new(cl, json_string(rep.clients[k]));
			json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:s, s:o, s:b}", "file", path, "attachment",
							     (json_int_t)rep.attachment, "findings", (json_int_t)rep.findings,
							     "categories", rep.categories, "clients", cl, "removed", rep.removed));
			continue;
		}
		printf("quarantined %s as attachment %lld: %llu finding%s, categories %s, clients", path,
		       (long long)rep.attachment, (unsigned long long)rep.findings, rep.findings == 1 ? "" : "s", rep.categories);
		for (size_t k = 0; k < rep.nclients && k < 16; k++)
			printf("%s%s", k ? "," : " ", rep.clients[k]);
		printf("%s; the original was overwritten and removed\n", rep.nclients ? "" : " none");
	}
	if (arr) {
		int ex = cli_print_json(c, arr);

		if (rc == EXIT_OK)
			rc = ex;
	}
	return rc;
}

const struct cli_cmd cmd_quarantine_def = {
	.name = "quarantine", .fn = cmd_quarantine, .flags = NEEDS_UNLOCK,
	.summary = "move files with client data into the vault (encrypted), then remove them",
	.synopsis = "FILE... [--json]", .min_args = 1, .max_args = -1, .args_name = "FILE",
	.description =
		"Scans each FILE with the vault (known clients are linked), stores it as an\n"
		"encrypted attachment gated by the categories found in it, commits, and only\n"
		"then overwrites the original with zeros (fsync) and unlinks it. On a failure\n"
		"before the commit the file stays and the vault is unchanged.\n"
		"\n"
		"WARNING: SSDs (wear levelling), journaling and copy-on-write filesystems\n"
		"(btrfs, ZFS, APFS), snapshots, backups and sync clients may keep copies of\n"
		"the old content that overwriting cannot reach.\n"
		"\n"
		"Refused: the vault's own files, directories, symlinks, special files, files\n"
		"with other hard links. 'fortress attachment list|get|remove' manage them.\n",
};

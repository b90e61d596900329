/* cmd_intake.c - `fortress intake create|list|show|remove|submit|review|accept|reject`:
 * write-only intake forms (issue 18).  `submit` needs no passphrase: it is
 * what the form page calls, and it can read nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "cli.h"
#include "front/shapes.h"

/* "a,b,c" into a malloc'ed array of pointers into BUF (which it cuts). */
static size_t split_list(char *buf, const char ***out)
{
	size_t n = 0, cap = 0;
	const char **arr = NULL;
	char *save = NULL;

	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		if (n == cap) {
			const char **na;

			cap = cap ? cap * 2 : 8;
			if (!(na = realloc(arr, cap * sizeof *arr))) {
				free(arr);
				*out = NULL;
				return 0;
			}
			arr = na;
		}
		arr[n++] = tok;
	}
	*out = arr;
	return n;
}

static json_t *list_json(const char *csv)
{
	json_t *a = json_array();
	char *buf = strdup(csv), *save = NULL;

	for (char *tok = buf ? strtok_r(buf, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(tok));
	free(buf);
	return a;
}

static const struct cli_opt create_opts[] = {
	{ "fields", 0, OPT_VALUE, "LIST", "data-map fields the form asks for, comma-separated (required)" },
	{ "consents", 0, OPT_VALUE, "LIST", "purposes the form asks consent to, comma-separated" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int create_check(struct cli *c)
{
	if (!cli_str(c, "fields"))
		return cli_usage_error(c, "say what the form asks for: --fields email,name");
	return EXIT_OK;
}

static int cmd_create(struct cli *c)
{
	char *fbuf = strdup(cli_str(c, "fields")), *cbuf = strdup(cli_str(c, "consents") ? cli_str(c, "consents") : "");
	const char **fields = NULL, **consents = NULL;
	size_t nf, nc;
	int r;

	if (!fbuf || !cbuf) {
		free(fbuf);
		free(cbuf);
		return cli_error(c, EXIT_IO, "out of memory");
	}
	nf = split_list(fbuf, &fields);
	nc = split_list(cbuf, &consents);
	r = fort_intake_create(c->vault, cli_pos(c, 0), fields, nf, consents, nc);
	free(fields);
	free(consents);
	free(fbuf);
	free(cbuf);
	if (r < 0)
		return cli_fail(c, r, r == FORT_ENOTFOUND ? "'fortress map show' lists the fields and purposes" : NULL);
	if (c->json) {
		fort_intake_form f;

		if ((r = fort_intake_show(&f, c->vault, cli_pos(c, 0))) < 0)
			return cli_fail(c, r, NULL);
		return cli_print_json(c, shape_intake_form(&f));
	}
	if (!c->quiet)
		printf("intake form %s created: submissions go to 'fortress intake submit %s --file F'\n", cli_pos(c, 0), cli_pos(c, 0));
	return EXIT_OK;
}

static int cmd_list(struct cli *c)
{
	fort_intake_form *f = NULL;
	size_t n = 0;
	int r;

	if ((r = fort_intake_list(&f, &n, c->vault)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, shape_intake_form(&f[i]));
		free(f);
		return cli_print_json(c, arr);
	}
	if (n == 0 && !c->quiet)
		printf("no intake forms ('fortress intake create NAME --fields ...' makes one)\n");
	else if (n)
		printf("%s%-20s %-8s %-36s %s%s\n", cli_bold(c), "FORM", "PENDING", "FIELDS", "CONSENTS", cli_reset(c));
	for (size_t i = 0; i < n; i++)
		printf("%-20s %-8llu %-36s %s\n", f[i].name, (unsigned long long)f[i].pending, f[i].fields,
		       f[i].consents[0] ? f[i].consents : "-");
	free(f);
	return EXIT_OK;
}

static int cmd_show(struct cli *c)
{
	fort_intake_form f;
	char when[32];
	int r;

	if ((r = fort_intake_show(&f, c->vault, cli_pos(c, 0))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json)
		return cli_print_json(c, shape_intake_form(&f));
	printf("%sform%s      %s\n", cli_bold(c), cli_reset(c), f.name);
	printf("fields    %s\n", f.fields);
	printf("consents  %s\n", f.consents[0] ? f.consents : "-");
	printf("created   %s by %s\n", cli_time(when, sizeof(when), f.created), f.created_by);
	printf("pending   %llu\n", (unsigned long long)f.pending);
	printf("embed     %s\n", f.origins[0] ? f.origins : "- (no site may frame the form page)");
	return EXIT_OK;
}

static int cmd_remove(struct cli *c)
{
	int r = fort_intake_remove(c->vault, cli_pos(c, 0));

	if (r < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "removed", json_string(cli_pos(c, 0)));
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("intake form %s removed\n", cli_pos(c, 0));
	return EXIT_OK;
}

static const struct cli_opt set_opts[] = {
	{ "allow-origin", 0, OPT_VALUE, "LIST", "sites that may embed the form page in a frame, comma-separated "
	  "(https://www.example.com); 'none' allows none (required)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int set_check(struct cli *c)
{
	if (!cli_str(c, "allow-origin"))
		return cli_usage_error(c, "say which sites may embed the form: --allow-origin https://www.example.com (or none)");
	return EXIT_OK;
}

static int cmd_set(struct cli *c)
{
	const char *arg = cli_str(c, "allow-origin");
	char *buf = strdup(strcmp(arg, "none") == 0 ? "" : arg);
	const char **list = NULL;
	size_t n;
	int r;
	if (!buf)
		return cli_error(c, EXIT_IO, "out of memory");
	n = split_list(buf, &list);
	r = fort_intake_set_origins(c->vault, cli_pos(c, 0), list, n);
	free(list);
	free(buf);
	if (r < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		fort_intake_form f;
		if ((r = fort_intake_show(&f, c->vault, cli_pos(c, 0))) < 0)
			return cli_fail(c, r, NULL);
		return cli_print_json(c, shape_intake_form(&f));
	}
	if (!c->quiet)
		printf("intake form %s: %s\n", cli_pos(c, 0), n ? "those sites may embed its page" : "no site may embed its page");
	return EXIT_OK;
}

static int cmd_rotate(struct cli *c)
{
	uint64_t n = 0;
	int r = fort_intake_rotate_key(&n, c->vault);
	if (r < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();
		json_object_set_new(j, "rotated", json_true());
		json_object_set_new(j, "resealed", json_integer((json_int_t)n));
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("intake key pair replaced: %llu pending submission%s re-sealed to the new key\n", (unsigned long long)n,
		       n == 1 ? "" : "s");
	return EXIT_OK;
}

static const struct cli_opt submit_opts[] = {
	{ "file", 0, OPT_VALUE, "FILE", "the submission as JSON ('-': standard input) (required)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int submit_check(struct cli *c)
{
	if (!cli_str(c, "file"))
		return cli_usage_error(c, "give the submission: --file FILE (or --file - for standard input)");
	return EXIT_OK;
}

static int cmd_submit(struct cli *c)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	/* twice the library's limit: the library refuses, with its message */
	if ((r = cli_read_file(c, cli_str(c, "file"), &buf, &len, 2 * FORT_INTAKE_MAX)) != EXIT_OK)
		return r;
	r = fort_intake_submit(c->vault, cli_pos(c, 0), buf, len);
	sodium_memzero(buf, len);
	free(buf);
	if (r < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "received", json_true());
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("received\n");
	return EXIT_OK;
}

static const struct cli_opt review_opts[] = {
	{ "reveal", 0, OPT_FLAG, NULL, "show the values in full (needs the reveal action; audited)" },
	{ NULL, 0, OPT_FLAG, NULL, NULL }
};

static int cmd_review(struct cli *c)
{
	fort_intake_item *it = NULL;
	size_t n = 0;
	char when[32];
	int r;

	if ((r = fort_intake_review(&it, &n, c->vault, cli_pos(c, 0), cli_flag(c, "reveal"))) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *arr = json_array();

		for (size_t i = 0; i < n; i++) {
			json_t *j = json_object(), *vals = json_object();

			json_object_set_new(j, "id", json_integer(it[i].id));
			json_object_set_new(j, "form", json_string(it[i].form));
			json_object_set_new(j, "received", json_string(cli_time(when, sizeof(when), it[i].received)));
			for (size_t k = 0; k < it[i].nvalues; k++)
				json_object_set_new(vals, it[i].values[k].field, json_string(it[i].values[k].value));
			json_object_set_new(j, "values", vals);
			json_object_set_new(j, "revealed", json_boolean(it[i].revealed));
			json_object_set_new(j, "consents", list_json(it[i].consents));
			json_object_set_new(j, "notice", it[i].notice[0] ? json_string(it[i].notice) : json_null());
			json_object_set_new(j, "language", it[i].language[0] ? json_string(it[i].language) : json_null());
			json_object_set_new(j, "duplicate_of", it[i].duplicate[0] ? json_string(it[i].duplicate) : json_null());
			json_object_set_new(j, "duplicate_field", it[i].duplicate[0] ? json_string(it[i].duplicate_field) : json_null());
			json_object_set_new(j, "problem", it[i].problem[0] ? json_string(it[i].problem) : json_null());
			json_array_append_new(arr, j);
		}
		fort_intake_items_free(it, n);
		return cli_print_json(c, arr);
	}
	if (n == 0 && !c->quiet)
		printf("no pending submissions\n");
	for (size_t i = 0; i < n; i++) {
		printf("%ssubmission %lld%s  form %s  received %s\n", cli_bold(c), (long long)it[i].id, cli_reset(c), it[i].form,
		       cli_time(when, sizeof(when), it[i].received));
		if (it[i].problem[0])
			printf("  PROBLEM: %s\n", it[i].problem);
		for (size_t k = 0; k < it[i].nvalues; k++)
			printf("  %-20s %s\n", it[i].values[k].field, it[i].values[k].value);
		printf("  %-20s %s\n", "consents", it[i].consents[0] ? it[i].consents : "-");
		if (it[i].duplicate[0])
			printf("  DUPLICATE: client %s has the same %s\n", it[i].duplicate, it[i].duplicate_field);
	}
	fort_intake_items_free(it, n);
	return EXIT_OK;
}

static int parse_id(struct cli *c, int64_t *id)
{
	const char *s = cli_pos(c, 0);
	char *end = NULL;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || !*s || *end || x <= 0)
		return cli_error(c, EXIT_INPUT, "'%s' is not a submission id ('fortress intake review' lists them)", s);
	*id = x;
	return EXIT_OK;
}

static int cmd_accept(struct cli *c)
{
	char id[FORT_ID_LEN + 1];
	int64_t sid;
	int r;

	if ((r = parse_id(c, &sid)) != EXIT_OK)
		return r;
	if ((r = fort_intake_accept(id, c->vault, sid)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "submission", json_integer(sid));
		json_object_set_new(j, "client", json_string(id));
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("submission %lld accepted: client %s\n", (long long)sid, id);
	return EXIT_OK;
}

static int cmd_reject(struct cli *c)
{
	int64_t sid;
	int r;

	if ((r = parse_id(c, &sid)) != EXIT_OK)
		return r;
	if ((r = fort_intake_reject(c->vault, sid)) < 0)
		return cli_fail(c, r, NULL);
	if (c->json) {
		json_t *j = json_object();

		json_object_set_new(j, "submission", json_integer(sid));
		json_object_set_new(j, "rejected", json_true());
		return cli_print_json(c, j);
	}
	if (!c->quiet)
		printf("submission %lld rejected and deleted\n", (long long)sid);
	return EXIT_OK;
}

static const struct cli_cmd intake_create_def = {
	.name = "create", .fn = cmd_create, .flags = NEEDS_UNLOCK,
	.summary = "make an intake form asking for data-map fields and consents",
	.synopsis = "NAME --fields LIST [--consents LIST]", .opts = create_opts,
	.min_args = 1, .max_args = 1, .args_name = "NAME", .check = create_check,
};
static const struct cli_cmd intake_list_def = {
	.name = "list", .fn = cmd_list, .flags = NEEDS_VAULT,
	.summary = "the intake forms and their pending submissions (no passphrase)",
	.synopsis = "[--json]", .min_args = 0, .max_args = 0,
};
static const struct cli_cmd intake_show_def = {
	.name = "show", .fn = cmd_show, .flags = NEEDS_VAULT,
	.summary = "one intake form (no passphrase)",
	.synopsis = "NAME [--json]", .min_args = 1, .max_args = 1, .args_name = "NAME",
};
static const struct cli_cmd intake_remove_def = {
	.name = "remove", .fn = cmd_remove, .flags = NEEDS_UNLOCK,
	.summary = "remove an intake form without pending submissions",
	.synopsis = "NAME", .min_args = 1, .max_args = 1, .args_name = "NAME",
};
static const struct cli_cmd intake_set_def = {
	.name = "set", .fn = cmd_set, .flags = NEEDS_UNLOCK,
	.summary = "set which sites may embed a form's page (frame-ancestors)",
	.synopsis = "NAME --allow-origin LIST", .opts = set_opts,
	.min_args = 1, .max_args = 1, .args_name = "NAME", .check = set_check,
};
static const struct cli_cmd intake_submit_def = {
	.name = "submit", .fn = cmd_submit, .flags = NEEDS_VAULT,
	.summary = "submit to a form, sealed to the intake key (no passphrase; reads nothing)",
	.synopsis = "NAME --file FILE", .opts = submit_opts,
	.min_args = 1, .max_args = 1, .args_name = "NAME", .check = submit_check,
};
static const struct cli_cmd intake_review_def = {
	.name = "review", .fn = cmd_review, .flags = NEEDS_UNLOCK,
	.summary = "pending submissions, decrypted (masked), duplicates flagged",
	.synopsis = "[NAME] [--reveal] [--json]", .opts = review_opts,
	.min_args = 0, .max_args = 1, .args_name = "NAME",
};
static const struct cli_cmd intake_accept_def = {
	.name = "accept", .fn = cmd_accept, .flags = NEEDS_UNLOCK,
	.summary = "make a submission a client, with its consents (channel web)",
	.synopsis = "ID", .min_args = 1, .max_args = 1, .args_name = "ID",
};
static const struct cli_cmd intake_reject_def = {
	.name = "reject", .fn = cmd_reject, .flags = NEEDS_UNLOCK,
	.summary = "delete a submission (audited)",
	.synopsis = "ID", .min_args = 1, .max_args = 1, .args_name = "ID",
};

static const struct cli_cmd intake_rotate_def = {
	.name = "rotate-key", .fn = cmd_rotate, .flags = NEEDS_UNLOCK,
	.summary = "a new intake key pair; pending submissions re-sealed to it",
	.synopsis = "[--json]", .min_args = 0, .max_args = 0,
};
static const struct cli_cmd *const intake_subs[] = {
	&intake_create_def, &intake_list_def, &intake_show_def, &intake_set_def, &intake_remove_def, &intake_submit_def,
	&intake_review_def, &intake_accept_def, &intake_reject_def, &intake_rotate_def, NULL
};

const struct cli_cmd cmd_intake_def = {
	.name = "intake", .fn = NULL, .flags = 0,
	.summary = "write-only intake forms: create, submit, review, accept, reject",
	.subs = intake_subs,
	.description =
		"A submission is sealed to the vault's intake public key as it arrives: it\n"
		"needs no passphrase and can read, list or count nothing.  Users whose role\n"
		"allows 'intake' hold the secret key: they review, accept (a client with the\n"
		"consents given, channel web) or reject.  docs/SECURITY.md, \"Write-only intake\".\n",
};

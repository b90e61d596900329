/* intake.h - the intake submission parser (rights/intake.c), shared with
 * its fuzz target (tests/fuzz/fuzz_intake.c).  Pure: no vault, no I/O. */
#ifndef FORT_RIGHTS_INTAKE_H
#define FORT_RIGHTS_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#define INTAKE_FIELDS_MAX 64
#define INTAKE_CONSENTS_MAX 32
#define INTAKE_VALUE_MAX 4096   /* bytes of one value (a map field's own limit applies after) */

typedef struct {
	char **names, **values;      /* N each; values wiped on release */
	size_t n;
	char **consents;
	size_t nconsents;
	char notice[65];             /* "" when none given */
	char language[16];           /* "" when none given */
	/* the sealed plaintext only (SEALED): */
	char form[48];
	int64_t received;
} intake_sub;

/* Parse a submission (SEALED 0: what a form sends, at most FORT_INTAKE_MAX
 * bytes) or the plaintext of a stored box (SEALED 1: also "v", "form" and
 * "received").  Structure only (types, sizes, names, counts, no duplicate
 * keys); the fields' types are checked against the vault later.
 * FORT_EINPUT naming the key (never echoing a value), FORT_ENOMEM. */
int intake_parse(intake_sub *out, const char *json, size_t len, int sealed);
/* The canonical JSON of S (SEALED: with v, form, received); *OUT malloc'ed
 * and wiped-on-free memory is the caller's to wipe (intake_json_free). */
int intake_to_json(char **out, size_t *len, const intake_sub *s, int sealed);
void intake_json_free(char *p, size_t len);
void intake_sub_release(intake_sub *s);

#endif

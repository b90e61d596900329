/* rights.h - what the rights modules (requests, access, erasure, notice)
 * share inside the library. */
#ifndef FORT_RIGHTS_H
#define FORT_RIGHTS_H

/* The supervisory authority for CODE ("DE", "GB", ...), from
 * data/supervisory_authorities.csv.  Pointers into the embedded table (valid
 * for the life of the process); NAME is NULL when there is none, the others
 * "" when unknown. */
typedef struct {
	const char *name, *website, *email, *phone, *postal_address;
} rights_authority;

void rights_authority_find(rights_authority *out, const char *code);

#endif

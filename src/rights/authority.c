/* authority.c - the supervisory authority a client can complain to, from the
 * embedded data/supervisory_authorities.csv (letters, notices, packages). */
#include <string.h>
#include "util.h"
#include "data/tables.h"
#include "rights/rights.h"

void rights_authority_find(rights_authority *out, const char *code)
{
	const data_table *t = NULL;
	int r;
	memset(out, 0, sizeof *out);
	out->website = out->email = out->phone = out->postal_address = "";
	if ((r = data_table_get(&t, "supervisory_authorities")) == 0) {
		int cj = data_table_col(t, "jurisdiction"), cn = data_table_col(t, "name"), cw = data_table_col(t, "website"),
		    ce = data_table_col(t, "email"), cp = data_table_col(t, "phone"), ca = data_table_col(t, "postal_address");
		for (size_t i = 0; cj >= 0 && cn >= 0 && code && i < t->nrows; i++)
			if (strcmp(data_table_cell(t, i, cj), code) == 0) {
				out->name = data_table_cell(t, i, cn);
				out->website = cw >= 0 ? data_table_cell(t, i, cw) : "";
				out->email = ce >= 0 ? data_table_cell(t, i, ce) : "";
				out->phone = cp >= 0 ? data_table_cell(t, i, cp) : "";
				out->postal_address = ca >= 0 ? data_table_cell(t, i, ca) : "";
				break;
			}
	}
	/* no table or no row: the letters say so generically; out of memory
	 * stays set, for the callers that must not take it for "none" */
	if (r != FORT_ENOMEM)
		fort_error_clear();
}

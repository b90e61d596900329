/* deadline.h - internals of the deadline engine (the API is in fortress.h). */
#ifndef FORT_RIGHTS_DEADLINE_H
#define FORT_RIGHTS_DEADLINE_H

#include "data/tables.h"

/* Check a rules table and a holidays table the way the embedded ones are
 * loaded (every cell the code reads, the calendars the rules name, no rule
 * twice, holidays sorted by region) without using them.  0 or
 * FORT_ECORRUPT naming the line and column; FORT_ENOMEM.  For tests, and
 * for checking an edited table before a rebuild. */
int deadline_tables_check(const data_table *rules, const data_table *holidays);

#endif

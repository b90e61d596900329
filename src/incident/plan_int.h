/* plan_int.h - what the plan, drills and mail share inside the library. */
#ifndef FORT_PLAN_INT_H
#define FORT_PLAN_INT_H

#include <jansson.h>
#include "fortress.h"

/* The decrypted plan (json_decref).  FORT_ENOTFOUND: no plan. */
int plan_load(json_t **out, fort_vault *v) FORT_WUR;
/* FORT_EINPUT naming the first bad field. */
int plan_validate(json_t *root) FORT_WUR;
int plan_role_valid(const char *role);

#endif

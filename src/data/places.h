/* places.h - countries and their subdivisions, as ISO 3166 codes, from
 * data/places.csv (ISO 3166-1 and the ISO 3166-2 subdivisions Fortress's
 * rules use: US states, German Länder).  Every place a rule depends on (a
 * client's country and state, the business's location) goes through here
 * at input, so that "United States", "usa" and "US" are one place and "ZZ"
 * is refused rather than filed under some law by default. */
#ifndef FORT_DATA_PLACES_H
#define FORT_DATA_PLACES_H

#include <stddef.h>

/* IN (a code or a name, any case, surrounding spaces ignored) as an ISO
 * 3166-1 alpha-2 code in OUT.  FORT_EINPUT (message names IN and says what
 * is accepted), FORT_ENOMEM. */
int place_country(char out[3], const char *in);

/* IN (a subdivision code "CA" or "US-CA", or a name "California", any case)
 * as an ISO 3166-2 code in OUT ("US-CA").  COUNTRY (alpha-2, may be NULL or
 * "") decides between subdivisions of several countries with the same
 * short code or name; without it a name or short code must be unique.
 * FORT_EINPUT naming IN, FORT_ENOMEM. */
int place_subdivision(char out[8], const char *country, const char *in);

/* Whether COUNTRY (alpha-2) has subdivision rows in the table (its
 * subdivisions matter to some rule: US, DE). */
int place_has_subdivisions(const char *country);

#endif

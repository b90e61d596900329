/* types.h - field types of the data map: validation, normalisation,
 * blind-index keys and masking.  Pure functions: no vault, no I/O.
 *
 * WARNING: messages written to WHY must never contain the value itself
 * (it is client data); say what is wrong with it instead. */
#ifndef FORT_VAULT_TYPES_H
#define FORT_VAULT_TYPES_H

#include <stddef.h>
#include "util.h"

typedef enum {
	FT_TEXT = 0,  /* UTF-8 text, control characters except \n \t rejected, length limit */
	FT_NAME,      /* a person's or company's name: text, whitespace collapsed */
	FT_EMAIL,     /* syntax checked; domain lower-cased; local part kept */
	FT_PHONE,     /* E.164 ("+4930123456"), national numbers via default country */
	FT_IBAN,      /* country length + mod-97; stored without spaces, upper case */
	FT_CARD,      /* Luhn + brand; WARNING: stored masked only: "visa 4242" */
	FT_DATE,      /* ISO 8601 calendar date YYYY-MM-DD (also accepts DD.MM.YYYY, YYYY/MM/DD) */
	FT_SSN,       /* US Social Security number or ITIN (a US taxpayer id): stored "AAA-GG-SSSS";
		       * the breach laws that ask for an offer of credit monitoring (data/README.md) look for it */
	FT_ID_NUMBER, /* a government identity document's number (driver's licence, state id card, passport):
		       * letters and digits, stored upper case without spaces or dashes; CA and PA look for it */
	FT__COUNT
} fort_ftype;

/* "text" -> FT_TEXT ... ; -1 if unknown. */
int type_from_name(const char *name);
const char *type_name(fort_ftype t);
/* After type_normalise failed in this thread: "too_long", "control",
 * "utf8" or "empty" when a check common to every type refused the value,
 * NULL when it was the type's own rule (fort_field_check). */
const char *type_problem(void);

/* Validate IN (LEN bytes, UTF-8) and write the canonical stored form to
 * *OUT (malloc'd, NUL-terminated).  MAX_LEN limits text/name (0 = 1000).
 * DEFAULT_COUNTRY is ISO 3166-1 alpha-2 used for national phone numbers.
 * Returns 0, or FORT_EINPUT with a reason in WHY ("not a valid IBAN: the
 * check digits do not match"). Surrounding whitespace is trimmed first. */
int type_normalise(char **out, fort_ftype t, const char *in, size_t len, size_t max_len,
		   const char *default_country, char *why, size_t whylen);
/* The same into B, which must be empty (the caller's, reused from value to
 * value: the importer normalises millions and copies each out; no
 * allocation per value).  On failure B holds nothing useful: reset it.
 * FLAGS: TYPE_IN_UTF8 when IN is already known to be valid UTF-8 (an import
 * reader's record, reader_record.utf8), so it is not checked again. */
#define TYPE_IN_UTF8 1u
int type_normalise_buf(fort_buf *b, fort_ftype t, const char *in, size_t len, size_t max_len,
		       const char *default_country, unsigned flags, char *why, size_t whylen);

/* The string hashed into the blind index for a canonical value: names,
 * e-mails and text first NFC-normalised and case-folded (utf8proc, any
 * script), then email lower-cased whole, name with Latin accents folded and
 * single spaces, text lower-cased; phone E.164, IBAN as stored.  *OUT malloc'd. */
int type_index_key(char **out, fort_ftype t, const char *canon);
/* The same appended to B (secret, fort_buf_init_secret), for a caller that
 * makes many keys with one buffer. */
int type_index_key_buf(fort_buf *b, fort_ftype t, const char *canon);
/* 1 if type T's index key is its stored form unchanged (E.164, IBAN, ...):
 * the value can be hashed as it is. */
int type_index_key_is_value(fort_ftype t);
/* The key as index version 1 made it (before NFC and case folding), for the
 * re-index of older vaults. */
int type_index_key_v1(char **out, fort_ftype t, const char *canon);
/* A key from type_index_key or type_index_key_v1 (a client's value in
 * clear) wiped and freed, *KEY set to NULL; NULL *KEY: nothing to do. */
void type_index_key_free(char **key);

/* Masked display form of a canonical value (*OUT malloc'd):
 *  email  "j***@example.com"
 *  phone  "+49 ••• ••• 67"   (country code and last 2 digits)
 *  iban   "DE•• •••• •••• •••• •••• 1234" (country, last 4)
 *  card   "VISA •••• 4242"
 *  date   "••••-••-••"
 *  ssn    "•••-••-6789"      (last 4)
 *  id_number "••••567"        (last 3)
 *  name   "J*** D***"
 *  text   first character then "•••" ("" stays "") */
int type_mask(char **out, fort_ftype t, const char *canon);

/* Building blocks, exported for the scanner and for tests. */
/* A plausible single e-mail address (no spaces, quotes, brackets, one '@',
 * a dot in the domain): 1/0.  For addresses given as settings (the plan's
 * contacts, the mail sender and recipients); a client's e-mail field is
 * checked and normalised by type_normalise. */
int email_valid(const char *s);
int luhn_valid(const char *digits, size_t n);          /* 1/0; digits only */
int iban_valid(const char *iban, char *why, size_t whylen); /* compact upper-case */
/* The registered IBAN length for the country code CC (two characters,
 * upper case), 0 for a country without IBANs.  O(1): one table
 * (types.c, from the SWIFT IBAN registry) for validation and the scanner. */
extern const unsigned char iban_length_table[26 * 26];
static inline int iban_country_length(const char *cc)
{
	unsigned a = (unsigned char)cc[0] - 'A', b = (unsigned char)cc[1] - 'A';
	return a < 26 && b < 26 ? iban_length_table[a * 26 + b] : 0;
}
const char *card_brand(const char *digits, size_t n);  /* "visa", "mastercard", "amex", ... or NULL */
/* Calling code for an ISO country ("DE" -> "49"), NULL if unknown. */
const char *phone_country_code(const char *iso2);

#endif

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

/* business.c: THE competent supervisory authority of the vault's business
 * (OUT->name NULL when none can be decided: B->authority_problem says why
 * and what to do), and the business's details in B.  Every document that
 * names an authority asks this, so they cannot disagree. */
#include "fortress.h"
struct fort_vault;
void rights_competent_authority(rights_authority *out, fort_business_info *b, struct fort_vault *v);

/* erasure.c: the Art. 19 notices to the recipients of a client's fields
 * (CONCERNED[i] for map field i) after an erasure or a rectification (KIND
 * "erasure" | "rectification"): PATH (Markdown) and PATH's .pdf, not
 * written when no recipient got any of them.  *COUNT: the recipients. */
#include "vault/vault_int.h"
struct rights_sink;
int rights_recipient_notices(size_t *count, fort_vault *v, const client_vals *cv, const unsigned char *concerned,
			     const store_request *q, const char *idstr, struct rights_sink *sink, const char *path, const char *kind);

/* notice.c: plain words for a legal basis identifier ("contract" -> "our
 * contract with you (Art. 6(1)(b))"); Art. 13(2)(e) words for a purpose;
 * the controller's contact lines (Markdown list items). */
/* language.c: the language of client CID's letters (0: no client, the
 * business's): stored for the client, else of their newest consent-ledger
 * entry, else the business's default (business set --language), else "en".  SOURCE (may be NULL)
 * says which: client | consent | business | default.  No role check (the
 * letter's operation made it). */
int rights_client_language(char out[8], const char **source, fort_vault *v, int64_t cid) FORT_WUR;
/* The same for many clients (a letter to each): the stored languages and
 * the business's read once into C (released with
 * rights_language_cache_release). */
typedef struct { json_t *langs; int loaded; char business[8]; } rights_language_cache;
#define RIGHTS_LANGUAGE_CACHE_INIT { NULL, 0, "" }
int rights_client_language_in(char out[8], const char **source, fort_vault *v, int64_t cid, rights_language_cache *c) FORT_WUR;
void rights_language_cache_release(rights_language_cache *c);
const char *rights_basis_words(const char *basis);
/* The same in LANG (data/i18n "basis.*", "provision.*"). */
const char *rights_basis_words_in(const char *basis, const char *lang);
const char *rights_provision_words(const map_purpose *p);
const char *rights_provision_words_in(const map_purpose *p, const char *lang);
void rights_controller_lines(fort_buf *b, const fort_business_info *bi, const char *owner, const char *lang);

/* sink.c: where a document goes.  On disk (rights_sink_disk): each NAME is
 * the file PREFIX+NAME, created 0600, never replacing a file (FORT_EEXISTS).
 * In memory (rights_sink_zip): each NAME is an entry of one zip archive,
 * handed over by rights_sink_finish (malloc'ed; the caller wipes it).
 * rights_sink_release frees (and wipes) what is left. */
struct archive;
typedef struct rights_sink {
	char prefix[4096];
	struct archive *a;      /* NULL: on disk */
	fort_buf zip;
	int64_t mtime;
} rights_sink;
void rights_sink_disk(rights_sink *s, const char *prefix);
int rights_sink_zip(rights_sink *s) FORT_WUR;
int rights_sink_exists(const rights_sink *s, const char *name);
const char *rights_sink_path(const rights_sink *s, const char *name, char *buf, size_t cap);
int rights_sink_put(rights_sink *s, const char *name, const void *data, size_t len) FORT_WUR;
void rights_sink_remove(rights_sink *s, const char *name);
/* MD (Markdown) as MD_NAME and as a PDF (TITLE in the footer) as PDF_NAME. */
int rights_sink_letter(rights_sink *s, const char *md_name, const char *pdf_name, const char *md, const char *title) FORT_WUR;
int rights_sink_finish(rights_sink *s, unsigned char **out, size_t *len) FORT_WUR;
void rights_sink_release(rights_sink *s);

/* access.c: write the access package of request Q to DIR, or (DIR NULL)
 * into the zip sink ZIP. */
/* LANG: the letter's language (NULL: the client's, fort_client_language). */
int access_package(fort_access_report *out, fort_vault *v, const store_request *q, const char *dir, rights_sink *zip,
		   const char *lang) FORT_WUR;

/* erasure.c: erase what no hold keeps and write the certificate, its
 * letter and the recipients' notices into S: on disk as the certificate's
 * path (PREFIX) and PREFIX.letter.md, .letter.pdf, .recipients.md/.pdf; in
 * a zip as certificate.json, letter.md, letter.pdf, recipients.md/.pdf.
 * A step of the request's erasure: the caller started it (vault_op_start,
 * 'request-erase'). */
int erasure_fulfil(fort_erasure_report *out, fort_vault *v, const store_request *q, rights_sink *s,
		   const char *today) FORT_WUR;

/* consent.c: append one consent-ledger entry for client CID (no
 * evidence) inside the caller's audited transaction: what an operation
 * that records consents among other writes (an intake accept) uses. */
int consent_append(fort_vault *v, int64_t cid, const char *purpose, const char *action, const char *channel, const char *language,
		   const char *notice_hash, int64_t ts) FORT_WUR;

/* requests.c: request ID's identity partly checked by METHOD (the
 * self-service page's e-mail link) while a second step is required: noted,
 * the request stays awaiting_id.  Audited as a request update. */
int request_note_link(fort_vault *v, int64_t id, const char *method) FORT_WUR;
/* request_policy.c: does a request of KIND need a second identity step by
 * the vault's request policy?  No role check (the self-service keyholder
 * reads it); FORT_ETAMPER when the policy was altered or deleted. */
int request_second_step(int *needed, fort_vault *v, const char *kind) FORT_WUR;

#endif

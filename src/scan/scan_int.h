/* scan_int.h - inside the scanner: the streaming engine, the detector table
 * and what detectors are given.
 *
 * The engine keeps a window of the stream: the current block plus SCAN_BACK
 * bytes before it (context words, the CSV column of a value) and SCAN_TAIL
 * bytes after the last position it looks for candidates in (a value that
 * starts there is read whole).  A candidate is judged once, at its first
 * byte, so a value split across two reads is found exactly once. */
#ifndef FORT_SCAN_INT_H
#define FORT_SCAN_INT_H

#include <stddef.h>
#include <stdint.h>
#include "fortress.h"

#define SCAN_BACK 4096
#define SCAN_TAIL 512
#define SCAN_BLOCK_DEFAULT ((size_t)256 << 10)

/* Test hook: the block size of streams made from now on (0 = default). */
void scan_set_block_size(size_t n);
/* Test hook: 0 calls every cluster detector at every cluster, every word
 * detector at every word and every ':' / '=' detector at every ':' and '=',
 * as the table says, instead of only where the engine's gates (the
 * detectors' first tests) let them (1, the default); the findings must be
 * the same.  scan_cluster_gate says whether the three gates are in use
 * (after a first scan: the table is read then). */
void scan_set_cluster_gate(int on);
int scan_cluster_gate(void);

/* ------------------------------------------------------------ detectors */

struct scan_stream;

/* What a detector sees: BUF[0, LEN) are stream offsets [BASE, BASE+LEN).
 * Nothing before 0 or at/after LEN may be read. */
typedef struct {
	const unsigned char *buf;
	size_t len;
	uint64_t base;
	struct scan_stream *st;
} scan_view;

typedef struct {
	size_t start, end;   /* in the view */
	int type;            /* fort_scan_type, or -1: consumed, nothing to report (a decoy) */
	int conf;            /* fort_scan_confidence */
	const char *rule;
} scan_match;

/* Digits in groups joined by single separators, read from a group start
 * (the byte before is not a letter, digit or '_'). */
#define CL_MAX 8
typedef struct {
	size_t start, end;   /* the first digit, the end of the last group */
	unsigned n;          /* groups */
	size_t gs[CL_MAX];   /* group starts */
	unsigned gl[CL_MAX]; /* group lengths */
	char sep[CL_MAX];    /* sep[i] joins group i and i+1: ' ' '-' '.' '/' or ')' for ") " */
	unsigned digits;
	int overlong;        /* a group is longer than 19 digits (after CL_MAX groups the
			      * cluster stops, sep[CL_MAX - 1] set: more follow) */
} scan_cluster;

enum {
	SCAN_T_CLUSTER = 1,  /* POS = the cluster start, CL given */
	SCAN_T_WORD = 2,     /* a digit inside a word: POS = the word start (letters, digits, '_', '-') */
	SCAN_T_AT = 4,       /* POS = an '@' */
	SCAN_T_COLON = 8,    /* POS = a ':' or '=' */
};

typedef int (*scan_detect_fn)(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);

struct scan_detector {
	const char *name;
	unsigned triggers;
	scan_detect_fn fn;
};

extern const struct scan_detector scan_detectors[];
extern const size_t scan_ndetectors;

int detect_card(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
int detect_iban(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
int detect_email(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
int detect_phone(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
int detect_ssn(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
int detect_nino(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
int detect_dob(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
int detect_ipv4(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
int detect_ipv6(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
int detect_secret_key(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
int detect_secret_label(const scan_view *v, size_t pos, const scan_cluster *cl, scan_match *m);
/* Private key PEM headers: found by the engine with memmem (rare, long). */
int detect_pem(const scan_view *v, size_t pos, scan_match *m);

/* Masked form of a value of TYPE into OUT (NUL-terminated, truncated to
 * OUTLEN).  Never the whole value. */
void scan_mask(char *out, size_t outlen, int type, const char *rule, const unsigned char *val, size_t n);
/* The same for a VAL with 64 bytes past VAL + N that may be read (a
 * stream's buffer, as scan_hit.value): no copy before the vector steps. */
void scan_mask_padded(char *out, size_t outlen, int type, const char *rule, const unsigned char *val, size_t n);
/* 0: masks a byte at a time (tests compare the vector steps with it). */
extern int scan_mask_vector;
/* 0: e-mail's local part and domain labels a byte at a time (tests
 * compare the 16-byte steps with it). */
extern int scan_email_vector;
/* 0: IPv6's run of hex digits and ':' a byte at a time (the same). */
extern int scan_ipv6_vector;
/* 0: a card's digits gathered and checked (one digit, Luhn) a byte at a time. */
extern int scan_card_vector;

/* Validators, shared with the tests. */
int scan_luhn(const unsigned char *s, size_t n);
int scan_iban_mod97(const char *iban, size_t n);
int scan_iban_length(const char *cc);   /* 0 unknown country */

/* Is one of WORDS (lower case, NULL-terminated) near before START: the same
 * line up to 48 bytes back (not across a sentence end), or the CSV/TSV
 * column header of the cell START is in. */
int scan_context(const scan_view *v, size_t start, const char *const *words);

/* Does B[A, E) (E - A <= 64 is fastest) hold one of the secret labels'
 * literal factors ("pas", "pwd", "sec", "key", "tok", "ras"; any case)?
 * B must be a stream's buffer (padded past its end). */
int scan_label_factor(const unsigned char *b, size_t a, size_t e);
/* The identifier ending at E (letters, digits, '_', '-', '.', bytes >= 0x80;
 * at most 64 bytes back): its start, and in *FACTOR whether it holds one of
 * those factors.  B must be a stream's buffer. */
size_t scan_label_ident(const unsigned char *b, size_t e, int *factor);
/* The same question as scan_label_factor for V's [A, E), any length,
 * remembering the factor-free stretch it saw last (in stream offsets): the
 * ':' of mail headers and JSON keys, a few dozen bytes apart, look at each
 * byte about once. */
int scan_label_near(const scan_view *v, size_t a, size_t e);

/* Test hooks for two of the engine's vector kernels, against their byte
 * loops (SCALAR 1): the delimiters outside quotes in B[J, E) with the quote
 * state *Q carried over (CSV columns), and whether one of WORDS starts a
 * word in B[A, E) after the last sentence end (context windows; E - A <= 64
 * takes the vector path).  B must be a stream's buffer (padded). */
unsigned scan_csv_count(const unsigned char *b, size_t j, size_t e, unsigned char delim, int *q, int scalar);
/* ... and the class maps (engine.c) of B[LO, LEN) (LO a multiple of 64, B
 * padded by 64 bytes): four maps of NW words in MAP (triggers, digits, word
 * bytes, '-'), a bit per byte, 0 from LEN to word (LEN + 63) / 64 + 2.
 * SCALAR 2: the one pass that makes all four (a region dense with digits
 * inside words) instead of the two passes. */
void scan_maps(const unsigned char *b, size_t lo, size_t len, uint64_t *map, size_t nw, int scalar);
int scan_window(const unsigned char *b, size_t a, size_t e, const char *const *words, int scalar);
/* ... and whether B[A, Z) holds "fortress:ignore" (the inline-ignore tag;
 * B a stream's buffer, padded). */
int scan_has_tag(const unsigned char *b, size_t a, size_t z, int scalar);
/* Tests: is the ':' at POS of B[0, LEN) one of a time of day (2: the first
 * ':' of "15:31:52", 1: another, 0: no), by the table loads or (EDGE) the
 * checked reads used near the view's ends. */
int scan_time_colon(const unsigned char *b, size_t len, size_t pos, int edge);
/* ... and a first line's make-up for the CSV header check (engine.c,
 * header_detect): B[0, N)'s ',' ';' TAB '|' added to CNT, its letters and
 * '_' in *LETTERS, the bytes other than those, ' ', '"' and CR in *OTHER.
 * B must be a stream's buffer (padded). */
void scan_line_counts(const unsigned char *b, size_t n, size_t cnt[4], size_t *letters, size_t *other, int scalar);
/* ... and the date detector's look for birth context after a date ("is my
 * birthday") from V's offset E (dob.c), by SSE2 steps and by the byte loop. */
int scan_dob_after(const scan_view *v, size_t e, int scalar);

/* ------------------------------------------------------------------ bytes */

static inline int sc_digit(unsigned c) { return c - '0' < 10; }
static inline int sc_upper(unsigned c) { return c - 'A' < 26; }
static inline int sc_lower(unsigned c) { return c - 'a' < 26; }
static inline int sc_alpha(unsigned c) { return ((c | 32) - 'a') < 26; }
static inline int sc_alnum(unsigned c) { return sc_digit(c) || sc_alpha(c); }
static inline int sc_word(unsigned c) { return sc_alnum(c) || c == '_'; }
static inline int sc_hex(unsigned c) { return sc_digit(c) || ((c | 32) - 'a') < 6; }
static inline unsigned sc_tolower(unsigned c) { return sc_upper(c) ? c | 32 : c; }

/* ----------------------------------------------------------------- stream */

typedef struct {
	int type, conf;
	const char *rule;
	uint64_t offset;
	uint32_t length;
	uint64_t line, column;
	int ignored;                 /* the line holds "fortress:ignore" */
	const unsigned char *value;  /* LENGTH bytes, valid during the call, in
				      * the stream's buffer: 64 bytes past
				      * its end may be read (the padding) */
} scan_hit;

typedef int (*scan_hit_fn)(void *ctx, const scan_hit *h);
/* 1 when S[0, N) (2-3 capitalised words, UTF-8) is a known client's name. */
typedef int (*scan_name_fn)(void *ctx, const unsigned char *s, size_t n);

#define SCAN_HDR_MAX 64
typedef struct scan_stream {
	unsigned char *buf;
	size_t cap, len, block;
	uint64_t base;               /* stream offset of buf[0] */
	uint64_t next;               /* candidates are looked for from here */
	uint64_t nl_pos, line, line_start; /* newlines counted before nl_pos */
	uint64_t ign_line;           /* inline-ignore cache: line number + 1, 0 none */
	int ign_val;
	/* does the buffer hold a "fortress:ignore" anywhere?  Searched once
	 * for the buffer as it is (stream offset tag_base, tag_len bytes:
	 * the same pair is the same bytes), at its first finding */
	uint64_t tag_base;
	size_t tag_len;
	int tag_any;
	int inline_ignore;
	int no_column;               /* 1: hits carry column 0 (not counted) */
	int no_line;                 /* 1 (with no_column): line 0 too, unless the buffer holds an inline-ignore tag */
	/* CSV/TSV header (first line), for context */
	int hdr_state;               /* 0 not seen yet, 1 a header, 2 none */
	char hdr_delim;
	unsigned hdr_n;
	char *hdr[SCAN_HDR_MAX];     /* lower-cased column names */
	struct {
		const char *const *words;
		uint64_t known, hit;  /* bit per column: looked at, holds one of WORDS */
	} hdr_cache[8];
	scan_hit_fn hit;
	void *ctx;
	uint64_t total;              /* bytes fed */
	uint64_t last_end;           /* end of the last finding: findings never overlap */
	uint64_t col_line, col_pos, col_val;  /* column cache: on line COL_LINE, offset COL_POS is column COL_VAL */
	uint64_t csv_ls, csv_pos;    /* CSV column cache: the line starting at CSV_LS, counted up to CSV_POS */
	unsigned csv_col;
	int csv_q;
	/* IPv6: the run of hex digits and ':' [V6_S, V6_E) of the view at
	 * stream offset V6_BASE, V6_LEN bytes, was judged no address (ip.c) */
	size_t v6_s, v6_e, v6_len;
	uint64_t v6_base;
	uint64_t lf_lo, lf_hi;       /* no secret-label factor starts in [LF_LO, LF_HI); */
	int lf_found;                /* ... and one starts at LF_HI */
	/* known-client names (only with a vault): NAME_FN says whether a run of
	 * capitalised words is a client's name; matches of the region being
	 * processed wait in NM and are emitted in offset order */
	scan_name_fn name_fn;
	void *name_ctx;
	struct scan_name_hit { uint64_t off; uint32_t len; } *nm;
	size_t nm_n, nm_i, nm_cap;
	/* the region's byte classes, a bit per byte of BUF (engine.c, the
	 * class maps): four maps of CM_WORDS words each, the triggers and
	 * digits made once per region for [CM_LO, LEN), the word bytes and
	 * '-' on demand (made up to word CM_WD_HI); bits at and after LEN
	 * are 0 */
	uint64_t *cm;
	size_t cm_words, cm_lo, cm_wd_hi;
	int cm_dense;                /* 1: the next region's four maps made at once (process) */
} scan_stream;

int scan_stream_init(scan_stream *s);
void scan_stream_release(scan_stream *s);
/* Start a new document; hits go to HIT(CTX). */
void scan_stream_reset(scan_stream *s, scan_hit_fn hit, void *ctx, int inline_ignore);
/* Room to read into: at least one byte. */
unsigned char *scan_stream_space(scan_stream *s, size_t *avail);
/* N bytes were written at the space; scans when a block is full. */
int scan_stream_commit(scan_stream *s, size_t n);
int scan_stream_feed(scan_stream *s, const void *data, size_t len);
/* End of the document: scans what is left. */
int scan_stream_finish(scan_stream *s);
/* Look for known-client names too (FN NULL: not; the default after init). */
void scan_stream_names(scan_stream *s, scan_name_fn fn, void *ctx);
/* The searchable field of V's map with ROLE (a map_role: ROLE_ADDRESSEE,
 * ROLE_EMAIL, ROLE_PHONE), NULL if none or V is NULL or locked (run.c). */
const char *scan_role_field(fort_vault *v, int role);

/* ------------------------------------------------------------ ignore files */

typedef struct scan_ignore scan_ignore;
/* Parse gitignore-syntax TEXT (LEN bytes) whose patterns are relative to the
 * directory BASE ("" for the scan root). */
int scan_ignore_parse(scan_ignore **out, const char *base, const char *text, size_t len);
/* Decide for PATH (relative to the scan root, '/'-separated; IS_DIR): 1
 * ignored, 0 re-included by a negation, -1 no pattern matched. */
int scan_ignore_match(const scan_ignore *ig, const char *path, int is_dir);
void scan_ignore_free(scan_ignore *ig);
/* The glob of one pattern (no leading '!' or trailing '/'), for tests. */
int scan_glob(const char *pat, const char *str);

/* A file's part of the fingerprints (version 3: its path hashed once into a
 * key); zeroed = not made yet. */
typedef struct {
	int ready;
	unsigned char key[16];
} scan_fp_file;
void scan_baseline_file_key(scan_fp_file *ff, const fort_scan_baseline *b, const char *path);
/* The file is done: its key wiped (ready again 0). */
void scan_baseline_file_done(scan_fp_file *ff);
/* Fingerprint (hex, 32 chars + NUL) of a value found in PATH under the
 * baseline's key.  FF (NULL: none) keeps PATH's key of version 3 from one
 * finding to the next of the same file.  64 bytes past VAL + N may be read
 * (VAL is a scan_hit's value, in a stream's padded buffer). */
void scan_baseline_fingerprint(char out[33], const fort_scan_baseline *b, scan_fp_file *ff, int type,
			       const unsigned char *val, size_t n, const char *path);
/* The fingerprints' tables, made once (fort_scan_baseline_new and _load
 * call it). */
void scan_fp_tables(void);
/* A value of TYPE (N bytes) as it is fingerprinted, at OUT (SCAN_TAIL + 8
 * bytes of room): its length.  _bytes: the same a byte at a time (for
 * tests: the reference of the vector steps). */
size_t scan_fp_normalise(unsigned char *out, int type, const unsigned char *val, size_t n);
/* ... of a VAL with 64 bytes past VAL + N that may be read (no copy). */
size_t scan_fp_normalise_padded(unsigned char *out, int type, const unsigned char *val, size_t n);
size_t scan_fp_normalise_bytes(unsigned char *out, int type, const unsigned char *val, size_t n);

#endif

/* read_mime.c - mail: mbox files and single messages (.eml), through GMime.
 *
 * GMime parses the structure (mbox "From " separators, headers with their
 * folding and RFC 2047 encoded-words, nested multiparts, forwarded
 * messages).  On a file it keeps every part as a window onto the file
 * (persistent stream), so a 2 GB mbox is read message by message and part by
 * part, never whole.  The content of each part is decoded here, streaming:
 * mboxrd ">From " unquoting, base64 or quoted-printable (our decoders: a
 * broken base64 part is reported, not silently turned into garbage), the
 * charset into UTF-8, HTML tags stripped.  Attachments are read by what
 * they contain (rd_stream: a zip, a PDF, an office document, text).
 *
 * Logical documents: the headers of message N of an mbox are "#N" (of a
 * .eml, ""), its parts "#N/NAME" (the attachment's file name) or
 * "#N/part-K" (numbered depth first from 1).  Transport headers (Received,
 * DKIM, Message-ID...) are left out: they carry servers, not people.
 *
 * A mail inside another container (a .eml in a zip) is read into memory,
 * up to RD_MAX_INMEM, because GMime needs a seekable stream to keep parts
 * as windows. */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <gmime/gmime.h>
#include "rd.h"
#include "util/dl.h"

/* GMime is loaded with dlopen() by the first mail read (gmime_start), not
 * linked: with GIO, GnuTLS's and gpgme's trees it was a quarter of the
 * dynamic loader's work at the start of every `fortress` command, a scan of
 * plain files included (util/dl.h).  GLib's and GObject's functions come
 * through GMime's handle (its dependencies).  The calls keep their names:
 * GLib's macros (G_DEFINE_TYPE, the type checks) expand here to calls
 * through these pointers; g_once_init_enter/leave lose the header's inline
 * fast path (a function call per get_type, per stream made). */
#define GMIME_FUNCS(X) \
	X(g_intern_static_string) \
	X(g_mime_charset_iconv_name) \
	X(g_mime_content_type_get_parameter) \
	X(g_mime_content_type_is_type) \
	X(g_mime_data_wrapper_get_encoding) \
	X(g_mime_data_wrapper_get_stream) \
	X(g_mime_header_get_name) \
	X(g_mime_header_get_value) \
	X(g_mime_header_list_get_count) \
	X(g_mime_header_list_get_header_at) \
	X(g_mime_init) \
	X(g_mime_message_get_mime_part) \
	X(g_mime_message_part_get_message) \
	X(g_mime_message_part_get_type) \
	X(g_mime_multipart_get_count) \
	X(g_mime_multipart_get_part) \
	X(g_mime_multipart_get_type) \
	X(g_mime_object_get_content_type) \
	X(g_mime_object_get_header_list) \
	X(g_mime_object_get_type) \
	X(g_mime_parser_construct_message) \
	X(g_mime_parser_eos) \
	X(g_mime_parser_new_with_stream) \
	X(g_mime_parser_set_format) \
	X(g_mime_part_get_content) \
	X(g_mime_part_get_filename) \
	X(g_mime_part_get_type) \
	X(g_mime_stream_close) \
	X(g_mime_stream_construct) \
	X(g_mime_stream_eos) \
	X(g_mime_stream_fs_new) \
	X(g_mime_stream_get_type) \
	X(g_mime_stream_length) \
	X(g_mime_stream_mem_new_with_buffer) \
	X(g_mime_stream_read) \
	X(g_mime_stream_reset) \
	X(g_mime_stream_seek) \
	X(g_mime_stream_tell) \
	X(g_object_new) \
	X(g_object_unref) \
	X(g_once_init_enter) \
	X(g_once_init_leave) \
	X(g_type_check_class_cast) \
	X(g_type_check_instance_cast) \
	X(g_type_check_instance_is_a) \
	X(g_type_class_adjust_private_offset) \
	X(g_type_class_peek_parent) \
	X(g_type_register_static_simple)
static struct {
#define X(f) __typeof__(f) *f;
	GMIME_FUNCS(X)
#undef X
} gm;
static const fort_dl_sym gm_syms[] = {
#define X(f) { #f, (void **)&gm.f },
	GMIME_FUNCS(X)
#undef X
};
static fort_dl gm_dl = FORT_DL_INIT("libgmime-3.0.so.0", "libgmime-3.0-0", gm_syms);
#undef g_once_init_enter
#undef g_once_init_leave
#define g_intern_static_string (*gm.g_intern_static_string)
#define g_mime_charset_iconv_name (*gm.g_mime_charset_iconv_name)
#define g_mime_content_type_get_parameter (*gm.g_mime_content_type_get_parameter)
#define g_mime_content_type_is_type (*gm.g_mime_content_type_is_type)
#define g_mime_data_wrapper_get_encoding (*gm.g_mime_data_wrapper_get_encoding)
#define g_mime_data_wrapper_get_stream (*gm.g_mime_data_wrapper_get_stream)
#define g_mime_header_get_name (*gm.g_mime_header_get_name)
#define g_mime_header_get_value (*gm.g_mime_header_get_value)
#define g_mime_header_list_get_count (*gm.g_mime_header_list_get_count)
#define g_mime_header_list_get_header_at (*gm.g_mime_header_list_get_header_at)
#define g_mime_init (*gm.g_mime_init)
#define g_mime_message_get_mime_part (*gm.g_mime_message_get_mime_part)
#define g_mime_message_part_get_message (*gm.g_mime_message_part_get_message)
#define g_mime_message_part_get_type (*gm.g_mime_message_part_get_type)
#define g_mime_multipart_get_count (*gm.g_mime_multipart_get_count)
#define g_mime_multipart_get_part (*gm.g_mime_multipart_get_part)
#define g_mime_multipart_get_type (*gm.g_mime_multipart_get_type)
#define g_mime_object_get_content_type (*gm.g_mime_object_get_content_type)
#define g_mime_object_get_header_list (*gm.g_mime_object_get_header_list)
#define g_mime_object_get_type (*gm.g_mime_object_get_type)
#define g_mime_parser_construct_message (*gm.g_mime_parser_construct_message)
#define g_mime_parser_eos (*gm.g_mime_parser_eos)
#define g_mime_parser_new_with_stream (*gm.g_mime_parser_new_with_stream)
#define g_mime_parser_set_format (*gm.g_mime_parser_set_format)
#define g_mime_part_get_content (*gm.g_mime_part_get_content)
#define g_mime_part_get_filename (*gm.g_mime_part_get_filename)
#define g_mime_part_get_type (*gm.g_mime_part_get_type)
#define g_mime_stream_close (*gm.g_mime_stream_close)
#define g_mime_stream_construct (*gm.g_mime_stream_construct)
#define g_mime_stream_eos (*gm.g_mime_stream_eos)
#define g_mime_stream_fs_new (*gm.g_mime_stream_fs_new)
#define g_mime_stream_get_type (*gm.g_mime_stream_get_type)
#define g_mime_stream_length (*gm.g_mime_stream_length)
#define g_mime_stream_mem_new_with_buffer (*gm.g_mime_stream_mem_new_with_buffer)
#define g_mime_stream_read (*gm.g_mime_stream_read)
#define g_mime_stream_reset (*gm.g_mime_stream_reset)
#define g_mime_stream_seek (*gm.g_mime_stream_seek)
#define g_mime_stream_tell (*gm.g_mime_stream_tell)
#define g_object_new (*gm.g_object_new)
#define g_object_unref (*gm.g_object_unref)
#define g_once_init_enter (*gm.g_once_init_enter)
#define g_once_init_leave (*gm.g_once_init_leave)
#define g_type_check_class_cast (*gm.g_type_check_class_cast)
#define g_type_check_instance_cast (*gm.g_type_check_instance_cast)
#define g_type_check_instance_is_a (*gm.g_type_check_instance_is_a)
#define g_type_class_adjust_private_offset (*gm.g_type_class_adjust_private_offset)
#define g_type_class_peek_parent (*gm.g_type_class_peek_parent)
#define g_type_register_static_simple (*gm.g_type_register_static_simple)

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;
static int gmime_ok;

static void gmime_init(void)
{
	if (fort_dl_need(&gm_dl) == 0) {
		g_mime_init();
		gmime_ok = 1;
	}
}

/* GMime loaded and started?  If not, the mail is reported as skipped with
 * what to install, as a PDF without poppler (read_pdf.c). */
static int gmime_start(rd *r)
{
	pthread_once(&gmime_once, gmime_init);
	if (!gmime_ok)
		rd_skipped(r, "mail not read: %s", gm_dl.why);
	return gmime_ok;
}

/* ---- a guard between GMime's parser and the file ----
 *
 * GMime keeps every header and every part of a message in memory (the
 * content stays on disk).  A hostile file (a header block of a gigabyte,
 * a million empty parts) would make that unbounded, so the parser reads
 * through this stream, which follows the header blocks (after the start,
 * a "From " line or a "--" line, up to a blank line) and the "--" lines of
 * a message, and ends the stream when either is past its limit.  Parts are
 * read through substreams of the file itself, not through the guard. */

#define GUARD_MAX_HEADER ((uint64_t)1 << 20)
#define GUARD_MAX_DASHES 10000

typedef struct {
	GMimeStream parent;
	GMimeStream *inner;
	int in_header;           /* inside a (possible) header block */
	int collect;             /* at the start of a line: collecting PFX */
	int npfx;
	char pfx[5];
	uint64_t hbytes;         /* bytes of the current header block */
	unsigned dashes;         /* "--" lines in the current message */
	const char *exceeded;    /* why the stream was ended */
} GuardStream;

typedef struct {
	GMimeStreamClass parent_class;
} GuardStreamClass;

static GType guard_stream_get_type(void);
G_DEFINE_TYPE(GuardStream, guard_stream, GMIME_TYPE_STREAM)

static void guard_line_end(GuardStream *g, int blank)
{
	if (blank) {
		g->in_header = 0;
	} else if (g->npfx == 5 && memcmp(g->pfx, "From ", 5) == 0) {
		g->in_header = 1;
		g->hbytes = 0;
		g->dashes = 0;
	} else if (g->npfx >= 2 && g->pfx[0] == '-' && g->pfx[1] == '-') {
		if (!g->in_header)
			g->hbytes = 0;
		g->in_header = 1;
		if (++g->dashes > GUARD_MAX_DASHES)
			g->exceeded = "damaged mail: more than 10000 MIME parts in one message; the rest of the file is not read";
	}
	g->collect = 1;
	g->npfx = 0;
}

static void guard_scan(GuardStream *g, const char *p, size_t n)
{
	const char *end = p + n;
	while (p < end && !g->exceeded) {
		if (g->collect) {
			char c = *p++;
			g->hbytes += g->in_header;
			if (c == '\n') {
				guard_line_end(g, g->npfx == 0 || (g->npfx == 1 && g->pfx[0] == '\r'));
				continue;
			}
			g->pfx[g->npfx++] = c;
			if (g->npfx == (int)sizeof g->pfx)
				g->collect = 0;
			continue;
		}
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t k = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
		if (g->in_header)
			g->hbytes += k;
		p += k;
		if (nl)
			guard_line_end(g, 0);
	}
	if (g->hbytes > GUARD_MAX_HEADER && !g->exceeded)
		g->exceeded = "damaged mail: a header block larger than 1 MiB; the rest of the file is not read";
}

static ssize_t guard_read(GMimeStream *st, char *buf, size_t len)
{
	GuardStream *g = (GuardStream *)st;
	ssize_t n;
	if (g->exceeded)
		return -1;
	n = g_mime_stream_read(g->inner, buf, len);
	if (n > 0)
		guard_scan(g, buf, (size_t)n);
	st->position = g->inner->position;
	return g->exceeded ? -1 : n;
}

static ssize_t guard_write(GMimeStream *st, const char *buf, size_t len)
{
	(void)st; (void)buf; (void)len;
	return -1;
}

static int guard_flush(GMimeStream *st)
{
	(void)st;
	return 0;
}

static int guard_close(GMimeStream *st)
{
	return g_mime_stream_close(((GuardStream *)st)->inner);
}

static gboolean guard_eos(GMimeStream *st)
{
	GuardStream *g = (GuardStream *)st;
	return g->exceeded || g_mime_stream_eos(g->inner);
}

static void guard_restart(GuardStream *g)
{
	/* somewhere unknown in the file: not in a header block */
	g->in_header = g->inner->position <= g->inner->bound_start;
	g->collect = 1;
	g->npfx = 0;
	g->hbytes = 0;
}

static int guard_reset(GMimeStream *st)
{
	GuardStream *g = (GuardStream *)st;
	int rc = g_mime_stream_reset(g->inner);
	st->position = g->inner->position;
	guard_restart(g);
	return rc;
}

static gint64 guard_seek(GMimeStream *st, gint64 off, GMimeSeekWhence whence)
{
	GuardStream *g = (GuardStream *)st;
	gint64 rc = g_mime_stream_seek(g->inner, off, whence);
	st->position = g->inner->position;
	guard_restart(g);
	return rc;
}

static gint64 guard_tell(GMimeStream *st)
{
	return g_mime_stream_tell(((GuardStream *)st)->inner);
}

static gint64 guard_length(GMimeStream *st)
{
	return g_mime_stream_length(((GuardStream *)st)->inner);
}

/* The part's window onto the file itself.  WARNING: not through
 * g_mime_stream_substream(inner): that takes a reference on INNER and
 * records it as the window's super stream, and then our caller
 * (g_mime_stream_substream on the guard) overwrites the super stream with
 * the guard, so INNER's reference was never dropped: every mail read leaked
 * its file descriptor and its buffers.  The inner class's own method makes
 * the window without a reference; our caller then references the guard,
 * which holds INNER. */
static GMimeStream *guard_substream(GMimeStream *st, gint64 start, gint64 end)
{
	GMimeStream *inner = ((GuardStream *)st)->inner;
	return GMIME_STREAM_GET_CLASS(inner)->substream(inner, start, end);
}

static void guard_finalize(GObject *o)
{
	GuardStream *g = (GuardStream *)o;
	if (g->inner)
		g_object_unref(g->inner);
	G_OBJECT_CLASS(guard_stream_parent_class)->finalize(o);
}

static void guard_stream_class_init(GuardStreamClass *k)
{
	GMimeStreamClass *sk = GMIME_STREAM_CLASS(k);
	G_OBJECT_CLASS(k)->finalize = guard_finalize;
	sk->read = guard_read;
	sk->write = guard_write;
	sk->flush = guard_flush;
	sk->close = guard_close;
	sk->eos = guard_eos;
	sk->reset = guard_reset;
	sk->seek = guard_seek;
	sk->tell = guard_tell;
	sk->length = guard_length;
	sk->substream = guard_substream;
}

static void guard_stream_init(GuardStream *g)
{
	g->in_header = 1;
	g->collect = 1;
}

/* Takes INNER's reference. */
static GMimeStream *guard_new(GMimeStream *inner)
{
	GuardStream *g = g_object_new(guard_stream_get_type(), NULL);
	g->inner = inner;
	g_mime_stream_construct(GMIME_STREAM(g), inner->bound_start, inner->bound_end);
	GMIME_STREAM(g)->position = inner->position;
	return GMIME_STREAM(g);
}

/* ---- the content of one part, decoded ---- */

enum { ENC_NONE, ENC_BASE64, ENC_QP };

typedef struct {
	GMimeStream *raw;
	int mbox;                /* undo mboxrd ">From " quoting */
	int enc;
	int eof;
	/* mbox unquoting: at the start of a line, a run of '>' then "From " */
	int sol;
	size_t npend;
	char pend[64];
	/* base64 */
	uint32_t quad;
	int nq, padded;
	/* quoted-printable: what follows a '=' */
	size_t nqp;
	char qp[2];
	uint64_t pos;            /* encoded bytes decoded so far */
	char why[160];           /* set when the part is broken */
	size_t declen, decpos;
	unsigned char dec[65536 + 128];
	char tmp[49152];
	char unq[49152 + 128];
} part_io;

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* Decode IN into p->dec (never larger than its input). */
static void decode(part_io *p, const unsigned char *in, size_t n)
{
	unsigned char *o = p->dec + p->declen;
	if (p->enc == ENC_NONE) {
		memcpy(o, in, n);
		p->declen += n;
		p->pos += n;
		return;
	}
	for (size_t i = 0; i < n && !p->why[0]; i++, p->pos++) {
		unsigned char c = in[i];
		int v;
		if (p->enc == ENC_QP && p->nqp == 0 && c != '=') {
			/* a run of plain text up to the next '=' */
			const unsigned char *eq = memchr(in + i, '=', n - i);
			size_t k = eq ? (size_t)(eq - (in + i)) : n - i;
			memcpy(o, in + i, k);
			o += k;
			i += k - 1;
			p->pos += k - 1;
			continue;
		}
		switch (p->enc) {
		case ENC_BASE64:
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				break;
			if (c == '=') {
				if (p->nq == 1) {
					snprintf(p->why, sizeof p->why, "damaged base64: padding after one character at byte %llu of the part; the rest is not read",
						 (unsigned long long)p->pos);
					break;
				}
				if (p->nq == 2)
					*o++ = (unsigned char)(p->quad >> 4);
				else if (p->nq == 3) {
					*o++ = (unsigned char)(p->quad >> 10);
					*o++ = (unsigned char)(p->quad >> 2);
				}
				p->nq = 0;
				p->quad = 0;
				p->padded = 1;
				break;
			}
			if ((v = b64_value(c)) < 0) {
				snprintf(p->why, sizeof p->why, "damaged base64: an invalid character at byte %llu of the part; the rest is not read",
					 (unsigned long long)p->pos);
				break;
			}
			p->quad = p->quad << 6 | (uint32_t)v;
			if (++p->nq == 4) {
				*o++ = (unsigned char)(p->quad >> 16);
				*o++ = (unsigned char)(p->quad >> 8);
				*o++ = (unsigned char)p->quad;
				p->nq = 0;
				p->quad = 0;
			}
			break;
		case ENC_QP:
			/* NQP: 0 text, 1 after '=', 2 after '=' and one more,
			 * 3 after "=\r" (a soft line break) */
			if (p->nqp == 0) {
				if (c == '=')
					p->nqp = 1;
				else
					*o++ = c;
			} else if (p->nqp == 1) {
				if (c == '\n')
					p->nqp = 0;
				else if (c == '\r')
					p->nqp = 3;
				else {
					p->qp[1] = (char)c;
					p->nqp = 2;
				}
			} else if (p->nqp == 3) {
				p->nqp = c == '=' ? 1 : 0;
				if (c != '\n' && c != '=')
					*o++ = c;
			} else {
				int hi = hexval(p->qp[1]), lo = hexval((char)c);
				p->nqp = 0;
				if (hi >= 0 && lo >= 0) {
					*o++ = (unsigned char)(hi << 4 | lo);
				} else {        /* not an escape: keep it as it is */
					*o++ = '=';
					*o++ = (unsigned char)p->qp[1];
					*o++ = c;
				}
			}
			break;
		default:
			*o++ = c;
		}
	}
	p->declen = (size_t)(o - p->dec);
}

/* Undo mboxrd quoting of IN into p->unq; returns the length. */
static size_t unquote(part_io *p, const char *in, size_t n, int at_end)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (p->npend) {
			size_t gt = 0;
			p->pend[p->npend++] = c;
			while (gt < p->npend && p->pend[gt] == '>')
				gt++;
			size_t rest = p->npend - gt;
			if (rest <= 5 && memcmp(p->pend + gt, "From ", rest) == 0) {
				if (rest == 5) {        /* ">From ": drop one '>' */
					memcpy(p->unq + o, p->pend + 1, p->npend - 1);
					o += p->npend - 1;
					p->npend = 0;
					p->sol = 0;
				} else if (p->npend == sizeof p->pend) {
					memcpy(p->unq + o, p->pend, p->npend);
					o += p->npend;
					p->npend = 0;
					p->sol = 0;
				}
				continue;
			}
			memcpy(p->unq + o, p->pend, p->npend);
			o += p->npend;
			p->npend = 0;
			p->sol = c == '\n';
			continue;
		}
		if (p->sol && c == '>') {
			p->pend[0] = c;
			p->npend = 1;
			continue;
		}
		/* the rest of the line as it is */
		const char *nl = memchr(in + i, '\n', n - i);
		size_t k = nl ? (size_t)(nl - (in + i)) + 1 : n - i;
		memcpy(p->unq + o, in + i, k);
		o += k;
		i += k - 1;
		p->sol = nl != NULL;
	}
	if (at_end && p->npend) {
		memcpy(p->unq + o, p->pend, p->npend);
		o += p->npend;
		p->npend = 0;
	}
	return o;
}

static ssize_t part_read(void *ctx, void *buf, size_t len)
{
	part_io *p = ctx;
	while (p->decpos == p->declen) {
		ssize_t n;
		if (p->why[0])
			return RD_BROKEN;
		if (p->eof) {
			if (p->enc == ENC_BASE64 && p->nq == 1) {
				snprintf(p->why, sizeof p->why, "damaged base64: truncated at byte %llu of the part",
					 (unsigned long long)p->pos);
				return RD_BROKEN;
			}
			if (p->enc == ENC_BASE64 && p->nq > 1) {
				/* missing padding: what the characters say */
				decode(p, (const unsigned char *)"==", (size_t)(4 - p->nq));
				if (p->decpos < p->declen)
					break;
			}
			return 0;
		}
		p->declen = p->decpos = 0;
		/* a GMime stream bounded to a part returns -1 (not 0) once at
		 * its end: ask eos first */
		n = g_mime_stream_eos(p->raw) ? 0 : g_mime_stream_read(p->raw, p->tmp, sizeof p->tmp);
		if (n < 0 && g_mime_stream_eos(p->raw))
			n = 0;
		if (n < 0) {
			snprintf(p->why, sizeof p->why, "damaged mail: the part could not be read");
			return RD_BROKEN;
		}
		p->eof = n == 0;
		if (p->mbox) {
			size_t u = unquote(p, p->tmp, (size_t)n, p->eof);
			decode(p, (const unsigned char *)p->unq, u);
		} else {
			decode(p, (const unsigned char *)p->tmp, (size_t)n);
		}
	}
	size_t k = p->declen - p->decpos;
	if (k > len)
		k = len;
	memcpy(buf, p->dec + p->decpos, k);
	p->decpos += k;
	return (ssize_t)k;
}

/* ---- HTML to text ---- */

typedef struct {
	rd *r;
	int st;                  /* 0 text, 1 tag, 2 entity, 3 comment */
	int skip;                /* inside <script> or <style> */
	int closing, named, bang;
	size_t ntag, nent;
	int dashes;
	char tag[16];
	char ent[12];
	size_t o;
	char out[8192];
} html;

static int h_flush(html *h)
{
	int rc = rd_text(h->r, h->out, h->o);
	h->o = 0;
	return rc;
}

static int h_put(html *h, const char *s, size_t n)
{
	int rc;
	if (h->skip)
		return 0;
	if (h->o + n > sizeof h->out && (rc = h_flush(h)) < 0)
		return rc;
	if (n > sizeof h->out)
		return rd_text(h->r, s, n);
	memcpy(h->out + h->o, s, n);
	h->o += n;
	return 0;
}

static size_t utf8_encode(char *o, unsigned long cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) { o[0] = (char)cp; return 1; }
	if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The entity in h->ent (without '&' and ';'): its text, or itself. */
static int h_entity(html *h)
{
	static const struct { const char *n, *t; } named[] = {
		{ "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" },
		{ "nbsp", " " }, { "euro", "\xe2\x82\xac" }, { "shy", "" }, { "ndash", "-" }, { "mdash", "-" },
	};
	char u[4];
	h->ent[h->nent] = '\0';
	if (h->ent[0] == '#') {
		char *end;
		unsigned long cp = h->ent[1] == 'x' || h->ent[1] == 'X' ? strtoul(h->ent + 2, &end, 16)
									   : strtoul(h->ent + 1, &end, 10);
		if (*end == '\0' && end != h->ent + 1)
			return h_put(h, u, utf8_encode(u, cp));
	} else {
		for (size_t i = 0; i < sizeof named / sizeof *named; i++)
			if (strcmp(h->ent, named[i].n) == 0)
				return h_put(h, named[i].t, strlen(named[i].t));
	}
	int rc = h_put(h, "&", 1);
	return rc < 0 ? rc : h_put(h, h->ent, h->nent);
}

static int h_tag_done(html *h)
{
	static const char *block[] = { "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
		"table", "ul", "ol", "blockquote", "title", "hr", "pre", "address" };
	h->tag[h->ntag] = '\0';
	if (strcmp(h->tag, "script") == 0 || strcmp(h->tag, "style") == 0) {
		h->skip = !h->closing;
		return 0;
	}
	if (strcmp(h->tag, "td") == 0 || strcmp(h->tag, "th") == 0)
		return h->closing ? h_put(h, "\t", 1) : 0;
	for (size_t i = 0; i < sizeof block / sizeof *block; i++)
		if (strcmp(h->tag, block[i]) == 0)
			return h_put(h, "\n", 1);
	return 0;
}

static int html_put(void *ctx, const char *s, size_t n)
{
	html *h = ctx;
	int rc = 0;
	for (size_t i = 0; i < n && rc >= 0; i++) {
		char c = s[i];
		switch (h->st) {
		case 0:
			if (c == '<') {
				h->st = 1;
				h->ntag = 0;
				h->closing = h->named = h->bang = 0;
			} else if (c == '&') {
				h->st = 2;
				h->nent = 0;
			} else {
				/* a run of text up to the next markup */
				size_t k = 1;
				while (i + k < n && s[i + k] != '<' && s[i + k] != '&')
					k++;
				rc = h_put(h, s + i, k);
				i += k - 1;
			}
			break;
		case 1:
			if (c == '>') {
				h->st = 0;
				rc = h_tag_done(h);
			} else if (!h->named && h->ntag == 0 && c == '/' && !h->closing) {
				h->closing = 1;
			} else if (!h->named && h->ntag == 0 && c == '!') {
				h->bang = 1;
			} else if (h->bang && c == '-' && h->ntag < 2) {
				if (++h->ntag == 2) {
					h->st = 3;      /* <!-- comment --> */
					h->dashes = 0;
				}
			} else if (!h->named && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
				if (h->ntag < sizeof h->tag - 1)
					h->tag[h->ntag++] = (char)(c | 0x20);
			} else {
				h->named = 1;           /* attributes: not text */
			}
			break;
		case 2:
			if (c == ';') {
				h->st = 0;
				rc = h_entity(h);
			} else if (h->nent < sizeof h->ent - 1 && (c == '#' || (c >= 'a' && c <= 'z') ||
								 (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
				h->ent[h->nent++] = c;
			} else {
				/* not an entity: give back what was taken */
				h->st = 0;
				if ((rc = h_put(h, "&", 1)) >= 0 && (rc = h_put(h, h->ent, h->nent)) >= 0) {
					if (c == '<') {
						h->st = 1;
						h->ntag = 0;
						h->closing = h->named = h->bang = 0;
					} else {
						rc = h_put(h, &c, 1);
					}
				}
			}
			break;
		case 3:
			if (c == '>' && h->dashes >= 2)
				h->st = 0;
			h->dashes = c == '-' ? h->dashes + 1 : 0;
			break;
		}
	}
	return rc;
}

/* ---- a text part: charset to UTF-8, HTML stripped ---- */

static int text_out(void *ctx, const char *s, size_t n)
{
	return rd_text(ctx, s, n);
}

static int text_part(rd *r, rd_src *src, GMimeContentType *ct)
{
	const char *cs = g_mime_content_type_get_parameter(ct, "charset");
	int is_html = g_mime_content_type_is_type(ct, "text", "html");
	html *h = NULL;
	rd_autotext at = { 0 };
	iconv_t cd = (iconv_t)-1;
	char in[16384 + 8], out[65536];
	size_t have = 0;
	int rc, (*out_fn)(void *, const char *, size_t) = text_out;
	void *octx = r;

	if (is_html) {
		if (!(h = fort_calloc(1, sizeof *h)))
			return FORT_ENOMEM;
		h->r = r;
		out_fn = html_put;
		octx = h;
	}
	at.out = out_fn;
	at.octx = octx;
	if (cs && (strcasecmp(cs, "windows-1252") == 0 || strcasecmp(cs, "cp1252") == 0 ||
		   strcasecmp(cs, "iso-8859-1") == 0 || strcasecmp(cs, "latin1") == 0))
		at.cp1252 = 1;          /* Latin-1 as its superset, as browsers do */
	else if (cs && strcasecmp(cs, "utf-8") != 0 && strcasecmp(cs, "us-ascii") != 0)
		cd = iconv_open("UTF-8", g_mime_charset_iconv_name(cs));

	if ((rc = rd_begin(r)) < 0)
		goto out_free;
	for (;;) {
		ssize_t n = rd_src_read(src, in + have, sizeof in - 8 - have);
		if (n < 0) {
			rc = (int)n;
			goto out;
		}
		if (cd == (iconv_t)-1) {
			if (n == 0)
				break;
			if ((rc = rd_autotext_put(r, &at, in, (size_t)n)) < 0)
				goto out;
			continue;
		}
		have += (size_t)n;
		char *ip = in, *op = out;
		size_t il = have, ol = sizeof out;
		while (il) {
			if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
				break;
			if (errno == EILSEQ || (errno == EINVAL && n == 0)) {
				if (ol < 3) {
					if ((rc = out_fn(octx, out, (size_t)(op - out))) < 0)
						goto out;
					op = out;
					ol = sizeof out;
				}
				memcpy(op, "\xef\xbf\xbd", 3);
				op += 3;
				ol -= 3;
				ip++;
				il--;
			} else if (errno == E2BIG) {
				if ((rc = out_fn(octx, out, (size_t)(op - out))) < 0)
					goto out;
				op = out;
				ol = sizeof out;
			} else {
				break;          /* EINVAL: a sequence cut by the chunk */
			}
		}
		if ((rc = out_fn(octx, out, (size_t)(op - out))) < 0)
			goto out;
		memmove(in, ip, il);
		have = il;
		if (n == 0)
			break;
	}
	if ((rc = rd_autotext_flush(r, &at)) < 0)
		goto out;
	if (h && h->st == 2)            /* an '&' at the very end */
		rc = h_put(h, "&", 1) < 0 ? FORT_ERROR : h_put(h, h->ent, h->nent);
	if (rc >= 0 && h)
		rc = h_flush(h);
out:
	rc = rd_finish(r, rc);
out_free:
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	free(h);
	return rc;
}

/* ---- structure ---- */

static int message(rd *r, GMimeMessage *m, int mbox, unsigned depth);

static const char *const transport_headers[] = {
	"received", "dkim-signature", "domainkey-signature", "arc-seal", "arc-message-signature",
	"arc-authentication-results", "authentication-results", "received-spf", "message-id",
	"references", "in-reply-to", "mime-version", "content-type", "content-transfer-encoding",
	"content-disposition", "content-id", "x-received", "x-google-dkim-signature",
	"x-google-smtp-source", "x-gm-message-state", "x-ms-exchange-organization-network-message-id",
	"thread-index", "x-ms-has-attach", "x-ms-tnef-correlator", "list-unsubscribe", "precedence",
};

static int transport(const char *name)
{
	for (size_t i = 0; i < sizeof transport_headers / sizeof *transport_headers; i++)
		if (strcasecmp(name, transport_headers[i]) == 0)
			return 1;
	return strncasecmp(name, "x-ms-exchange-", 14) == 0 || strncasecmp(name, "arc-", 4) == 0;
}

static int headers(rd *r, GMimeObject *obj)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int n = hl ? g_mime_header_list_get_count(hl) : 0, rc;
	if ((rc = rd_begin(r)) < 0)
		return rc;
	for (int i = 0; i < n && rc >= 0; i++) {
		GMimeHeader *hd = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(hd), *value = g_mime_header_get_value(hd);
		if (!name || transport(name))
			continue;
		/* values are unfolded and their encoded-words decoded by GMime */
		if ((rc = rd_text(r, name, strlen(name))) >= 0 && (rc = rd_text(r, ": ", 2)) >= 0 &&
		    (rc = rd_text(r, value ? value : "", value ? strlen(value) : 0)) >= 0)
			rc = rd_text(r, "\n", 1);
	}
	return rd_finish(r, rc);
}

static int leaf(rd *r, GMimePart *part, int mbox, unsigned depth, const char *name)
{
	GMimeObject *obj = GMIME_OBJECT(part);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	part_io *p;
	rd_src src = { 0 };
	int rc;

	if (!w)
		return 0;
	/* the buffers (180 KB) need no zeroing: only the state before them */
	if (!(p = fort_malloc(sizeof *p)))
		return FORT_ENOMEM;
	memset(p, 0, offsetof(part_io, dec));
	p->raw = g_mime_data_wrapper_get_stream(w);
	p->mbox = mbox;
	p->sol = 1;
	switch (g_mime_data_wrapper_get_encoding(w)) {
	case GMIME_CONTENT_ENCODING_BASE64: p->enc = ENC_BASE64; break;
	case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE: p->enc = ENC_QP; break;
	default: p->enc = ENC_NONE;
	}
	if (!p->raw || g_mime_stream_reset(p->raw) < 0) {
		rd_skipped(r, "damaged mail: the part could not be read");
		free(p);
		return 0;
	}
	src.read = part_read;
	src.ctx = p;
	src.fd = -1;
	if (ct && (g_mime_content_type_is_type(ct, "text", "plain") || g_mime_content_type_is_type(ct, "text", "html")))
		rc = text_part(r, &src, ct);
	else
		rc = rd_stream(r, &src, name, depth + 1);
	if (p->why[0] && (rc == RD_BROKEN || rc >= 0)) {
		rd_skipped(r, "%s", p->why);
		rc = 0;
	} else if (rc == RD_BROKEN) {
		rc = 0;                 /* reported where it broke */
	}
	free(p);
	return rc;
}

/* Multiparts nested deeper than this are not walked (a hostile mail would
 * take the stack; real ones nest 3 or 4 levels). */
#define MAX_MULTIPART_NESTING 64

static int walk(rd *r, GMimeObject *obj, int mbox, unsigned depth, unsigned *partno, unsigned nest)
{
	char num[32];
	const char *name;
	size_t base = r->logical.len;
	int rc = 0;

	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		if (nest >= MAX_MULTIPART_NESTING) {
			rd_skipped(r, "too deep: MIME parts nested more than %d levels", MAX_MULTIPART_NESTING);
			return 0;
		}
		for (int i = 0; i < n && rc >= 0; i++)
			rc = walk(r, g_mime_multipart_get_part(mp, i), mbox, depth, partno, nest + 1);
		return rc;
	}
	++*partno;
	snprintf(num, sizeof num, "part-%u", *partno);
	name = GMIME_IS_PART(obj) ? g_mime_part_get_filename(GMIME_PART(obj)) : NULL;
	rd_push(r, "/", name && *name ? name : num);
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (!m)
			;
		else if (depth + 1 > r->lim->max_depth)
			rd_skipped(r, "too deep: more than %u nested containers", r->lim->max_depth);
		else
			rc = message(r, m, mbox, depth + 1);
	} else if (GMIME_IS_PART(obj)) {
		rc = leaf(r, GMIME_PART(obj), mbox, depth, name && *name ? name : "");
	}
	rd_pop(r, base);
	return rc;
}

static int message(rd *r, GMimeMessage *m, int mbox, unsigned depth)
{
	GMimeObject *body = g_mime_message_get_mime_part(m);
	unsigned partno = 0;
	int rc = headers(r, GMIME_OBJECT(m));
	if (rc >= 0 && body)
		rc = walk(r, body, mbox, depth, &partno, 0);
	return rc;
}

int rd_mime(rd *r, rd_src *s, int mbox, unsigned depth)
{
	GMimeStream *st;
	GMimeParser *parser;
	size_t base = r->logical.len;
	unsigned n = 0;
	int rc = 0;

	if (!gmime_start(r))
		return 0;
	if (s->fd >= 0 && s->headpos == 0) {
		int fd = dup(s->fd);
		if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0) {
			if (fd >= 0)
				close(fd);
			return fort_error_set(FORT_EIO, "%s: cannot read: %s", r->path, strerror(errno));
		}
		st = g_mime_stream_fs_new(fd);          /* owns fd */
	} else {
		fort_buf b;
		int too_large;
		fort_buf_init(&b, RD_MAX_INMEM + 1);
		b.secret = 1;
		if ((rc = rd_src_slurp(s, &b, RD_MAX_INMEM, &too_large)) < 0) {
			fort_buf_release(&b);
			return rc;
		}
		if (too_large) {
			fort_buf_release(&b);
			rd_skipped(r, "too large: a mail inside another container is read whole, up to %zu MiB",
				   RD_MAX_INMEM >> 20);
			return 0;
		}
		st = g_mime_stream_mem_new_with_buffer(b.buf, b.len);
		fort_buf_release(&b);
	}
	st = guard_new(st);
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, mbox ? GMIME_FORMAT_MBOX : GMIME_FORMAT_MESSAGE);
	while (!g_mime_parser_eos(parser)) {
		GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
		char num[32];
		if (!m) {
			if (n == 0)
				rd_skipped(r, "damaged mail: no message could be read");
			break;
		}
		n++;
		if (mbox) {
			snprintf(num, sizeof num, "#%u", n);
			rd_push(r, num, NULL);
		}
		rc = message(r, m, mbox, depth);
		rd_pop(r, base);
		g_object_unref(m);
		if (rc < 0 || !mbox)
			break;
	}
	if (rc >= 0 && ((GuardStream *)st)->exceeded)
		rd_skipped(r, "%s", ((GuardStream *)st)->exceeded);
	g_object_unref(parser);
	g_object_unref(st);
	return rc;
}

/* One message of an mbox, BUF (LEN bytes, from its "From " line to the
 * next one), through GMime: what the fast path (read_mbox.c) does not take.
 * The caller has pushed the message's "#N". */
int rd_mime_one(rd *r, const char *buf, size_t len, unsigned depth)
{
	GMimeStream *st;
	GMimeParser *parser;
	GMimeMessage *m;
	int rc = 0;

	if (!gmime_start(r))
		return 0;
	st = guard_new(g_mime_stream_mem_new_with_buffer(buf, len));
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX);
	if ((m = g_mime_parser_construct_message(parser, NULL))) {
		rc = message(r, m, 1, depth);
		g_object_unref(m);
	} else {
		rd_skipped(r, "damaged mail: the message could not be read");
	}
	if (rc >= 0 && ((GuardStream *)st)->exceeded)
		rd_skipped(r, "%s", ((GuardStream *)st)->exceeded);
	g_object_unref(parser);
	g_object_unref(st);
	return rc;
}

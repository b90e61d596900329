/* backup.c - encrypted backups: create, verify, restore (format in backup.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include "vault/attach.h"
#include "vault/vault_int.h"
#include "vault/op.h"
#include "backup/backup.h"
#include "audit/exports.h"
#include "keys/recovery.h"

#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define SS_HEADERBYTES crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define PREFIX_FIXED (BACKUP_MAGIC_LEN + 4 + 4)
#define CHECKSUM_LEN 32

/* ------------------------------------------------------------ file helpers */

static ssize_t read_full(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, p + got, n - got);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static int write_all(int fd, const void *buf, size_t n, const char *what)
{
	const unsigned char *p = buf;
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return fort_error_set(FORT_EIO, "cannot write %s: %s%s", what, strerror(errno),
					      errno == ENOSPC ? " (free some space and try again)" : "");
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The directory of PATH (malloc'ed), "." when it has none. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return fort_strdup(".");
	if (slash == path)
		return fort_strdup("/");
	return fort_strndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static int fsync_dir(const char *path)
{
	char *dir = dir_of(path);
	int fd, r = 0;
	if (!dir)
		return FORT_ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		r = fort_error_set(FORT_EIO, "cannot sync the directory '%s': %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	free(dir);
	return r;
}

static void unlink_db(const char *path)
{
	char side[4200];
	if (!path)
		return;
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-journal", path);
	unlink(side);
}

/* ---------------------------------------------------------------- encoding */

static int put_u16(fort_buf *b, uint16_t x)
{
	unsigned char t[2] = { (unsigned char)(x >> 8), (unsigned char)x };
	return fort_buf_put(b, t, 2);
}

static int put_u32(fort_buf *b, uint32_t x)
{
	unsigned char t[4];
	for (int i = 0; i < 4; i++)
		t[i] = (unsigned char)(x >> (24 - 8 * i));
	return fort_buf_put(b, t, 4);
}

static int put_u64(fort_buf *b, uint64_t x)
{
	unsigned char t[8];
	for (int i = 0; i < 8; i++)
		t[i] = (unsigned char)(x >> (56 - 8 * i));
	return fort_buf_put(b, t, 8);
}

static int put_bytes16(fort_buf *b, const void *p, size_t n)
{
	if (n > 0xffff)
		return fort_error_set(FORT_EINPUT, "a backup header field is too long");
	int r = put_u16(b, (uint16_t)n);
	return r < 0 ? r : fort_buf_put(b, p, n);
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A bounds-checked reader over the header; OFF0 is the header's offset in
 * the file so that errors name file offsets. */
typedef struct {
	const unsigned char *p;
	size_t n, off, off0;
	int bad;
	size_t bad_at;
	const char *bad_what;
} cursor;

static const unsigned char *take(cursor *c, size_t n, const char *what)
{
	const unsigned char *p;
	if (c->bad)
		return NULL;
	if (n > c->n - c->off) {
		c->bad = 1;
		c->bad_at = c->off0 + c->off;
		c->bad_what = what;
		return NULL;
	}
	p = c->p + c->off;
	c->off += n;
	return p;
}

static uint64_t get_uint(cursor *c, size_t n, const char *what)
{
	const unsigned char *p = take(c, n, what);
	uint64_t x = 0;
	for (size_t i = 0; p && i < n; i++)
		x = x << 8 | p[i];
	return x;
}

/* A length-prefixed field of at most CAP bytes into OUT; with TEXT, it must
 * be UTF-8 without NUL and OUT is NUL-terminated (CAP includes the NUL). */
static size_t get_field(cursor *c, unsigned char *out, size_t cap, int text, const char *what)
{
	size_t at = c->off0 + c->off, n = (size_t)get_uint(c, 2, what);
	const unsigned char *p;
	if (c->bad)
		return 0;
	if (n > cap - (text ? 1 : 0) || !(p = take(c, n, what)) ||
	    (text && (memchr(p, 0, n) || !fort_utf8_valid((const char *)p, n)))) {
		if (!c->bad) {
			c->bad = 1;
			c->bad_at = at;
			c->bad_what = what;
		}
		return 0;
	}
	memcpy(out, p, n);
	if (text)
		out[n] = 0;
	return n;
}

void backup_header_release(backup_header *h)
{
	store_user_release(&h->owner);
	free(h->recovery);
	sodium_memzero(h, sizeof *h);
}

/* Everything before the secretstream header: magic, version, length,
 * header, checksum. */
static int header_encode(fort_buf *b, const backup_header *h)
{
	fort_buf body;
	unsigned char sum[CHECKSUM_LEN];
	int r;
	fort_buf_init(&body, BACKUP_HEADER_MAX);
	if ((r = put_bytes16(&body, h->vault_id, strlen(h->vault_id))) < 0 ||
	    (r = put_u64(&body, (uint64_t)h->created)) < 0 ||
	    (r = put_bytes16(&body, h->tool_version, strlen(h->tool_version))) < 0 ||
	    (r = put_u64(&body, h->clients)) < 0 ||
	    (r = put_u64(&body, (uint64_t)h->audit_seq)) < 0 ||
	    (r = fort_buf_put(&body, h->audit_hash, 32)) < 0 ||
	    (r = put_u32(&body, h->chunk)) < 0 ||
	    (r = put_bytes16(&body, h->owner.name, strlen(h->owner.name))) < 0 ||
	    (r = fort_buf_put(&body, h->owner.box_pk, 32)) < 0 ||
	    (r = fort_buf_put(&body, h->owner.sign_pk, 32)) < 0 ||
	    (r = fort_buf_put(&body, h->owner.salt, 16)) < 0 ||
	    (r = put_u64(&body, h->owner.opslimit)) < 0 ||
	    (r = put_u64(&body, h->owner.memlimit)) < 0 ||
	    (r = put_bytes16(&body, h->owner.sealed, h->owner.sealed_len)) < 0 ||
	    (r = put_u32(&body, h->vk_version)) < 0 ||
	    (r = put_bytes16(&body, h->grant, h->grant_len)) < 0 ||
	    (r = put_bytes16(&body, h->recovery ? h->recovery : (const unsigned char *)"", h->recovery_len)) < 0)
		goto out;
	if ((r = fort_buf_put(b, BACKUP_MAGIC, BACKUP_MAGIC_LEN)) < 0 || (r = put_u32(b, FORT_BACKUP_FORMAT)) < 0 ||
	    (r = put_u32(b, (uint32_t)body.len)) < 0 || (r = fort_buf_put(b, body.buf, body.len)) < 0)
		goto out;
	crypto_generichash(sum, sizeof sum, (const unsigned char *)b->buf, b->len, NULL, 0);
	r = fort_buf_put(b, sum, sizeof sum);
out:
	fort_buf_release(&body);
	return r;
}

static int header_parse(backup_header *h, const unsigned char *p, size_t n, size_t off0)
{
	cursor c = { p, n, 0, off0, 0, 0, NULL };
	unsigned char tmp[256];
	size_t len, kdf_at;

	get_field(&c, (unsigned char *)h->vault_id, sizeof h->vault_id, 1, "vault id");
	h->created = (int64_t)get_uint(&c, 8, "creation time");
	get_field(&c, (unsigned char *)h->tool_version, sizeof h->tool_version, 1, "tool version");
	h->clients = get_uint(&c, 8, "client count");
	h->audit_seq = (int64_t)get_uint(&c, 8, "audit head");
	{
		const unsigned char *q = take(&c, 32, "audit head");
		if (q)
			memcpy(h->audit_hash, q, 32);
	}
	h->chunk = (uint32_t)get_uint(&c, 4, "chunk size");
	len = get_field(&c, tmp, 129, 1, "owner name");
	if (!c.bad && !(h->owner.name = fort_strndup((const char *)tmp, len)))
		return FORT_ENOMEM;
	{
		const unsigned char *q;
		if ((q = take(&c, 32, "owner box key")))
			memcpy(h->owner.box_pk, q, 32);
		if ((q = take(&c, 32, "owner signing key")))
			memcpy(h->owner.sign_pk, q, 32);
		if ((q = take(&c, 16, "owner salt")))
			memcpy(h->owner.salt, q, 16);
	}
	kdf_at = off0 + c.off;
	h->owner.opslimit = get_uint(&c, 8, "owner KDF limits");
	h->owner.memlimit = get_uint(&c, 8, "owner KDF limits");
	len = get_field(&c, tmp, sizeof tmp, 0, "owner keyring");
	if (!c.bad) {
		if (!(h->owner.sealed = fort_malloc(len ? len : 1)))
			return FORT_ENOMEM;
		memcpy(h->owner.sealed, tmp, len);
		h->owner.sealed_len = len;
	}
	h->vk_version = (uint32_t)get_uint(&c, 4, "vault key version");
	h->grant_len = get_field(&c, h->grant, sizeof h->grant, 0, "vault key grant");
	{
		size_t at = off0 + c.off, rl = (size_t)get_uint(&c, 2, "recovery record");
		const unsigned char *q;
		if (!c.bad && rl > BACKUP_RECOVERY_MAX) {
			c.bad = 1;
			c.bad_at = at;
			c.bad_what = "recovery record";
		}
		if ((q = take(&c, rl, "recovery record")) && rl) {
			if (!(h->recovery = fort_malloc(rl)))
				return FORT_ENOMEM;
			memcpy(h->recovery, q, rl);
			h->recovery_len = rl;
		}
	}
	sodium_memzero(tmp, sizeof tmp);
	if (c.bad)
		return fort_error_set(FORT_ECORRUPT, "the backup header is damaged: the %s at byte %zu is cut short or too long",
				      c.bad_what, c.bad_at);
	if (c.off != c.n)
		return fort_error_set(FORT_ECORRUPT, "the backup header is damaged: %zu unexpected bytes at byte %zu",
				      c.n - c.off, off0 + c.off);
	/* Checked before the passphrase goes through Argon2id with them: the
	 * header is only authenticated afterwards (chunk 1's additional data,
	 * under a key that the KDF leads to). */
	if (!keys_kdf_limits_ok(h->owner.opslimit, h->owner.memlimit))
		return fort_error_set(FORT_ECORRUPT, "the backup header is damaged: its key derivation limits (%llu passes, %llu MiB, "
				      "at byte %zu) are not ones Fortress writes (at most 4 passes, 1024 MiB); nothing was derived",
				      (unsigned long long)h->owner.opslimit, (unsigned long long)(h->owner.memlimit >> 20), kdf_at);
	if (strlen(h->vault_id) != 32 || h->chunk < BACKUP_CHUNK_MIN || h->chunk > BACKUP_CHUNK_MAX ||
	    h->grant_len != crypto_box_SEALBYTES + KEY_LEN || h->vk_version == 0 || h->vk_version > 0x7fffffff)
		return fort_error_set(FORT_ECORRUPT, "the backup header holds impossible values: the backup is damaged");
	h->owner.role = fort_strdup("owner");
	return h->owner.role ? 0 : FORT_ENOMEM;
}

/* Read and check magic, version, header and checksum from FD (at offset
 * 0).  PREFIX gets those bytes (the first chunk's additional data). */
static int read_prefix(int fd, const char *path, backup_header *h, fort_buf *prefix)
{
	unsigned char fixed[PREFIX_FIXED], sum[CHECKSUM_LEN], want[CHECKSUM_LEN], *body = NULL;
	ssize_t n;
	uint32_t version, hlen;
	int r;

	memset(h, 0, sizeof *h);
	n = read_full(fd, fixed, sizeof fixed);
	if (n < 0)
		return fort_error_set(FORT_EIO, "cannot read '%s': %s", path, strerror(errno));
	for (ssize_t i = 0; i < BACKUP_MAGIC_LEN; i++)
		if (i >= n || fixed[i] != (unsigned char)BACKUP_MAGIC[i])
			return fort_error_set(FORT_ECORRUPT, "'%s' is not a Fortress backup (%s at byte %zd)", path,
					      i >= n ? "the file ends" : "wrong magic", i);
	if (n < (ssize_t)sizeof fixed)
		return fort_error_set(FORT_ECORRUPT, "'%s' is truncated: it ends at byte %zd, inside the backup header", path, n);
	version = get_be32(fixed + BACKUP_MAGIC_LEN);
	if (version > FORT_BACKUP_FORMAT)
		return fort_error_set(FORT_EVERSION, "'%s' was made by a newer Fortress (backup format %u; this is %s, which reads format %d): "
				      "upgrade Fortress to restore it", path, version, FORT_VERSION, FORT_BACKUP_FORMAT);
	if (version == 0)
		return fort_error_set(FORT_ECORRUPT, "'%s' is damaged: backup format 0 at byte %d", path, BACKUP_MAGIC_LEN);
	hlen = get_be32(fixed + BACKUP_MAGIC_LEN + 4);
	if (hlen < 64 || hlen > BACKUP_HEADER_MAX)
		return fort_error_set(FORT_ECORRUPT, "'%s' is damaged: impossible header length %u at byte %d", path, hlen,
				      BACKUP_MAGIC_LEN + 4);
	if (!(body = fort_malloc(hlen)))
		return FORT_ENOMEM;
	n = read_full(fd, body, hlen);
	if (n >= 0 && n == (ssize_t)hlen)
		n = read_full(fd, sum, sizeof sum) == (ssize_t)sizeof sum ? n : -2;
	if (n < 0 && n != -2) {
		r = fort_error_set(FORT_EIO, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (n != (ssize_t)hlen) {
		r = fort_error_set(FORT_ECORRUPT, "'%s' is truncated: it ends inside the backup header (before byte %zu)", path,
				   (size_t)PREFIX_FIXED + hlen + CHECKSUM_LEN);
		goto out;
	}
	fort_buf_reset(prefix);
	if ((r = fort_buf_put(prefix, fixed, sizeof fixed)) < 0 || (r = fort_buf_put(prefix, body, hlen)) < 0)
		goto out;
	crypto_generichash(want, sizeof want, (const unsigned char *)prefix->buf, prefix->len, NULL, 0);
	if (sodium_memcmp(want, sum, sizeof sum) != 0) {
		r = fort_error_set(FORT_ECORRUPT, "'%s' is damaged: the backup header (bytes 0 to %zu) does not match its checksum",
				   path, prefix->len + CHECKSUM_LEN - 1);
		goto out;
	}
	if ((r = fort_buf_put(prefix, sum, sizeof sum)) < 0)
		goto out;
	h->format = version;
	if ((r = header_parse(h, body, hlen, PREFIX_FIXED)) < 0)
		fort_error_prefix("'%s'", path);
out:
	free(body);
	if (r < 0)
		backup_header_release(h);
	return r;
}

int backup_read_header(backup_header *h, const char *path)
{
	fort_buf prefix;
	int fd, r;
	fort_buf_init(&prefix, BACKUP_HEADER_MAX + 1024);
	memset(h, 0, sizeof *h);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "cannot open the backup '%s': %s", path,
				      strerror(errno));
	r = read_prefix(fd, path, h, &prefix);
	close(fd);
	fort_buf_release(&prefix);
	return r;
}

/* ------------------------------------------------------------------- keys */

static void derive_bk(unsigned char bk[KEY_LEN], const unsigned char vk[KEY_LEN], const char *vault_id)
{
	static const char tag[] = "fortress-backup-v1";
	crypto_generichash_state st;
	crypto_generichash_init(&st, vk, KEY_LEN, KEY_LEN);
	crypto_generichash_update(&st, (const unsigned char *)tag, sizeof tag - 1);
	crypto_generichash_update(&st, (const unsigned char *)vault_id, strlen(vault_id));
	crypto_generichash_final(&st, bk, KEY_LEN);
	sodium_memzero(&st, sizeof st);
}

int backup_unlock_passphrase(void *ctx, const backup_header *h, unsigned char vk[KEY_LEN], keyring **owner_kr)
{
	const backup_pass_ctx *c = ctx;
	keyring *kr = NULL;
	int r;

	*owner_kr = NULL;
	if (c->user && strcmp(c->user, h->owner.name) != 0)
		return fort_error_set(FORT_ENOTFOUND, "this backup opens with the passphrase of the vault's owner '%s', not of user '%s'",
				      h->owner.name, c->user);
	if (!c->pass)
		return fort_error_set(FORT_EAUTH, "opening a backup needs the owner's passphrase");
	if ((r = keys_user_unseal(&kr, &h->owner, c->pass)) < 0) {
		if (r == FORT_EAUTH)
			fort_error_set(FORT_EAUTH, "wrong passphrase for the backup: it opens with the passphrase '%s' had when the backup was made",
				       h->owner.name);
		return r;
	}
	if (h->grant_len != crypto_box_SEALBYTES + KEY_LEN ||
	    crypto_box_seal_open(vk, h->grant, h->grant_len, kr->box_pk, kr->box_sk) != 0) {
		keyring_free(kr);
		return fort_error_set(FORT_ECORRUPT, "the vault key in the backup header does not open: the backup was altered or is damaged");
	}
	memcpy(kr->vk, vk, KEY_LEN);
	kr->vk_version = (int)h->vk_version;
	kr->has_vk = 1;
	*owner_kr = kr;
	return 0;
}

int backup_unlock_shares(void *ctx, const backup_header *h, unsigned char vk[KEY_LEN], keyring **owner_kr)
{
	const backup_shares_ctx *c = ctx;
	unsigned char *secret = sodium_malloc(64);
	keyring *kr = NULL;
	int r;

	*owner_kr = NULL;
	if (!secret)
		return fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
	if ((r = recovery_owner_secret(secret, h->vault_id, h->recovery, h->recovery_len, c->shares, c->n)) < 0)
		goto out;
	if ((r = keyring_new(&kr)) < 0)
		goto out;
	memcpy(kr->box_sk, secret, 32);
	crypto_scalarmult_base(kr->box_pk, kr->box_sk);
	crypto_sign_seed_keypair(kr->sign_pk, kr->sign_sk, secret + 32);
	if (sodium_memcmp(kr->box_pk, h->owner.box_pk, 32) != 0 || sodium_memcmp(kr->sign_pk, h->owner.sign_pk, 32) != 0) {
		r = fort_error_set(FORT_ECORRUPT, "the keys the shares open are not those of the backup's owner: the backup was altered");
		goto out;
	}
	if (h->grant_len != crypto_box_SEALBYTES + KEY_LEN ||
	    crypto_box_seal_open(vk, h->grant, h->grant_len, kr->box_pk, kr->box_sk) != 0) {
		r = fort_error_set(FORT_ECORRUPT, "the vault key in the backup header does not open: the backup was altered or is damaged");
		goto out;
	}
	memcpy(kr->vk, vk, KEY_LEN);
	kr->vk_version = (int)h->vk_version;
	kr->has_vk = 1;
	*owner_kr = kr;
	kr = NULL;
	r = 0;
out:
	sodium_free(secret);
	keyring_free(kr);
	return r;
}

/* Act as the owner of V with KR (the keys unsealed from a backup) for an
 * audit entry: the vault's owner must have the very same signing key. */
typedef struct {
	keyring *kr;
	int64_t user_id;
	char *user, *role;
	int active;
} actor_save;

static int act_as_owner(fort_vault *v, keyring *kr, actor_save *save)
{
	store_user u;
	int r;
	memset(save, 0, sizeof *save);
	if ((r = store_user_get(v->st, &u, NULL)) < 0)
		return r;
	if (sodium_memcmp(u.sign_pk, kr->sign_pk, 32) != 0 || sodium_memcmp(u.box_pk, kr->box_pk, 32) != 0) {
		store_user_release(&u);
		return fort_error_set(FORT_EDENIED, "the owner's keys in this vault are not the ones in the backup");
	}
	save->kr = v->kr;
	save->user_id = v->user_id;
	save->user = v->user;
	save->role = v->role;
	save->active = 1;
	v->kr = kr;
	v->user_id = u.id;
	v->user = u.name;
	v->role = u.role;
	u.name = u.role = NULL;
	store_user_release(&u);
	return 0;
}

static void act_restore(fort_vault *v, actor_save *save)
{
	if (!save->active)
		return;
	free(v->user);
	free(v->role);
	v->kr = save->kr;
	v->user_id = save->user_id;
	v->user = save->user;
	v->role = save->role;
	save->active = 0;
}

/* ------------------------------------------------------------------ body */

/* Decrypt the chunks from FD (positioned after the prefix, at byte OFF)
 * into OUT_FD (-1: only check). */
static int decrypt_body(int fd, uint64_t off, const char *path, const unsigned char bk[KEY_LEN], const fort_buf *ad,
			uint32_t chunk, int out_fd, uint64_t *end)
{
	crypto_secretstream_xchacha20poly1305_state *st = NULL;
	unsigned char hdr[SS_HEADERBYTES], *ct = NULL, *pt = NULL, tag = 0, extra;
	unsigned long long ptlen;
	uint64_t n;
	ssize_t got;
	int r;

	if (!(st = sodium_malloc(sizeof *st)) || !(ct = fort_malloc((size_t)chunk + SS_ABYTES)) ||
	    !(pt = sodium_malloc(chunk))) {
		r = fort_error_set(FORT_ENOMEM, "out of memory reading the backup");
		goto out;
	}
	got = read_full(fd, hdr, sizeof hdr);
	if (got < 0) {
		r = fort_error_set(FORT_EIO, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (got != (ssize_t)sizeof hdr) {
		r = fort_error_set(FORT_ECORRUPT, "'%s' is truncated: it ends at byte %llu, before its first chunk", path,
				   (unsigned long long)(off + (uint64_t)got));
		goto out;
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(st, hdr, bk) != 0) {
		r = fort_error_set(FORT_ECORRUPT, "'%s' is damaged: bad stream header at byte %llu", path, (unsigned long long)off);
		goto out;
	}
	off += sizeof hdr;
	for (n = 1;; n++) {
		got = read_full(fd, ct, (size_t)chunk + SS_ABYTES);
		if (got < 0) {
			r = fort_error_set(FORT_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (got == 0) {
			r = fort_error_set(FORT_ECORRUPT, "'%s' is truncated: it ends at byte %llu after chunk %llu, without its final chunk",
					   path, (unsigned long long)off, (unsigned long long)(n - 1));
			goto out;
		}
		if ((size_t)got < SS_ABYTES ||
		    crypto_secretstream_xchacha20poly1305_pull(st, pt, &ptlen, &tag, ct, (unsigned long long)got,
							       n == 1 ? (const unsigned char *)ad->buf : NULL,
							       n == 1 ? ad->len : 0) != 0) {
			r = fort_error_set(FORT_ECORRUPT, "'%s': chunk %llu (at byte %llu) does not verify: the backup was altered, "
					   "truncated or is damaged", path, (unsigned long long)n, (unsigned long long)off);
			goto out;
		}
		if (n == 1 && (ptlen < 100 || memcmp(pt, "SQLite format 3", 16) != 0 || get_be32(pt + 68) != 0x464f5254)) {
			r = fort_error_set(FORT_ECORRUPT, "'%s' decrypts, but does not hold a vault", path);
			goto out;
		}
		if (out_fd >= 0 && (r = write_all(out_fd, pt, (size_t)ptlen, "the restored vault")) < 0)
			goto out;
		off += (uint64_t)got;
		if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
			break;
		if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE || (size_t)got != (size_t)chunk + SS_ABYTES) {
			r = fort_error_set(FORT_ECORRUPT, "'%s': chunk %llu (at byte %llu) is malformed", path, (unsigned long long)n,
					   (unsigned long long)(off - (uint64_t)got));
			goto out;
		}
	}
	got = read_full(fd, &extra, 1);
	if (got != 0) {
		r = got < 0 ? fort_error_set(FORT_EIO, "cannot read '%s': %s", path, strerror(errno))
			    : fort_error_set(FORT_ECORRUPT, "'%s' is damaged: unexpected data after the final chunk, at byte %llu",
					     path, (unsigned long long)off);
		goto out;
	}
	*end = off;
	r = 0;
out:
	if (st)
		sodium_free(st);
	if (pt)
		sodium_free(pt);
	free(ct);
	return r;
}

static void fill_info(fort_backup_info *out, const backup_header *h, uint64_t bytes)
{
	if (!out)
		return;
	memset(out, 0, sizeof *out);
	out->format = h->format ? h->format : FORT_BACKUP_FORMAT;
	snprintf(out->vault_id, sizeof out->vault_id, "%s", h->vault_id);
	out->created = h->created;
	snprintf(out->tool_version, sizeof out->tool_version, "%s", h->tool_version);
	out->clients = h->clients;
	out->audit_head_seq = h->audit_seq;
	fort_hex(out->audit_head, h->audit_hash, 32);
	snprintf(out->owner, sizeof out->owner, "%s", h->owner.name ? h->owner.name : "");
	out->bytes = bytes;
}

/* How messages name PATH: "-" is standard input. */
static const char *shown(const char *path)
{
	return strcmp(path, "-") ? path : "standard input";
}

/* Open PATH ("-": standard input, read once from start to end like a file),
 * read the prefix, unlock: FD positioned at the body. */
static int open_unlocked(int *fd_out, uint64_t *size, backup_header *h, fort_buf *prefix, unsigned char *bk,
			 keyring **kr, const char *path, backup_unlock_fn unlock, void *ctx)
{
	unsigned char *vk = NULL;
	struct stat sb;
	int fd, r;

	*fd_out = -1;
	*kr = NULL;
	memset(h, 0, sizeof *h);
	if (!strcmp(path, "-")) {
		if ((fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
			return fort_error_set(FORT_EIO, "cannot read the backup from standard input: %s", strerror(errno));
		if (fstat(fd, &sb) < 0 || S_ISDIR(sb.st_mode)) {
			close(fd);
			return fort_error_set(FORT_EIO, "cannot read the backup from standard input");
		}
		*size = 0;   /* counted as it is read */
	} else {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "cannot open the backup '%s': %s", path,
					      strerror(errno));
		if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			return fort_error_set(FORT_ECORRUPT, "'%s' is not a backup file", path);
		}
		*size = (uint64_t)sb.st_size;
	}
	if ((r = read_prefix(fd, shown(path), h, prefix)) < 0)
		goto fail;
	if (!(vk = sodium_malloc(KEY_LEN))) {
		r = fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
		goto fail;
	}
	if ((r = unlock(ctx, h, vk, kr)) < 0)
		goto fail;
	derive_bk(bk, vk, h->vault_id);
	sodium_free(vk);
	*fd_out = fd;
	return 0;
fail:
	if (vk)
		sodium_free(vk);
	keyring_free(*kr);
	*kr = NULL;
	backup_header_release(h);
	close(fd);
	return r;
}

/* ---------------------------------------------------------------- create */

struct grant_find {
	int version;
	unsigned char sealed[crypto_box_SEALBYTES + KEY_LEN];
	size_t len;
};

static int grant_find_cb(void *ctx, const char *key, int version, const unsigned char *sealed, size_t len)
{
	struct grant_find *g = ctx;
	if (strcmp(key, "vault") != 0 || version <= g->version)
		return 0;
	if (len != sizeof g->sealed)
		return fort_error_set(FORT_ECORRUPT, "the owner's vault-key grant has the wrong size: the vault is damaged");
	memcpy(g->sealed, sealed, len);
	g->len = len;
	g->version = version;
	return 0;
}

/* Header fields from S inside the transaction the snapshot is taken in,
 * so they describe what it holds. */
static int describe_snapshot(backup_header *h, store *s)
{
	unsigned char *val = NULL;
	size_t len = 0;
	struct grant_find g;
	int r;

	memset(&g, 0, sizeof g);
	if ((r = store_integrity_check(s)) < 0)
		goto out;
	if ((r = store_meta_get(s, "vault_id", &val, &len)) < 0)
		goto out;
	if (len != 32) {
		r = fort_error_set(FORT_ECORRUPT, "the vault id is damaged");
		goto out;
	}
	memcpy(h->vault_id, val, 32);
	h->vault_id[32] = 0;
	if ((r = store_client_count(s, &h->clients)) < 0)
		goto out;
	r = store_audit_tail(s, &h->audit_seq, h->audit_hash);
	if (r == FORT_ENOTFOUND) {
		h->audit_seq = 0;
		memset(h->audit_hash, 0, 32);
	} else if (r < 0) {
		goto out;
	}
	if ((r = store_user_get(s, &h->owner, NULL)) < 0 || (r = store_grant_each(s, h->owner.id, grant_find_cb, &g)) < 0)
		goto out;
	if (!g.len) {
		r = fort_error_set(FORT_ECORRUPT, "the owner holds no vault key: the vault is damaged");
		goto out;
	}
	memcpy(h->grant, g.sealed, g.len);
	h->grant_len = g.len;
	h->vk_version = (uint32_t)g.version;
	/* The recovery record travels too, so recovery shares can open the backup. */
	r = store_meta_get(s, "recovery", &h->recovery, &h->recovery_len);
	if (r == FORT_ENOTFOUND) {
		fort_error_clear();
		h->recovery = NULL;
		h->recovery_len = 0;
	} else if (r < 0) {
		goto out;
	} else if (h->recovery_len > BACKUP_RECOVERY_MAX) {
		r = fort_error_set(FORT_ECORRUPT, "the recovery record is too large: the vault is damaged");
		goto out;
	}
	r = 0;
out:
	free(val);
	return r;
}

/* Remove what an interrupted `backup create` left in DIR for target BASE:
 * the partial backup "BASE.tmp-XXXXXX" (encrypted, but useless) and, from
 * versions that staged the snapshot on disk, ".fortress-backup-XXXXXX/"
 * (a copy of the vault file).  Returns how many were removed. */
static unsigned sweep_leftovers(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t bl = strlen(base);
	unsigned n = 0;
	char p[4200];

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name);
		if (nl == bl + 11 && strncmp(e->d_name, base, bl) == 0 && strncmp(e->d_name + bl, ".tmp-", 5) == 0) {
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			n += unlink(p) == 0;
		} else if (nl == 23 && strncmp(e->d_name, ".fortress-backup-", 17) == 0) {
			snprintf(p, sizeof p, "%s/%s/snapshot.db", dir, e->d_name);
			unlink_db(p);
			snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			n += rmdir(p) == 0;
		}
	}
	closedir(d);
	return n;
}

/* An unnamed temporary file for a backup bound for a descriptor: O_TMPFILE
 * in $TMPDIR (or /tmp), else mkstemp and an immediate unlink.  It only ever
 * holds the encrypted backup; it vanishes with the descriptor, whatever
 * ends the program. */
static int unnamed_tmp(void)
{
	const char *dir = getenv("TMPDIR");
	char *name = NULL;
	fort_buf b;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
#endif
	fort_buf_init(&b, 8192);
	if (fort_buf_printf(&b, "%s/.fortress-stdout-XXXXXX", dir) < 0 || !(name = fort_buf_detach(&b, NULL))) {
		fort_buf_release(&b);
		return fort_error_set(FORT_ENOMEM, "out of memory");
	}
	if ((fd = mkostemp(name, O_CLOEXEC)) < 0) {
		fort_error_set(FORT_EIO, "cannot create a temporary file in '%s' for the backup: %s (set TMPDIR to a writable directory)",
			       dir, strerror(errno));
		free(name);
		return FORT_EIO;
	}
	unlink(name);
	free(name);
	if (fchmod(fd, 0600) < 0) {
		close(fd);
		return fort_error_set(FORT_EIO, "cannot set the mode of the temporary backup file: %s", strerror(errno));
	}
	return fd;
}

/* Copy the LEN bytes of FROM (from its start) to TO. */
static int copy_out(int to, int from, uint64_t len, int64_t xid)
{
	unsigned char buf[65536];
	uint64_t off = 0;
	int e = 0;

	while (off < len && !e) {
		ssize_t n = pread(from, buf, len - off > sizeof buf ? sizeof buf : (size_t)(len - off), (off_t)off);
		const unsigned char *p = buf;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			break;
		}
		off += (uint64_t)n;
		while (n > 0) {
			ssize_t k = write(to, p, (size_t)n);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				e = errno;
				break;
			}
			p += k;
			n -= k;
		}
	}
	if (!e)
		return 0;
	return fort_error_set(FORT_EIO, "the backup was recorded (export #%lld, audit entry backup-create) but not delivered: "
			      "writing it to standard output failed after %llu of %llu bytes: %s%s; make it again",
			      (long long)xid, (unsigned long long)off, (unsigned long long)len, strerror(e),
			      e == ENOSPC ? " (free some space)" : "");
}

/* The backup recorded (the second step of backup_create): in the exports
 * record with its hash and the clients it holds, and its entry */
struct record_step {
	export_record rec;
	int64_t xid;
	uint64_t clients;
	unsigned swept;
};

static int record_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct record_step *x = ctx;
	int r;
	if ((r = exports_record_all(&x->xid, v, &x->rec)) < 0)
		return r;
	snprintf(detail, cap, "clients=%llu file=%s; recorded as export #%lld%s", (unsigned long long)x->clients,
		 base_of(x->rec.destination), (long long)x->xid, x->swept ? "; removed what an interrupted backup had left next to it" : "");
	return 0;
}

/* PATH, or with TO_FD >= 0 that descriptor ("-" in the record): the backup
 * is then made in an unnamed temporary file, recorded (hash and audit entry,
 * committed) and only then copied to TO_FD, which cannot take it back. */
static int backup_create(fort_backup_info *out, fort_vault *v, const char *path, int to_fd)
{
	static const vault_op op = { "backup-create", ACT_USERS, NULL, record_write, NULL, NULL, NULL, NULL, 0, NULL };
	backup_header h;
	fort_buf prefix, name;
	crypto_secretstream_xchacha20poly1305_state *st = NULL;
	unsigned char *bk = NULL, *pt = NULL, *ct = NULL, *snap = NULL, sshdr[SS_HEADERBYTES];
	char *dir = NULL, *tmp = NULL;
	int fd_out = -1, renamed = 0, r;
	int64_t xid = 0;
	uint64_t total, done = 0, outbytes = 0;
	size_t snap_len = 0;
	unsigned swept;

	memset(&h, 0, sizeof h);
	fort_buf_init(&prefix, BACKUP_HEADER_MAX + 1024);
	fort_buf_init(&name, 4096);
	if (out)
		memset(out, 0, sizeof *out);
	if ((r = vault_op_start(v, &op, NULL)) < 0)
		return r;
	if (!v->kr->has_vk)
		return fort_error_set(FORT_EDENIED, "a backup needs the vault key, which user '%s' does not hold", v->user);
	if (to_fd >= 0) {
		path = "-";
		swept = 0;
	} else {
		if (!path || !*path)
			return fort_error_set(FORT_EINPUT, "no backup file name given");
		if (!(dir = dir_of(path)) || fort_buf_printf(&name, "%s.tmp-XXXXXX", path) < 0 ||
		    !(tmp = fort_buf_detach(&name, NULL))) {
			r = FORT_ENOMEM;
			goto out;
		}
		swept = sweep_leftovers(dir, base_of(path));
	}
	/* The snapshot is the vault file itself, taken in memory inside one
	 * read transaction (the header fields with it: they describe what it
	 * holds, whatever commits meanwhile): no copy of the vault ever
	 * reaches the disk outside the encrypted backup, so a killed backup
	 * leaves nothing that opens.  Nothing is written: no write lock. */
	if ((r = store_read_begin(v->st)) < 0)
		goto out;
	r = describe_snapshot(&h, v->st);
	if (r == 0)
		r = store_snapshot_mem(v->st, &snap, &snap_len);
	store_read_end(v->st);
	if (r < 0)
		goto out;
	if (strcmp(h.owner.role, "owner") != 0 || (int)h.vk_version != v->kr->vk_version) {
		r = fort_error_set(FORT_EBUSY, "the vault key changed while the backup was taken: run the backup again");
		goto out;
	}
	h.format = FORT_BACKUP_FORMAT;
	h.created = fort_now();
	snprintf(h.tool_version, sizeof h.tool_version, "%s", FORT_VERSION);
	h.chunk = BACKUP_CHUNK_DEFAULT;
	if ((r = header_encode(&prefix, &h)) < 0)
		goto out;

	if (!(bk = sodium_malloc(KEY_LEN)) || !(st = sodium_malloc(sizeof *st)) || !(pt = sodium_malloc(h.chunk)) ||
	    !(ct = fort_malloc((size_t)h.chunk + SS_ABYTES))) {
		r = fort_error_set(FORT_ENOMEM, "out of memory writing the backup");
		goto out;
	}
	derive_bk(bk, v->kr->vk, h.vault_id);
	total = snap_len;
	if (to_fd >= 0) {
		if ((fd_out = unnamed_tmp()) < 0) {
			r = fd_out;
			fd_out = -1;
			goto out;
		}
	} else if ((fd_out = mkostemp(tmp, O_CLOEXEC)) >= 0)
		fort_tmp_register(tmp);   /* removed on Ctrl-C */
	if (fd_out < 0) {
		r = fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "cannot create '%s': %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (tmp && fchmod(fd_out, 0600) < 0) {
		r = fort_error_set(FORT_EIO, "cannot set the mode of '%s': %s", tmp, strerror(errno));
		goto out;
	}
	crypto_secretstream_xchacha20poly1305_init_push(st, sshdr, bk);
	if ((r = write_all(fd_out, prefix.buf, prefix.len, path)) < 0 || (r = write_all(fd_out, sshdr, sizeof sshdr, path)) < 0)
		goto out;
	outbytes = prefix.len + sizeof sshdr;
	for (uint64_t n = 1;; n++) {
		size_t want = total - done > h.chunk ? h.chunk : (size_t)(total - done);
		unsigned long long ctlen;
		unsigned char tag;
		memcpy(pt, snap + done, want);
		done += want;
		tag = done == total ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
		crypto_secretstream_xchacha20poly1305_push(st, ct, &ctlen, pt, want,
							   n == 1 ? (const unsigned char *)prefix.buf : NULL, n == 1 ? prefix.len : 0, tag);
		if ((r = write_all(fd_out, ct, (size_t)ctlen, path)) < 0)
			goto out;
		outbytes += ctlen;
		if (done == total)
			break;
	}
	if (to_fd >= 0)
		goto record;   /* the unnamed file stays open until it is copied */
	if (fsync(fd_out) < 0) {
		r = fort_error_set(FORT_EIO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	if (close(fd_out) < 0) {
		fd_out = -1;
		r = fort_error_set(FORT_EIO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	fd_out = -1;
	if (rename(tmp, path) < 0) {
		r = fort_error_set(FORT_EIO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	renamed = 1;
	if ((r = fsync_dir(path)) < 0)
		goto out;
record:
	{
		/* recorded with the clients it holds (every client at the snapshot),
		 * so an incident scoped to a lost backup finds them; no byte has
		 * left yet: a failure leaves no unaudited backup */
		char sha[65];
		struct record_step x = { { "backup", path, "fortress-backup", "", "", 1, 1, NULL, 0 }, 0, h.clients, swept };
		if ((r = to_fd >= 0 ? exports_hash_fd(sha, fd_out) : exports_hash_path(sha, path)) == 0) {
			x.rec.sha256 = sha;
			r = vault_op_step(v, &op, NULL, &x);
		}
		if (r < 0) {
			if (to_fd < 0)
				unlink(path);
			goto out;
		}
		xid = x.xid;
	}
	fill_info(out, &h, outbytes);
	/* Recorded: only now does a byte leave for the descriptor. */
	r = to_fd >= 0 ? copy_out(to_fd, fd_out, outbytes, xid) : 0;
out:
	if (fd_out >= 0)
		close(fd_out);
	if (tmp && !renamed)
		unlink(tmp);
	if (tmp)
		fort_tmp_unregister(tmp);
	store_snapshot_free(snap);
	if (bk)
		sodium_free(bk);
	if (st)
		sodium_free(st);
	if (pt)
		sodium_free(pt);
	free(ct);
	free(dir);
	free(tmp);
	fort_buf_release(&prefix);
	fort_buf_release(&name);
	backup_header_release(&h);
	return r;
}

int fort_backup_create(fort_backup_info *out, fort_vault *v, const char *path)
{
	return backup_create(out, v, path, -1);
}

int fort_backup_create_fd(fort_backup_info *out, fort_vault *v, int fd)
{
	if (fd < 0)
		return fort_error_set(FORT_EINPUT, "no descriptor to write the backup to");
	return backup_create(out, v, NULL, fd);
}

/* ---------------------------------------------------------------- verify */

static int vault_id_of(fort_vault *v, char out[33])
{
	unsigned char *val = NULL;
	size_t len = 0;
	int r = store_meta_get(v->st, "vault_id", &val, &len);
	if (r < 0)
		return r;
	if (len != 32) {
		free(val);
		return fort_error_set(FORT_ECORRUPT, "the vault id is damaged");
	}
	memcpy(out, val, 32);
	out[32] = 0;
	free(val);
	return 0;
}

/* The verification recorded: its time in meta, the entry */
struct verified_step {
	const backup_header *h;
	const char *path;
};

static int verified_write(fort_vault *v, void *ctx, char *detail, size_t cap)
{
	struct verified_step *x = ctx;
	char ts[24];
	snprintf(ts, sizeof ts, "%lld", (long long)fort_now());
	snprintf(detail, cap, "file=%.200s created=%lld clients=%llu", base_of(x->path), (long long)x->h->created,
		 (unsigned long long)x->h->clients);
	return store_meta_put(v->st, "backup_verified", ts, strlen(ts));
}

/* No role to check: whoever holds the vault key verified the backup (the
 * user of an unlocked V, or the owner whose keys opened the backup). */
static int record_verified(fort_vault *v, keyring *kr, const backup_header *h, const char *path)
{
	static const vault_op op = { "backup-verify", 0, NULL, verified_write, NULL, NULL, NULL, NULL, 0, NULL };
	struct verified_step x = { h, path };
	actor_save save;
	char id[33];
	int r;

	memset(&save, 0, sizeof save);
	if ((r = vault_id_of(v, id)) < 0)
		return r;
	if (strcmp(id, h->vault_id) != 0)
		return 1; /* a backup of another vault: nothing to record */
	if (!v->kr) {
		if (!kr)
			return 1;
		if ((r = act_as_owner(v, kr, &save)) < 0) {
			/* not the owner keys of this vault: the backup is fine, the
			 * check just cannot be signed and recorded here */
			if (r != FORT_EDENIED)
				return r;
			fort_error_clear();
			return 1;
		}
	}
	r = vault_op_run(v, &op, NULL, &x);
	act_restore(v, &save);
	return r;
}

int backup_verify_with(fort_backup_info *out, const char *path, backup_unlock_fn unlock, void *ctx, fort_vault *v)
{
	backup_header h;
	fort_buf prefix;
	unsigned char *bk = NULL;
	keyring *kr = NULL;
	uint64_t size = 0;
	int fd = -1, r, rec = 0;

	if (out)
		memset(out, 0, sizeof *out);
	memset(&h, 0, sizeof h);
	fort_buf_init(&prefix, BACKUP_HEADER_MAX + 1024);
	if (!(bk = sodium_malloc(KEY_LEN))) {
		r = fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
		goto out;
	}
	if ((r = open_unlocked(&fd, &size, &h, &prefix, bk, &kr, path, unlock, ctx)) < 0 ||
	    (r = decrypt_body(fd, prefix.len, shown(path), bk, &prefix, h.chunk, -1, &size)) < 0)
		goto out;
	if (v) {
		if ((r = record_verified(v, kr, &h, path)) < 0)
			goto out;
		rec = r == 0;
	}
	fill_info(out, &h, size);
	if (out)
		out->recorded = rec;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (bk)
		sodium_free(bk);
	keyring_free(kr);
	fort_buf_release(&prefix);
	backup_header_release(&h);
	return r;
}

int fort_backup_verify_shares(fort_backup_info *out, const char *path, const char *const *shares, size_t n, fort_vault *v)
{
	backup_shares_ctx c = { shares, n };
	return backup_verify_with(out, path, backup_unlock_shares, &c, v);
}

int fort_backup_verify(fort_backup_info *out, const char *path, const char *user, const fort_secret *pass, fort_vault *v)
{
	backup_pass_ctx c = { user, pass };
	return backup_verify_with(out, path, backup_unlock_passphrase, &c, v);
}

/* --------------------------------------------------------------- restore */

struct ledger {
	int64_t (*e)[2];
	size_t n, cap;
	/* the field-erasure ledger: client, ts, field */
	struct fld { int64_t client, ts; char field[64]; } *f;
	size_t nf, capf;
};

static int field_ledger_cb(void *ctx, int64_t client, const char *field, int64_t ts)
{
	struct ledger *l = ctx;
	if (l->nf == l->capf) {
		size_t cap = l->capf ? l->capf * 2 : 64, bytes;
		void *p;
		if (fort_size_mul(&bytes, cap, sizeof *l->f) < 0 || !(p = fort_realloc(l->f, bytes)))
			return FORT_ENOMEM;
		l->f = p;
		l->capf = cap;
	}
	l->f[l->nf].client = client;
	l->f[l->nf].ts = ts;
	snprintf(l->f[l->nf].field, sizeof l->f[l->nf].field, "%s", field ? field : "");
	l->nf++;
	return 0;
}

static int ledger_cb(void *ctx, int64_t client, int64_t ts)
{
	struct ledger *l = ctx;
	if (FORT_ARRAY_GROW(l->e, l->n + 1, l->cap, 256) < 0)
		return FORT_ENOMEM;
	l->e[l->n][0] = client;
	l->e[l->n][1] = ts;
	l->n++;
	return 0;
}

/* The erasures of the ledger replayed in a restored copy: one step */
struct replay_step {
	const struct ledger *l;   /* NULL: no current vault */
	const backup_header *h;
	uint64_t replayed;
};

static int replay_write(fort_vault *rv, void *ctx, char *detail, size_t cap)
{
	struct replay_step *x = ctx;
	const struct ledger *l = x->l;
	char id[FORT_ID_LEN + 1];
	int64_t *gone = NULL;   /* the clients whose rows went */
	size_t ngone = 0, cgone = 0;
	int r, removed;

	/* fields erased from clients that were kept: those the restored copy
	 * does not record (erased after the backup) are erased again */
	for (size_t i = 0; l && i < l->nf; i++) {
		store_client c;
		int known = 0;
		fort_kv kv = { l->f[i].field, NULL };
		if ((r = known = store_erased_field_has(rv->st, l->f[i].client, l->f[i].field, l->f[i].ts)) < 0)
			return r;
		if (known)
			continue;
		memset(&c, 0, sizeof c);
		r = store_client_get(rv->st, &c, l->f[i].client);
		store_client_release(&c);
		if (r == FORT_ENOTFOUND) {
			fort_error_clear();
			continue;
		}
		if (r < 0)
			return r;
		client_id_format(id, l->f[i].client);
		if ((r = client_erase_fields(rv, id, &kv, 1, "erase-field",
					     "field erased: replayed from the erasure ledger after a restore")) < 0)
			return r;
		x->replayed++;
	}
	for (size_t i = 0; l && i < l->n; i++) {
		if ((r = store_client_purge(rv->st, l->e[i][0], l->e[i][1], &removed)) < 0)
			goto out;
		if (!removed)
			continue;
		{
			size_t shredded, kept;  /* the files naming only this client go too */
			if ((r = attach_client_erased(rv, l->e[i][0], &shredded, &kept)) < 0)
				goto out;
		}
		if ((r = FORT_ARRAY_GROW(gone, ngone + 1, cgone, 64)) < 0)
			goto out;
		gone[ngone++] = l->e[i][0];
		x->replayed++;
		client_id_format(id, l->e[i][0]);
		if ((r = vault_op_entry(rv, "erase", id, NULL, NULL, "crypto-shredded: replayed from the erasure ledger after a restore")) < 0)
			goto out;
	}
	/* their unique entries: the copy's records are not decrypted here, so
	 * not by their values but in one pass over the table for all of them
	 * (store.h: no index by client on SQLite), not one per erasure */
	if ((r = store_uniq_del_clients(rv->st, gone, ngone, NULL)) < 0)
		goto out;
	snprintf(detail, cap, "backup created=%lld clients=%llu; erasures replayed=%llu%s", (long long)x->h->created,
		 (unsigned long long)x->h->clients, (unsigned long long)x->replayed, l ? "" : " (no current vault: none replayed)");
	r = vault_op_entry(rv, "backup-restore", NULL, NULL, NULL, detail);
out:
	free(gone);
	return r;
}

/* Erase in RV (the restored copy) every client of the ledger L, audit,
 * in one transaction: a step without vault_op_start, as the copy is not a
 * vault anyone works in yet (no role to check: opening the backup was the
 * authority), its entries signed with the owner's keys from the backup
 * (KR: backup_restore_with restores nothing without them). */
static int replay(fort_vault *rv, keyring *kr, const struct ledger *l, const backup_header *h, uint64_t *replayed)
{
	static const vault_op op = { "backup-restore", 0, NULL, replay_write, NULL, NULL, NULL, NULL, VAULT_OP_ENTRIES, NULL };
	struct replay_step x = { l, h, 0 };
	actor_save save;
	int r;

	*replayed = 0;
	memset(&save, 0, sizeof save);
	if (!rv->kr && (r = act_as_owner(rv, kr, &save)) < 0)
		return r;
	if ((r = vault_op_step(rv, &op, NULL, &x)) == 0) {
		*replayed = x.replayed;
		r = store_checkpoint(rv->st);
	}
	act_restore(rv, &save);
	return r;
}

int backup_restore_with(fort_backup_info *out, const char *path, const char *to_path, backup_unlock_fn unlock, void *ctx,
			fort_vault *current)
{
	backup_header h;
	fort_buf prefix, name;
	struct ledger l = { NULL, 0, 0 };
	unsigned char *bk = NULL;
	keyring *kr = NULL;
	fort_vault *rv = NULL;
	store *s = NULL;
	char *tmp = NULL, id[33];
	uint64_t size = 0, replayed = 0;
	int fd = -1, fd_out = -1, r, linked = 0;

	if (out)
		memset(out, 0, sizeof *out);
	memset(&h, 0, sizeof h);
	fort_buf_init(&prefix, BACKUP_HEADER_MAX + 1024);
	fort_buf_init(&name, 8192);
	if (!to_path || !*to_path)
		return fort_error_set(FORT_EINPUT, "no path to restore to: give one that does not exist yet");
	/* a backup is a SQLite image (whatever the vault's backend): it is
	 * restored into a file, which 'store copy' moves into a database */
	if (store_path_is_pg(to_path))
		return fort_error_set(FORT_EINPUT,
				      "a backup restores into a new file: restore it there, check it, then move it into an empty"
				      " PostgreSQL database with 'fortress --vault FILE store copy --to URL' (nothing was changed)");
	if (access(to_path, F_OK) == 0)
		return fort_error_set(FORT_EEXISTS, "'%s' already exists: restore to a new path (nothing was changed)", to_path);
	if (!(bk = sodium_malloc(KEY_LEN))) {
		r = fort_error_set(FORT_ENOMEM, "cannot allocate locked memory for keys");
		goto out;
	}
	if ((r = open_unlocked(&fd, &size, &h, &prefix, bk, &kr, path, unlock, ctx)) < 0)
		goto out;
	if (!kr) {
		/* an unsigned entry would not verify (only failed unlocks and
		 * requests to join may be unsigned) */
		r = fort_error_set(FORT_ERROR, "the backup was opened without the owner's keys, so the restored copy's audit "
				   "entries could not be signed: restore it with the owner's passphrase or the recovery shares "
				   "(nothing was restored)");
		goto out;
	}
	if (current) {
		if ((r = vault_id_of(current, id)) < 0)
			goto out;
		if (strcmp(id, h.vault_id) != 0) {
			r = fort_error_set(FORT_EINPUT, "the current vault '%s' (id %s) is not the vault this backup was made of (id %s): "
					   "point --vault at that vault so its erasures are replayed",
					   fort_vault_path(current), id, h.vault_id);
			goto out;
		}
		/* The ledgers decide what comes back: they must be provably the
		 * ones Fortress wrote (every entry sealed in a log that verifies). */
		{
			fort_audit_report rep;
			if ((r = fort_audit_verify(&rep, current, NULL)) < 0)
				goto out;
			if (!rep.ok) {
				r = fort_error_set(FORT_ETAMPER, "the erasure ledger of the current vault '%s' cannot be proven intact, "
						   "so erasures could not all be replayed: its audit log does not verify (%s); nothing was restored",
						   fort_vault_path(current), rep.problem);
				goto out;
			}
		}
		if ((r = store_erased_each(current->st, ledger_cb, &l)) < 0 ||
		    (r = store_erased_field_each(current->st, field_ledger_cb, &l)) < 0)
			goto out;
	}
	if ((r = fort_buf_printf(&name, "%s.restore-XXXXXX", to_path)) < 0 || !(tmp = fort_buf_detach(&name, NULL))) {
		r = FORT_ENOMEM;
		goto out;
	}
	if ((fd_out = mkostemp(tmp, O_CLOEXEC)) >= 0)
		fort_tmp_register(tmp);   /* removed on Ctrl-C */
	if (fd_out < 0) {
		r = fort_error_set(errno == ENOENT ? FORT_ENOTFOUND : FORT_EIO, "cannot create a file next to '%s': %s", to_path,
				   strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd_out, 0600) < 0) {
		r = fort_error_set(FORT_EIO, "cannot set the mode of '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if ((r = decrypt_body(fd, prefix.len, shown(path), bk, &prefix, h.chunk, fd_out, &size)) < 0)
		goto out;
	if (fsync(fd_out) < 0 || close(fd_out) < 0) {
		fd_out = -1;
		r = fort_error_set(FORT_EIO, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fd_out = -1;

	/* It must open as this vault, whole. */
	if ((r = store_open(&s, tmp, 0)) < 0 || (r = store_integrity_check(s)) < 0) {
		fort_error_prefix("the restored vault does not open");
		goto out;
	}
	store_close(s);
	s = NULL;
	if ((r = fort_vault_open(&rv, tmp, NULL, NULL)) < 0)
		goto out;
	if (kr && current && l.nf) {
		/* erasing fields re-encrypts records: the restored copy is
		 * opened with the owner's keys from the backup */
		fort_secret *sec = NULL;
		fort_vault_close(rv);
		rv = NULL;
		if ((r = keys_user_secret(&sec, kr)) < 0)
			goto out;
		r = fort_vault_open_key(&rv, tmp, NULL, sec);
		fort_secret_free(sec);
		if (r < 0)
			goto out;
	}
	if ((r = vault_id_of(rv, id)) < 0)
		goto out;
	if (strcmp(id, h.vault_id) != 0) {
		r = fort_error_set(FORT_ECORRUPT, "the backup holds vault %s but its header names %s: it was altered", id, h.vault_id);
		goto out;
	}
	if ((r = replay(rv, kr, current ? &l : NULL, &h, &replayed)) < 0)
		goto out;
	fort_vault_close(rv);
	rv = NULL;
	if ((fd_out = open(tmp, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd_out) < 0) {
		r = fort_error_set(FORT_EIO, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	close(fd_out);
	fd_out = -1;
	/* link() never replaces: a vault that appeared meanwhile is kept. */
	if (link(tmp, to_path) < 0) {
		r = errno == EEXIST ? fort_error_set(FORT_EEXISTS, "'%s' already exists: restore to a new path (nothing was changed)", to_path)
				    : fort_error_set(FORT_EIO, "cannot create '%s': %s", to_path, strerror(errno));
		goto out;
	}
	linked = 1;
	unlink(tmp);
	if ((r = fsync_dir(to_path)) < 0)
		goto out;
	fill_info(out, &h, size);
	if (out)
		out->erased_replayed = replayed;
	r = 0;
out:
	if (r < 0 && linked)
		unlink_db(to_path);
	if (fd >= 0)
		close(fd);
	if (fd_out >= 0)
		close(fd_out);
	store_close(s);
	if (rv) {
		/* no audit flush on a copy that is thrown away */
		store_close(rv->st);
		rv->st = NULL;
		keyring_free(rv->kr);
		rv->kr = NULL;
		fort_vault_close(rv);
	}
	unlink_db(tmp);
	free(tmp);
	free(l.e);
	free(l.f);
	if (bk)
		sodium_free(bk);
	keyring_free(kr);
	fort_buf_release(&prefix);
	fort_buf_release(&name);
	backup_header_release(&h);
	return r;
}

int fort_backup_restore(fort_backup_info *out, const char *path, const char *to_path, const char *user,
			const fort_secret *pass, fort_vault *current)
{
	backup_pass_ctx c = { user, pass };
	return backup_restore_with(out, path, to_path, backup_unlock_passphrase, &c, current);
}

int fort_backup_restore_shares(fort_backup_info *out, const char *path, const char *to_path, const char *const *shares,
			       size_t n, const fort_secret *newpass, fort_vault *current)
{
	backup_shares_ctx c = { shares, n };
	fort_vault *nv = NULL;
	int r;

	if (!newpass)
		return fort_error_set(FORT_EINPUT, "restoring with recovery shares needs a new owner passphrase");
	if ((r = backup_restore_with(out, path, to_path, backup_unlock_shares, &c, current)) < 0)
		return r;
	/* The owner's old passphrase is the one that was lost: the same shares
	 * set a new one in the restored vault.  If that fails, the restore is
	 * undone: a vault nobody can open is no use. */
	if ((r = fort_vault_open(&nv, to_path, NULL, NULL)) == 0)
		r = fort_recovery_restore(nv, shares, n, newpass);
	fort_vault_close(nv);
	if (r < 0) {
		char side[4096], msg[1024];
		int code = fort_error_code();
		snprintf(msg, sizeof msg, "%s", fort_error_message());
		unlink(to_path);
		snprintf(side, sizeof side, "%s-wal", to_path);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", to_path);
		unlink(side);
		fort_error_set(code ? code : r, "%s (nothing was restored)", msg);
	}
	return r;
}

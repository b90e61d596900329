/* fuzz_record.c - the client record decoder (client_decrypt: parse, the
 * record-wide MAC of record format 2, field decryption) on any bytes.
 *
 * A vault with one client is made once; each input is decoded as that
 * client's record (its real wrapped key) twice: as it is (almost always
 * refused by the MAC, or for having no trailer), and with a valid trailer
 * computed over it under the client's key, so the parser and the field
 * decryption behind the MAC are reached too.  Besides memory safety it
 * checks that a refusal has a message and leaves no value in the result,
 * and that the bytes as given never open unless they are a record that
 * was resealed in the input (the MAC is not bypassed). */
#include <stdint.h>
#include <sodium.h>
#include "fuzz.h"
#include "util.h"
#include "vault/vault_int.h"

static fort_vault *v;
static store_client row;
static unsigned char kc[KEY_LEN];
static client_vals cv;

static void setup(void)
{
	fort_create_opts o = FORT_CREATE_OPTS_INIT;
	static const fort_kv kv[] = { { "full_name", "Maria Muster" }, { "email", "maria@example.org" },
				      { "notes", "prefers letters" } };
	fort_secret *pass = NULL;
	char id[FORT_ID_LEN + 1], path[512];
	int64_t cid;
	snprintf(path, sizeof path, "%s/record.fort", fuzz_dir());
	o.business = "Fuzz";
	o.owner = "fuzz";
	o.kdf = FORT_KDF_INTERACTIVE;
	if (fort_secret_new(&pass, "orbit-velvet-cactus-lantern-meadow-pillow", 41) < 0 ||
	    fort_vault_create(&v, path, &o, pass) < 0 || fort_client_add(id, v, kv, 3) < 0 ||
	    client_id_parse(&cid, id) < 0 || store_client_get(v->st, &row, cid) < 0 ||
	    keys_client_unwrap(kc, v->kr, row.id, row.vk_version, row.wrapped, row.wrapped_len) < 0 ||
	    cvals_init(&cv, v) < 0)
		abort();
	fort_secret_free(pass);
}

static int decode(const uint8_t *data, size_t len)
{
	store_client c = row;
	int r;
	c.data = (unsigned char *)data;
	c.data_len = len;
	fort_error_clear();
	r = client_decrypt(&cv, v, &c);
	if (r < 0) {
		if (!fort_error_message() || !*fort_error_message())
			abort(); /* a refusal always says why */
		for (size_t i = 0; i < cv.n; i++)
			if (cv.vals[i])
				abort(); /* never a partial record */
	}
	cvals_clear(&cv);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf;
	if (!v) {
		fuzz_begin();
		setup(); /* its open database is not an input's descriptor */
	}
	fuzz_begin();
	if (size > 65536)
		size = 65536;
	/* as given: a trailer in the input must verify (or the record has none,
	 * which a vault with the marker refuses) */
	if (decode(data, size) == 0) {
		unsigned char mac[REC_MAC_LEN];
		if (size < NONCE_LEN + REC_TRAILER_LEN)
			abort();
		keys_record_mac(mac, kc, REC_FORMAT, v->vault_id, v->vault_id_len, row.id, data, size - REC_TRAILER_LEN);
		if (sodium_memcmp(mac, data + size - REC_MAC_LEN, REC_MAC_LEN) != 0)
			abort(); /* opened without its MAC verifying */
	}
	/* resealed: the decoder behind the MAC */
	if (!(buf = malloc(size + REC_TRAILER_LEN)))
		abort();
	if (size)
		memcpy(buf, data, size);
	buf[size] = REC_TRAILER_ID;
	buf[size + 1] = REC_FORMAT;
	keys_record_mac(buf + size + 2, kc, REC_FORMAT, v->vault_id, v->vault_id_len, row.id, buf, size);
	(void)decode(buf, size + REC_TRAILER_LEN);
	free(buf);
	fuzz_end();
	return 0;
}

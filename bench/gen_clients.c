/* gen_clients.c - deterministic CSV of N synthetic clients for the benchmarks.
 *
 * usage: gen_clients N [SEED]  > clients.csv
 *
 * Columns (header row): full_name, email, phone, postal_address, company,
 * date_of_birth, tax_id, iban.  Every row is valid for the default data map:
 *  - email is unique (the row number is part of it) and already lower case,
 *    so the plaintext baseline can look up exactly the string in the file;
 *  - phone is a unique German number "+49 AREA SUBSCRIBER" (7-digit
 *    subscriber numbers from a bijective permutation of the row number, so
 *    unique for N <= 9,000,000 per area code; area codes cycle);
 *  - iban is a valid German IBAN: DE + ISO 13616 mod-97 check digits +
 *    8-digit bank code + 10-digit account number;
 *  - date_of_birth is a real calendar date YYYY-MM-DD (1940-2005).
 * The same N and SEED always give the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t x)  /* splitmix64 finaliser */
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static const char *const first[] = {
	"Anna", "Lukas", "Sophie", "Leon", "Marie", "Finn", "Emma", "Jonas", "Mia", "Paul",
	"Hannah", "Felix", "Lena", "Maximilian", "Lea", "Elias", "Clara", "Noah", "Jürgen", "Özlem",
	"Katharina", "Tobias", "Julia", "Matthias", "Sabine", "Stefan", "Ayşe", "Mehmet", "Sarah", "Daniel",
	"Laura", "Michael", "Nina", "Thomas", "Petra", "Andreas", "Ursula", "Wolfgang", "Monika", "Björn",
};
static const char *const last[] = {
	"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
	"Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
	"Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
};
static const char *const streets[] = {
	"Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße", "Bergstraße",
	"Birkenweg", "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Schillerstraße",
	"Goethestraße", "Am Markt", "Friedrichstraße", "Mozartweg",
};
static const struct { const char *city, *area; int plz; } cities[] = {
	{ "Berlin", "30", 10115 }, { "Hamburg", "40", 20095 }, { "München", "89", 80331 },
	{ "Köln", "221", 50667 }, { "Frankfurt am Main", "69", 60311 }, { "Stuttgart", "711", 70173 },
	{ "Düsseldorf", "211", 40213 }, { "Leipzig", "341", 4109 },
};
static const char *const company_words[] = {
	"Nord", "Süd", "Alpen", "Rhein", "Elb", "Hanse", "Spree", "Isar", "Main", "Weser",
	"Technik", "Bau", "Handel", "Logistik", "Beratung", "Design", "Medien", "Service",
};
static const char *const forms[] = { "GmbH", "GmbH & Co. KG", "AG", "KG", "e.K.", "UG (haftungsbeschränkt)" };
static const char *const domains[] = { "example.de", "example.com", "mail.example.org", "beispiel.de" };

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Lower-case ASCII and transliterate the umlauts used above for the e-mail
 * local part ("Jürgen" -> "juergen"). */
static size_t mail_part(char *out, size_t cap, const char *in)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p && n + 3 < cap; p++) {
		if (p[0] == 0xC3 && p[1]) {
			const char *t = NULL;
			switch (p[1]) {
			case 0xA4: case 0x84: t = "ae"; break;
			case 0xB6: case 0x96: t = "oe"; break;
			case 0xBC: case 0x9C: t = "ue"; break;
			case 0x9F: t = "ss"; break;
			case 0xA7: t = "c"; break;
			default: t = "x"; break;
			}
			p++;
			while (*t)
				out[n++] = *t++;
		} else if (p[0] == 0xC5 && p[1] == 0x9F) {  /* ş */
			p++;
			out[n++] = 's';
		} else if (*p >= 'A' && *p <= 'Z') {
			out[n++] = (char)(*p + 32);
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			out[n++] = (char)*p;
		}
	}
	out[n] = '\0';
	return n;
}

/* ISO 13616: move "DE00" to the end, letters to numbers (D=13, E=14),
 * mod 97; check digits = 98 - remainder. */
static void make_iban(char out[23], const char bban[19])
{
	char num[64];
	unsigned rem = 0;

	snprintf(num, sizeof num, "%s131400", bban);
	for (const char *p = num; *p; p++)
		rem = (rem * 10 + (unsigned)(*p - '0')) % 97;
	snprintf(out, 23, "DE%02u%s", 98 - rem, bban);
}

static int days_in(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int main(int argc, char **argv)
{
	unsigned long long n, seed;
	static char obuf[1 << 16];

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s N [SEED] > clients.csv\n", argv[0]);
		return 2;
	}
	n = strtoull(argv[1], NULL, 10);
	seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 20240601ull;
	if (n > 9000000ull) {
		fprintf(stderr, "gen_clients: at most 9,000,000 rows (unique phone numbers)\n");
		return 2;
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	printf("full_name,email,phone,postal_address,company,date_of_birth,tax_id,iban\n");
	for (unsigned long long i = 0; i < n; i++) {
		uint64_t r1 = mix(seed ^ (i * 4 + 1)), r2 = mix(seed ^ (i * 4 + 2)), r3 = mix(seed ^ (i * 4 + 3));
		const char *fn = first[r1 % N_OF(first)], *ln = last[(r1 >> 8) % N_OF(last)];
		unsigned ci = (unsigned)(i % N_OF(cities));
		char lf[64], ll[64], bban[19], iban[23];
		/* bijective on [0, 9e6): 7919 is prime and does not divide 9e6 */
		unsigned long long sub = 1000000ull + ((i / N_OF(cities)) * 7919ull + 1234567ull) % 9000000ull;
		int y = 1940 + (int)((r2 >> 8) % 66), m = 1 + (int)((r2 >> 16) % 12), d;

		d = 1 + (int)((r2 >> 24) % (uint64_t)days_in(y, m));
		mail_part(lf, sizeof lf, fn);
		mail_part(ll, sizeof ll, ln);
		snprintf(bban, sizeof bban, "%08llu%010llu", 10000000ull + (r3 % 89999999ull),
			 (unsigned long long)((r3 >> 27) % 10000000000ull));
		make_iban(iban, bban);
		printf("%s %s,%s.%s.%llu@%s,+49 %s %llu,\"%s %u, %05d %s\",\"%s%s %s\",%04d-%02d-%02d,DE%09llu,%s\n",
		       fn, ln,
		       lf, ll, i, domains[(r1 >> 16) % N_OF(domains)],
		       cities[ci].area, sub,
		       streets[(r2 >> 32) % N_OF(streets)], 1 + (unsigned)((r2 >> 40) % 180), cities[ci].plz, cities[ci].city,
		       company_words[(r3 >> 40) % N_OF(company_words)], company_words[(r3 >> 48) % N_OF(company_words)],
		       forms[(r3 >> 56) % N_OF(forms)],
		       y, m, d,
		       100000000ull + (mix(seed ^ (i * 4)) % 899999999ull),
		       iban);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

/* test_scan_detectors.c - known answers per detector: valid values found
 * with their exact span, near misses (bad checksums, invalid ranges, no
 * context, inside a longer token) not found, and masks that never show the
 * whole value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "fortress.h"
#include "scan/scan_int.h"
#include "scan_test.h"

/* TEXT holds exactly one finding of TYPE whose value is WANT. */
static void expect_one(const char *text, int type, const char *want)
{
	struct hits hs;
	size_t n = scan_text(&hs, text);

	if (n != 1)
		fail_msg("'%s': %zu findings, expected 1 %s", text, n, fort_scan_type_name((fort_scan_type)type));
	if (hs.h[0].type != type)
		fail_msg("'%s': found %s, expected %s", text, fort_scan_type_name((fort_scan_type)hs.h[0].type),
			 fort_scan_type_name((fort_scan_type)type));
	assert_string_equal(hs.h[0].value, want);
	assert_int_equal(hs.h[0].offset, (unsigned long long)(strstr(text, want) - text));
	/* the mask never holds the value */
	if (strlen(want) > 3 && strstr(hs.h[0].masked, want))
		fail_msg("mask '%s' shows '%s'", hs.h[0].masked, want);
}

static void expect_none(const char *text)
{
	struct hits hs;
	size_t n = scan_text(&hs, text);

	if (n != 0)
		fail_msg("'%s': %zu findings (first: %s '%s'), expected none", text, n,
			 fort_scan_type_name((fort_scan_type)hs.h[0].type), hs.h[0].value);
}

static void test_card(void **state)
{
	(void)state;
	expect_one("Card on file: 4111 1111 1111 1111 for the renewal.", FORT_SCAN_CARD, "4111 1111 1111 1111");
	expect_one("cc=4242424242424242;", FORT_SCAN_CARD, "4242424242424242");
	expect_one("amex 3782-822463-10005.", FORT_SCAN_CARD, "3782-822463-10005");
	expect_one("mc 5555-5555-5555-4444\n", FORT_SCAN_CARD, "5555-5555-5555-4444");
	expect_none("Tracking number 4111 1111 1111 1112.");            /* Luhn */
	expect_none("ref 123456789012345678901234567890 ok");           /* inside a 30-digit run */
	expect_none("x 0000 0000 0000 0000 y");                         /* Luhn holds, no card */
	expect_none("ref 6666666666666 z");                              /* Luhn and Maestro's 66 hold: one digit */
	expect_none("id 9111111111111111 z");                           /* no brand starts with 9 */
	expect_none("hash a4111111111111111b");                         /* inside a word */
	/* side by side, in one long run of groups: each is a finding */
	{
		struct hits hs;

		assert_int_equal(scan_text(&hs, "4242424242424242 5555-5555-5555-4444 4111 1111 1111 1111, 3782 822463 10005"), 4);
		assert_string_equal(hs.h[1].value, "5555-5555-5555-4444");
		assert_string_equal(hs.h[3].value, "3782 822463 10005");
	}
	expect_one("uatp 1354 12345 678911", FORT_SCAN_CARD, "1354 12345 678911");
}

/* A card's digits gathered and checked as two vectors (card.c, judge)
 * against the byte loop (scan_card_vector = 0): texts of card-shaped
 * numbers (bare 12-20 digits, groups of four joined by ' ' or '-', 4-6-5,
 * 4-5-6), each with a Luhn check digit made right or off by one, brand
 * prefixes and random ones, now and then all one digit; the findings of
 * both (type, offset, length, rule) compared. */
static void test_card_vector(void **state)
{
	static const char *const pre[] = { "4", "51", "55", "2221", "34", "37", "6011", "65", "644", "36", "300",
					   "3528", "62", "2200", "1", "50", "67", "9", "" };
	uint32_t x = 2024;
	size_t cards = 0, total = 0;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		char text[2048];
		size_t o = 0;

		for (int c = 0; c < 12; c++) {
			unsigned char dg[24];
			unsigned n, i, sum = 0, shape;
			const char *p;

			x = x * 1103515245u + 12345u;
			n = 12 + (x >> 16) % 9;   /* 12-20 digits */
			shape = (x >> 8) % 5;
			if (shape == 3 || shape == 4)
				n = 15;
			p = pre[(x >> 20) % (sizeof(pre) / sizeof(pre[0]))];
			for (i = 0; i < n; i++) {
				x = x * 1103515245u + 12345u;
				dg[i] = i < strlen(p) ? (unsigned char)p[i] : (unsigned char)('0' + (x >> 16) % 10);
			}
			if ((x >> 12) % 17 == 0)
				memset(dg, dg[0], n);
			/* the check digit: Luhn over the others, then now and then off by one */
			for (i = 0; i + 1 < n; i++) {
				unsigned d = dg[n - 2 - i] - '0';

				if (i % 2 == 0)
					d = d * 2 > 9 ? d * 2 - 9 : d * 2;
				sum += d;
			}
			dg[n - 1] = (unsigned char)('0' + (10 - sum % 10) % 10);
			if ((x >> 9) % 5 == 0)
				dg[n - 1] = (unsigned char)('0' + (dg[n - 1] - '0' + 1) % 10);
			text[o++] = ' ';
			for (i = 0; i < n; i++) {
				/* groups: 4-4-4-..., 4-6-5 or 4-5-6 */
				if (i && ((shape == 1 && i % 4 == 0) || (shape == 2 && i % 4 == 0)))
					text[o++] = shape == 1 ? ' ' : '-';
				if (i && shape == 3 && (i == 4 || i == 10))
					text[o++] = ' ';
				if (i && shape == 4 && (i == 4 || i == 9))
					text[o++] = '-';
				text[o++] = (char)dg[i];
			}
			text[o++] = (x >> 7) % 3 == 0 ? '\n' : ',';
		}
		text[o] = '\0';
		{
			struct hits a, b;
			size_t i;

			scan_card_vector = 1;
			scan_text(&a, text);
			scan_card_vector = 0;
			scan_text(&b, text);
			scan_card_vector = 1;
			if (a.n != b.n)
				fail_msg("'%s': %zu findings with the vectors, %zu without", text, a.n, b.n);
			for (i = 0; i < a.n; i++) {
				if (a.h[i].type != b.h[i].type || a.h[i].offset != b.h[i].offset ||
				    a.h[i].length != b.h[i].length || strcmp(a.h[i].rule, b.h[i].rule))
					fail_msg("'%s': finding %zu: %s at %llu (%s), without the vectors %s at %llu (%s)", text, i,
						 fort_scan_type_name((fort_scan_type)a.h[i].type), a.h[i].offset, a.h[i].rule,
						 fort_scan_type_name((fort_scan_type)b.h[i].type), b.h[i].offset, b.h[i].rule);
				cards += a.h[i].type == FORT_SCAN_CARD;
			}
			total += a.n;
		}
	}
	if (cards < 5000)
		fail_msg("%zu cards among %zu findings: too few to mean something", cards, total);
}

static void test_card_mask(void **state)
{
	struct hits hs;

	(void)state;
	assert_int_equal(scan_text(&hs, "pay 4242-4242-4242-4242 now"), 1);
	assert_string_equal(hs.h[0].masked, "****-****-****-4242");
	assert_string_equal(hs.h[0].rule, "card.visa");
	assert_int_equal(hs.h[0].conf, FORT_SCAN_HIGH);
}

/* Masks keep a few characters at the ends, every other digit (and letter,
 * for IBAN and NINO) a star, the separators as they are. */
static void expect_mask(int type, const char *value, const char *want)
{
	char out[96];

	scan_mask(out, sizeof(out), type, NULL, (const unsigned char *)value, strlen(value));
	assert_string_equal(out, want);
}

/* The masks of values up to 64 bytes are made 16 bytes a step: the same
 * as the byte loop for every masked type, byte value, place and length;
 * and scan_mask_padded (the value read in place, 64 bytes past its end
 * readable) the same with letters and digits after the value. */
static void test_masks_vector(void **state)
{
	static const int types[] = { FORT_SCAN_CARD, FORT_SCAN_SSN, FORT_SCAN_IBAN, FORT_SCAN_PHONE,
				     FORT_SCAN_NINO, FORT_SCAN_DOB, FORT_SCAN_EMAIL, FORT_SCAN_IP };
	static const char common[] = "0123456789 -./AZaz";
	unsigned char val[100], pad[100 + 64];
	char a[96], b[96], c[96];
	uint32_t seed = 777;

	(void)state;
	for (size_t n = 0; n < sizeof(val); n++)
		for (int round = 0; round < 300; round++) {
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				/* mostly what values hold, some of any byte, and
				 * some runs of separators (few characters) */
				val[i] = (seed >> 16) % 8 == 0 ? (unsigned char)(seed >> 20)
				       : round % 3 == 0 ? (unsigned char)"- ./"[(seed >> 20) % 4]
				       : (unsigned char)common[(seed >> 20) % (sizeof(common) - 1)];
				if (!val[i])
					val[i] = 1;
			}
			for (size_t t = 0; t < sizeof(types) / sizeof(*types); t++) {
				scan_mask_vector = 1;
				scan_mask(a, sizeof(a), types[t], NULL, val, n);
				scan_mask_vector = 0;
				scan_mask(b, sizeof(b), types[t], NULL, val, n);
				scan_mask_vector = 1;
				if (strcmp(a, b)) {
					fprintf(stderr, "type %d, %zu bytes: '%s' against '%s'\n", types[t], n, a, b);
					fail();
				}
				memcpy(pad, val, n);
				for (size_t i = n; i < n + 64; i++)
					pad[i] = (unsigned char)"9Za7"[(i + t) % 4];
				scan_mask_padded(c, sizeof(c), types[t], NULL, pad, n);
				if (strcmp(a, c)) {
					fprintf(stderr, "padded, type %d, %zu bytes: '%s' against '%s'\n", types[t], n, c, a);
					fail();
				}
			}
		}
}

static void test_masks(void **state)
{
	(void)state;
	expect_mask(FORT_SCAN_IBAN, "DE89 3704 0044 0532 0130 00", "DE** **** **** **** **30 00");
	expect_mask(FORT_SCAN_PHONE, "+49 30 1234567", "+** ** *****67");
	expect_mask(FORT_SCAN_NINO, "AB 12 34 56 C", "AB ** ** ** C");
	expect_mask(FORT_SCAN_SSN, "123-45-6789", "***-**-6789");
	expect_mask(FORT_SCAN_DOB, "1985-03-12", "****-**-**");
	/* fewer characters than the ends keep: nothing is starred twice or shown wrongly */
	expect_mask(FORT_SCAN_NINO, "A1", "A1");
	expect_mask(FORT_SCAN_CARD, "4242", "4242");
	expect_mask(FORT_SCAN_CARD, "42424", "*2424");
}

/* mod-97 of an IBAN-shaped string the long way: a digit at a time, the
 * remainder reduced at every step, the first four characters last. */
static int mod97_ref(const char *s, size_t n)
{
	unsigned r = 0;

	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[(k + 4) % n];

		if (c >= '0' && c <= '9')
			r = (r * 10 + (c - '0')) % 97;
		else if (c >= 'A' && c <= 'Z')
			r = (r * 100 + (c - 'A' + 10)) % 97;
		else
			return 0;
	}
	return r == 1;
}

/* scan_iban_mod97 against it: random strings of digits and capitals (and
 * now and then a byte that is neither) at every length from 13 to 36, and
 * each a check-digit pair that passes (found by trying the 100). */
static void test_iban_mod97_ref(void **state)
{
	static const char set[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char s[40];
	uint32_t x = 4711;
	size_t n, k, pass = 0;

	(void)state;
	for (int round = 0; round < 4000; round++)
		for (n = 13; n <= 36; n++) {
			for (k = 0; k < n; k++) {
				x = x * 1103515245u + 12345u;
				s[k] = (x >> 16) % 500 == 0 ? "a -/"[(x >> 8) % 4]
							   : k < 2 ? (char)('A' + (x >> 16) % 26)
								   : set[(x >> 16) % (k < 4 ? 10 : 36)];
			}
			for (int cd = 0; cd < 100; cd++) {
				int a, b;

				s[2] = (char)('0' + cd / 10);
				s[3] = (char)('0' + cd % 10);
				a = scan_iban_mod97(s, n);
				b = n >= 15 && n <= 34 && mod97_ref(s, n);
				if (a != b)
					fail_msg("\"%.*s\": %d, the long way %d", (int)n, s, a, b);
				pass += (size_t)b;
			}
		}
	assert_true(pass > 50000);
}

static void test_iban(void **state)
{
	struct hits hs;

	(void)state;
	expect_one("Refund to IBAN DE89 3704 0044 0532 0130 00 before Friday.", FORT_SCAN_IBAN,
		   "DE89 3704 0044 0532 0130 00");
	expect_one("iban,GB82WEST12345698765432,x", FORT_SCAN_IBAN, "GB82WEST12345698765432");
	expect_one("NL91ABNA0417164300", FORT_SCAN_IBAN, "NL91ABNA0417164300");
	expect_none("Ref DE88 3704 0044 0532 0130 00.");                 /* check digits */
	expect_none("Ref DE89370400440532013001 x");                     /* one digit off */
	expect_one("IBAN DE89-3704-0044-0532-0130-00.", FORT_SCAN_IBAN, "DE89-3704-0044-0532-0130-00");
	expect_none("IBAN DE89 3704 0044 0532 0130 007");                /* never ends inside a group */
	expect_one("mail a@xn--80ak6aa92e.xn--p1ai", FORT_SCAN_EMAIL, "a@xn--80ak6aa92e.xn--p1ai");
	assert_int_equal(scan_text(&hs, "DE89 3704 0044 0532 0130 00"), 1);
	assert_string_equal(hs.h[0].masked, "DE** **** **** **** **30 00");
	assert_true(scan_iban_mod97("DE89370400440532013000", 22));
	assert_false(scan_iban_mod97("DE89370400440532013001", 22));
	assert_int_equal(scan_iban_length("DE"), 22);
	assert_int_equal(scan_iban_length("QQ"), 0);
	/* the scanner uses the type's table: Honduras (registry release 99)
	 * and French territories are known countries, found with high
	 * confidence (its own copy lacked them: "iban.unknown-country") */
	assert_int_equal(scan_iban_length("HN"), 28);
	assert_int_equal(scan_text(&hs, "pago a HN88CABF00000000000250005469 hoy"), 1);
	assert_string_equal(hs.h[0].rule, "iban");
	assert_int_equal(hs.h[0].conf, FORT_SCAN_HIGH);
	assert_int_equal(scan_text(&hs, "IBAN GF41 2004 1010 0505 0001 3M02 606."), 1);
	assert_string_equal(hs.h[0].rule, "iban");
}

/* detect_email's 16-byte steps (the local part back from '@', each domain
 * label forward) against its byte loop: random texts of every length up to
 * 300 bytes, dense in local-part and domain bytes with now and then one
 * that ends them (a blank, '@', '\n', a byte of 0x80 and up, '"', ':'),
 * each '@' judged both ways in a buffer of exactly the text's length (the
 * steps must not read past the view: the sanitizer build checks that);
 * local parts longer than 64 bytes and domains near 254 bytes included. */
static void test_email_vector(void **state)
{
	static const char dense[] = "abcxyzABCXYZ0189.-_%+";
	static const char stop[] = " @\n\x80\xff\":,;<>()";
	uint32_t x = 99;
	size_t found = 0, ats = 0;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + round % 300, i;
		unsigned char *t = malloc(n);
		unsigned sparse;

		assert_non_null(t);
		x = x * 1103515245u + 12345u;
		sparse = 8 + (x >> 16) % 120;   /* one stop byte in about that many */
		for (i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			if ((x >> 16) % sparse == 0)
				t[i] = (unsigned char)stop[(x >> 8) % (sizeof(stop) - 1)];
			else if ((x >> 16) % 23 == 1)
				t[i] = '.';
			else if ((x >> 16) % 41 == 2)
				t[i] = '@';
			else
				t[i] = (unsigned char)dense[(x >> 8) % (sizeof(dense) - 1)];
		}
		for (i = 0; i < n; i++) {
			scan_view v = { t, n, 0, NULL };
			scan_match a, b;
			int ra, rb;

			if (t[i] != '@')
				continue;
			ats++;
			memset(&a, 0, sizeof(a));
			memset(&b, 0, sizeof(b));
			scan_email_vector = 1;
			ra = detect_email(&v, i, NULL, &a);
			scan_email_vector = 0;
			rb = detect_email(&v, i, NULL, &b);
			scan_email_vector = 1;
			if (ra != rb || (ra && (a.start != b.start || a.end != b.end || a.type != b.type)))
				fail_msg("'%.*s' at %zu: steps %d [%zu, %zu), bytes %d [%zu, %zu)", (int)n, (const char *)t, i,
					 ra, a.start, a.end, rb, b.start, b.end);
			found += (size_t)ra;
		}
		free(t);
	}
	/* the inputs reach the found case often enough to mean something */
	/* the limits: a local part of 60-70 bytes, a domain reaching the 254
	 * bytes after the '@' (its last label cut there) */
	for (size_t k = 0; k < 2 * 40; k++) {
		char t[400];
		size_t n, at;
		scan_view v;
		scan_match a, b;
		int ra, rb;

		if (k < 40) {
			n = (size_t)snprintf(t, sizeof(t), "<%.*s@example.com>", (int)(40 + k),
					     "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghij");
		} else {
			memset(t, 0, sizeof(t));
			t[0] = 'x';
			t[1] = '@';
			memset(t + 2, 'b', 230 + (k - 40));
			n = 2 + 230 + (k - 40);
			n += (size_t)snprintf(t + n, sizeof(t) - n, ".com.org, and some words after it");
		}
		at = (size_t)(strchr(t, '@') - t);
		v = (scan_view){ (const unsigned char *)t, n, 0, NULL };
		scan_email_vector = 1;
		ra = detect_email(&v, at, NULL, &a);
		scan_email_vector = 0;
		rb = detect_email(&v, at, NULL, &b);
		scan_email_vector = 1;
		if (ra != rb || (ra && (a.start != b.start || a.end != b.end)))
			fail_msg("'%s': steps %d [%zu, %zu), bytes %d [%zu, %zu)", t, ra, a.start, a.end, rb, b.start, b.end);
		found += (size_t)ra;
	}
	if (ats < 50000 || found < 1000)
		fail_msg("%zu '@', %zu found: too few to mean something", ats, found);
}

static void test_email(void **state)
{
	struct hits hs;

	(void)state;
	expect_one("You can reach me at john.smith85@example.co.uk any time.", FORT_SCAN_EMAIL,
		   "john.smith85@example.co.uk");
	expect_one("<a-b+tag@mail-1.example.org>", FORT_SCAN_EMAIL, "a-b+tag@mail-1.example.org");
	expect_none("logo@2x.png and icon@3x.jpg");
	expect_none("bg@2x.gif s@1x.svg h@2x.webp m@min.css b@1.2.js f@16x.ico A@2X.JPEG");
	expect_none("user@localhost");
	expect_none("Message-ID: <1234.abcd@mail.example.com>\n");
	assert_int_equal(scan_text(&hs, "mail j.doe@example.com"), 1);
	assert_string_equal(hs.h[0].masked, "j***@example.com");
}

static void test_phone(void **state)
{
	(void)state;
	expect_one("Call me at +49 30 1234567 after 5pm.", FORT_SCAN_PHONE, "+49 30 1234567");
	expect_one("Phone: (952) 734-2854.", FORT_SCAN_PHONE, "(952) 734-2854");
	expect_one("tel 1-960-405-6266", FORT_SCAN_PHONE, "1-960-405-6266");
	expect_one("Mobile 702.905.8584 (mobile).", FORT_SCAN_PHONE, "702.905.8584");
	expect_one("+449238649522", FORT_SCAN_PHONE, "+449238649522");
	expect_one("+33 1 23 45 67 89", FORT_SCAN_PHONE, "+33 1 23 45 67 89");
	expect_one("Telefon 030 1234567", FORT_SCAN_PHONE, "030 1234567");
	expect_none("Event ts 1700000000.");                            /* an epoch, not a phone */
	expect_none("Order #1523456789.");
	expect_none("+1 234");                                          /* too short */
	expect_none("call 111-111-1111");                               /* area code 1xx */
}

/* Numbers as people write them in other countries, judged by their
 * numbering plans; two numbers side by side are two findings. */
static void test_phone_plans(void **state)
{
	struct hits hs;

	(void)state;
	expect_one("Tel. +44 (0)161 496 0734 (office)", FORT_SCAN_PHONE, "+44 (0)161 496 0734");
	expect_one("(+33) 1 45 67 89 12 standard", FORT_SCAN_PHONE, "(+33) 1 45 67 89 12");
	expect_one("portable 07 81 23 45 69.", FORT_SCAN_PHONE, "07 81 23 45 69");
	expect_one("mobile 0 (928) 456 7812", FORT_SCAN_PHONE, "0 (928) 456 7812");
	expect_one("Rufnummer 01761234578", FORT_SCAN_PHONE, "01761234578");
	expect_one("phone: 6175550148", FORT_SCAN_PHONE, "6175550148");
	expect_one("+90 (542) 318 27 64", FORT_SCAN_PHONE, "+90 (542) 318 27 64");
	expect_one("call 44-20-7946-0321", FORT_SCAN_PHONE, "44-20-7946-0321");   /* a country code without '+' */
	assert_int_equal(scan_text(&hs, "lines 030 6215874 040-3287261"), 2);
	assert_string_equal(hs.h[0].value, "030 6215874");
	assert_string_equal(hs.h[1].value, "040-3287261");
	expect_none("amount 38108.10 and 4711.50");                     /* money */
	expect_none("epoch 1612345678 and ms 1612345678123");
	expect_none("id 0123456789");                                   /* counting up: a dummy */
	expect_none("acct 431287654");                                  /* nine digits alone */
	expect_none("+49 123");                                         /* no such number */
}

static void test_ssn(void **state)
{
	struct hits hs;

	(void)state;
	expect_one("My SSN is 123-45-6789.", FORT_SCAN_SSN, "123-45-6789");
	expect_one("SSN: 219 09 9998.", FORT_SCAN_SSN, "219 09 9998");
	expect_one("SSN: 123456789.", FORT_SCAN_SSN, "123456789");
	expect_none("Case 000-12-3456.");
	expect_none("Ticket id 666-12-3456.");
	expect_none("Employee no. 912-34-5678.");
	expect_none("serial 123-00-4567, 123-45-0000");
	/* the advertised numbers, and one digit off them (the parts read in place) */
	expect_none("SSN 078-05-1120 and SSN 219-09-9999");
	expect_one("SSN 078-05-1121", FORT_SCAN_SSN, "078-05-1121");
	expect_one("SSN 219-09-9989", FORT_SCAN_SSN, "219-09-9989");
	expect_none("SSN 899-99-0000, SSN 899-00-9999");
	expect_none("batch 123456789 shipped");                         /* nine digits, no label */
	expect_one("social security 219.09.9998", FORT_SCAN_SSN, "219.09.9998");
	assert_int_equal(scan_text(&hs, "SSN 123-45-6789"), 1);
	assert_string_equal(hs.h[0].masked, "***-**-6789");
	assert_int_equal(hs.h[0].conf, FORT_SCAN_HIGH);
	assert_int_equal(scan_text(&hs, "ref 123-45-6789"), 1);
	assert_int_equal(hs.h[0].conf, FORT_SCAN_MEDIUM);
}

static void test_nino(void **state)
{
	(void)state;
	expect_one("NI number AB123456C.", FORT_SCAN_NINO, "AB123456C");
	expect_one("nino: JG 10 37 54 A", FORT_SCAN_NINO, "JG 10 37 54 A");
	expect_one("ni: ce 123 456 b", FORT_SCAN_NINO, "ce 123 456 b");
	expect_one("NINO JT 493201D.", FORT_SCAN_NINO, "JT 493201D");
	expect_one("ref JT 493201 D", FORT_SCAN_NINO, "JT 493201 D");
	expect_one("id jt493201d", FORT_SCAN_NINO, "jt493201d");
	expect_none("Jt493201d");            /* one case throughout */
	expect_none("JT 49 3201 D");         /* groups of one size */
	expect_none("QQ123456C");            /* Q is never a prefix letter */
	expect_none("GB123456A");            /* GB is not allocated */
	expect_none("AB123456E");            /* suffix A-D */
	/* the prefix letters at the text's start, after punctuation or a tab,
	 * and (none) inside a longer word or after '-' (the candidate loop
	 * calls the detector only where its own first tests can pass) */
	expect_one("JG 10 37 54 A is mine", FORT_SCAN_NINO, "JG 10 37 54 A");
	expect_one("JT493201D is mine", FORT_SCAN_NINO, "JT493201D");
	expect_one("(JG 10 37 54 A)", FORT_SCAN_NINO, "JG 10 37 54 A");
	expect_one("ni:JT 493201 D", FORT_SCAN_NINO, "JT 493201 D");
	expect_one("id\tce 123 456 b", FORT_SCAN_NINO, "ce 123 456 b");
	expect_one("nino JT 493201D;", FORT_SCAN_NINO, "JT 493201D");
	expect_none("XJG 10 37 54 A");
	expect_none("x-JG 10 37 54 A");
	expect_none("xJT493201D");
	expect_none("JT4 93201D");
}

static void test_dob(void **state)
{
	struct hits hs;

	(void)state;
	expect_one("I was born on 1985-03-12.", FORT_SCAN_DOB, "1985-03-12");
	expect_one("DOB: 03/12/1985.", FORT_SCAN_DOB, "03/12/1985");
	expect_one("Date of birth: 12.03.1985.", FORT_SCAN_DOB, "12.03.1985");
	expect_one("birthday March 12, 1985.", FORT_SCAN_DOB, "March 12, 1985");
	expect_one("geb. 12 Mar 1985", FORT_SCAN_DOB, "12 Mar 1985");
	expect_one("{\"dateOfBirth\":\"1990-01-31\"}", FORT_SCAN_DOB, "1990-01-31");
	expect_one("born on the 3rd of May... no: born 3rd May 1979", FORT_SCAN_DOB, "3rd May 1979");
	expect_one("DOB 07-aug-1968", FORT_SCAN_DOB, "07-aug-1968");
	expect_one("d.o.b. 21.Sep.1977", FORT_SCAN_DOB, "21.Sep.1977");
	expect_one("born August 2nd, 1959", FORT_SCAN_DOB, "August 2nd, 1959");
	expect_one("1972-10-05 is her birthday", FORT_SCAN_DOB, "1972-10-05");
	expect_none("due 3rd May 1979");                                /* no context */
	expect_none("Invoice dated 1985-03-12.");                       /* no context */
	expect_none("born 1985-02-30");                                  /* no such day */
	/* months out of 1-12 with days every month has, and the month ends */
	expect_none("born 1985-13-05, born 1985-00-12, born 13/13/1985, born 05.00.1985");
	expect_none("born 1985-04-31, born 1985-02-29, born 00.03.1985");
	expect_one("born 1984-02-29", FORT_SCAN_DOB, "1984-02-29");
	expect_one("born 1985-12-31", FORT_SCAN_DOB, "1985-12-31");
	expect_one("born 1985-01-28", FORT_SCAN_DOB, "1985-01-28");
	expect_none("born on 2999-01-01");                               /* in the future */
	expect_none("I was born on a Tuesday. Invoice dated 1985-03-12."); /* another sentence */
	/* a CSV column named date_of_birth is the context */
	assert_int_equal(scan_text(&hs, "name,date_of_birth,created\nAnn,1985-03-12,2021-05-06\n"), 1);
	assert_int_equal(hs.h[0].type, FORT_SCAN_DOB);
	assert_string_equal(hs.h[0].value, "1985-03-12");
	assert_int_equal(hs.h[0].line, 2);
	assert_int_equal(hs.h[0].column, 5);
	/* the column is counted over long cells (a vector step of 32 bytes),
	 * delimiters inside quotes not counted, a quote state carried between steps */
	assert_int_equal(scan_text(&hs, "id,notes,date_of_birth,invoice_date\n"
					"1,\"a long note, with commas, more commas, far past thirty-two bytes, yes\",1985-03-12,2023-01-05\n"
					"2,plain note without any quotes but long enough to pass thirty-two,1990-07-04,2023-02-01\n"
					"3,\"quoted over a, step: 0123456789012345678901234567890123456789, end\",1977-11-30,2023-03-03\n"),
			 3);
	assert_string_equal(hs.h[0].value, "1985-03-12");
	assert_string_equal(hs.h[1].value, "1990-07-04");
	assert_string_equal(hs.h[2].value, "1977-11-30");
}

/* Every month's name and abbreviation in three cases, before and after the
 * day; three letters that start no month ("jux", "mab"), and names cut or
 * run on ("Sept", "Janu", "Mayo"), are none (month_at picks the one month
 * its first three letters can be: a wrong pick loses a month) */
static void test_dob_months(void **state)
{
	static const char *const full[] = { "january", "february", "march", "april", "may", "june", "july",
					    "august", "september", "october", "november", "december" };
	static const char *const wrong[] = { "jux", "jab", "juy", "mab", "max", "aps", "auh", "sex", "ocx", "nox",
					     "dex", "feh", "Sept", "Janu", "Mayo", "Augus", "Octobe", "junE1", "Julyy",
					     "ja", "j", "Decembers" };
	char text[96], want[64], m[16];
	size_t i, k, c;

	(void)state;
	for (i = 0; i < 12; i++)
		for (k = 0; k < 2; k++)
			for (c = 0; c < 3; c++) {
				size_t j, n = k ? strlen(full[i]) : 3;

				for (j = 0; j < n; j++)
					m[j] = (char)(c == 2 || (c == 1 && j == 0) ? full[i][j] - 32 : full[i][j]);
				m[n] = '\0';
				snprintf(want, sizeof(want), "12 %s 1985", m);
				snprintf(text, sizeof(text), "born %s.", want);
				expect_one(text, FORT_SCAN_DOB, want);
				snprintf(want, sizeof(want), "%s 12, 1985", m);
				snprintf(text, sizeof(text), "born %s.", want);
				expect_one(text, FORT_SCAN_DOB, want);
			}
	for (i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		snprintf(text, sizeof(text), "born 12 %s 1985.", wrong[i]);
		expect_none(text);
		snprintf(text, sizeof(text), "born %s 12, 1985.", wrong[i]);
		expect_none(text);
	}
}

/* detect_ipv6's 16-byte steps over the run of hex digits and ':' (back
 * from the ':', at most 40 bytes, and forward) against its byte loop:
 * random texts of every length up to 200 bytes, dense in hex digits and
 * ':' with now and then a byte that ends the run, each ':' judged both ways;
 * address-shaped runs among them.  The buffer has the 64 zero bytes of
 * padding a stream's buffer has (a found address's context window reads
 * 32 bytes a step, as in the engine); the steps stop at the view's end by
 * the same bounds as e-mail's, which test_email_vector checks without
 * padding. */
static void test_ipv6_vector(void **state)
{
	static const char dense[] = "0123456789abcdefABCDEF:::";
	static const char stop[] = " .\n/gG%[]\x80z";
	uint32_t x = 7;
	size_t found = 0, colons = 0, remembered = 0;
	scan_stream st;

	(void)state;
	assert_int_equal(scan_stream_init(&st), 0);
	for (int round = 0; round < 30000; round++) {
		/* two texts of each length in a row: a new document at the same
		 * offsets must not see what the last one's runs were judged */
		size_t n = 1 + (round / 2) % 200, i;
		unsigned char *t = calloc(1, n + 64);
		unsigned sparse;

		assert_non_null(t);
		x = x * 1103515245u + 12345u;
		sparse = 6 + (x >> 16) % 60;
		for (i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			t[i] = (x >> 16) % sparse == 0 ? (unsigned char)stop[(x >> 8) % (sizeof(stop) - 1)]
						       : (unsigned char)dense[(x >> 8) % (sizeof(dense) - 1)];
		}
		/* now and then an address's shape: groups of 1-4 and one "::" */
		if (round % 2 && n > 40) {
			size_t at = (x >> 8) % (n - 40), k = at;

			for (int g = 0; g < 8 && k + 5 < n; g++) {
				size_t len = 1 + (x >> (g + 3)) % 4;

				for (size_t j = 0; j < len; j++)
					t[k++] = (unsigned char)"0123456789abcdef"[(x >> (j + g)) % 16];
				t[k++] = ':';
			}
			if (k < n)
				t[k - 1] = ' ';
		}
		scan_stream_reset(&st, NULL, NULL, 0);
		for (i = 0; i < n; i++) {
			scan_view v = { t, n, 0, NULL }, vm = { t, n, 0, &st };
			scan_match a, b, c;
			int ra, rb, rc;

			if (t[i] != ':')
				continue;
			colons++;
			memset(&a, 0, sizeof(a));
			memset(&b, 0, sizeof(b));
			scan_ipv6_vector = 1;
			ra = detect_ipv6(&v, i, NULL, &a);
			scan_ipv6_vector = 0;
			rb = detect_ipv6(&v, i, NULL, &b);
			scan_ipv6_vector = 1;
			if (ra != rb || (ra && (a.start != b.start || a.end != b.end || a.conf != b.conf)))
				fail_msg("'%.*s' at %zu: steps %d [%zu, %zu), bytes %d [%zu, %zu)", (int)n, (const char *)t, i,
					 ra, a.start, a.end, rb, b.start, b.end);
			/* with a stream's memory of the runs judged no address (the
			 * ':' asked in order, as the engine does): the same */
			memset(&c, 0, sizeof(c));
			remembered += st.v6_e > i && st.v6_s < i;
			rc = detect_ipv6(&vm, i, NULL, &c);
			if (ra != rc || (ra && (a.start != c.start || a.end != c.end || a.conf != c.conf)))
				fail_msg("'%.*s' at %zu: %d [%zu, %zu), with the memory %d [%zu, %zu)", (int)n, (const char *)t,
					 i, ra, a.start, a.end, rc, c.start, c.end);
			found += (size_t)ra;
		}
		free(t);
	}
	/* a new document of the same length: its ':' at the offsets of a run
	 * the last one judged no address is judged again */
	{
		static const char a[] = "t 1a:2b:3c:4d:5e x", b[] = "t 1a::3c:4d:5e:6 x";
		unsigned char *t = calloc(1, sizeof(a) + 64);
		scan_view vm = { t, sizeof(a) - 1, 0, &st };
		scan_match c;

		assert_non_null(t);
		scan_stream_reset(&st, NULL, NULL, 0);
		memcpy(t, a, sizeof(a) - 1);
		assert_int_equal(detect_ipv6(&vm, 4, NULL, &c), 0);
		scan_stream_reset(&st, NULL, NULL, 0);
		memcpy(t, b, sizeof(b) - 1);
		assert_int_equal(detect_ipv6(&vm, 4, NULL, &c), 1);
		assert_int_equal(c.start, 2);
		assert_int_equal(c.end, 16);
		free(t);
	}
	scan_stream_release(&st);
	if (colons < 100000 || found < 500 || remembered < 10000)
		fail_msg("%zu ':', %zu found, %zu remembered: too few to mean something", colons, found, remembered);
}

static void test_ip(void **state)
{
	(void)state;
	expect_one("Login came from 192.168.1.20.", FORT_SCAN_IP, "192.168.1.20");
	expect_one("client (93.11.211.142)", FORT_SCAN_IP, "93.11.211.142");
	expect_one("request from 2001:0db8:85a3:0000:0000:8a2e:0370:7334.", FORT_SCAN_IP,
		   "2001:0db8:85a3:0000:0000:8a2e:0370:7334");
	expect_one("peer fe80::1ff:fe23:4567:890a up", FORT_SCAN_IP, "fe80::1ff:fe23:4567:890a");
	expect_none("Upgraded to version 1.2.3.4 today");                /* a version */
	expect_none("Chrome/116.3.7.20 Safari");
	expect_none("OID 1.3.6.1.4.1.343.2");
	expect_none("addr 300.1.1.1 and 1.2.3.256");
	expect_none("addr 10.0.0.07");                                  /* a leading zero */
	/* IPv4 inside IPv6 is one finding; compressed and CIDR forms */
	expect_one("gw 64:ff9b::203.0.113.9 up", FORT_SCAN_IP, "64:ff9b::203.0.113.9");
	expect_one("mapped ::ffff:198.51.100.7", FORT_SCAN_IP, "::ffff:198.51.100.7");
	expect_one("bind [::1]:8080", FORT_SCAN_IP, "::1");
	expect_one("route fd00::/8 via", FORT_SCAN_IP, "fd00::/8");
	expect_none("rev = s[::2]");                                    /* a slice */
	expect_none("at 12:34:56 and 00:1a:2b:3c:4d:5e");                /* a time, a MAC */
	expect_none("release v1.2.3.4");
}

static void test_secret(void **state)
{
	struct hits hs;

	(void)state;
	expect_one("password: hunter2xyz", FORT_SCAN_SECRET, "hunter2xyz");
	expect_one("db_passwd=S3cr3t!x done", FORT_SCAN_SECRET, "S3cr3t!x");
	expect_one("{\"password\": \"correct horse\"}", FORT_SCAN_SECRET, "correct horse");
	expect_one("key AKIA2E0A8F3B244C9986", FORT_SCAN_SECRET, "AKIA2E0A8F3B244C9986");
	expect_one("token ghp_R7xk2Qm9Lp4Vt8Wn3Ys6Zb1Cd5Fg0Hj2Kl7M", FORT_SCAN_SECRET,
		   "ghp_R7xk2Qm9Lp4Vt8Wn3Ys6Zb1Cd5Fg0Hj2Kl7M");
	expect_one("SLACK=xoxb-263547819021-7Gh2Kq9Lm4Np8Rs3Tv6W", FORT_SCAN_SECRET,
		   "xoxb-263547819021-7Gh2Kq9Lm4Np8Rs3Tv6W");
	expect_one("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", FORT_SCAN_SECRET, "sk_live_4eC39HqLyjWDarjtT1zdp7dc");
	expect_one("google AIzaSyC9x2Lq7Rt4Wm8Kp3Vn6Bz1Hd5Fj0Gs2Ty", FORT_SCAN_SECRET,
		   "AIzaSyC9x2Lq7Rt4Wm8Kp3Vn6Bz1Hd5Fj0Gs2Ty");
	/* Fortress's own token for programs (fortress token create) */
	expect_one("FORTRESS_TOKEN=fortress_tok_12_t2CUk3trdrQXVyaXvUpIrTNBN53Utt2uEII4X3zdaoM", FORT_SCAN_SECRET,
		   "fortress_tok_12_t2CUk3trdrQXVyaXvUpIrTNBN53Utt2uEII4X3zdaoM");
	expect_one("auth: Bearer fortress_tok_3_-q2_Uk3trdrQXVyaXvUpIrTNBN53Utt2uEII4X3zdaoM.", FORT_SCAN_SECRET,
		   "fortress_tok_3_-q2_Uk3trdrQXVyaXvUpIrTNBN53Utt2uEII4X3zdaoM");
	expect_none("the prefix fortress_tok_ alone, or fortress_tok_12_short");
	/* the header names the key, it is not the key: shown as it is */
	assert_int_equal(scan_text(&hs, "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n"), 1);
	assert_int_equal(hs.h[0].type, FORT_SCAN_SECRET);
	assert_string_equal(hs.h[0].rule, "secret.private-key");
	assert_int_equal(hs.h[0].offset, 2);
	assert_int_equal(hs.h[0].line, 2);
	expect_none("password: ******** and password: <redacted>");
	expect_none("Weak passphrase: exit 6, and passphrase: they said");   /* prose */
	expect_none("secret = sodium_malloc(64); p->secret = b->secret;");   /* code */
	expect_one("\"password: hunter2xyz\"", FORT_SCAN_SECRET, "hunter2xyz");
	expect_none("-----BEGIN PUBLIC KEY-----\n");
	expect_none("AKIAIOSFODNN7EXAMPL");                               /* 15 after the prefix */
	assert_int_equal(scan_text(&hs, "password: hunter2xyz"), 1);
	assert_string_equal(hs.h[0].masked, "********");
}

/* Secrets in the syntaxes code and config files use, and test data that is
 * not a secret. */
static void test_secret_syntaxes(void **state)
{
	struct hits hs;

	(void)state;
	/* a label anywhere in an identifier, any assignment operator */
	expect_one("smtp_password_prod = \"Tr0ub4dor&3\"", FORT_SCAN_SECRET, "Tr0ub4dor&3");
	expect_one("DB_PASS := q8!ZrT2w", FORT_SCAN_SECRET, "q8!ZrT2w");
	expect_one("$cfg['db_pass'] => 'k7#Lm2pQ'", FORT_SCAN_SECRET, "k7#Lm2pQ");
	expect_one("myPrivateKey: \"a9d8f7e6 c5b4\"", FORT_SCAN_SECRET, "a9d8f7e6 c5b4");
	expect_one("static char client_secret[32] = \"Zq4$wE1r\";", FORT_SCAN_SECRET, "Zq4$wE1r");
	expect_one("var pwd = @\"Pa55w0rd!9\";", FORT_SCAN_SECRET, "Pa55w0rd!9");
	/* comparisons, either way round */
	expect_one("if (apiKey === \"r4nd0mV4lu3\") {", FORT_SCAN_SECRET, "r4nd0mV4lu3");
	expect_one("if (\"s3cr3t-T0ken\" != auth_token) {", FORT_SCAN_SECRET, "s3cr3t-T0ken");
	/* an unquoted value with signs, and a lone word at the end of a line */
	expect_one("secret: x{(y)}z9;", FORT_SCAN_SECRET, "x{(y)}z9");
	expect_one("user: root\npassword:lighthouse\n", FORT_SCAN_SECRET, "lighthouse");
	/* credentials in a URL are a secret, not an e-mail address */
	expect_one("DATABASE_URL=postgres://admin:Vx9#kQ2m@db.internal:5432/app", FORT_SCAN_SECRET, "Vx9#kQ2m");
	expect_none("see https://example.org/a:b@c and ftp://host/path");
	/* newer key and token kinds */
	expect_one("sk_test_51HqLyjWDarjtT1zdp7dcAb", FORT_SCAN_SECRET, "sk_test_51HqLyjWDarjtT1zdp7dcAb");
	expect_one("id ABIA3QK7RT2MZX5WNV4P end", FORT_SCAN_SECRET, "ABIA3QK7RT2MZX5WNV4P");
	expect_one("xoxp-2648913574-2648913575-2648913576-8f3e2a1b9c7d6e5f4a3b2c1d0e9f8a7b", FORT_SCAN_SECRET,
		   "xoxp-2648913574-2648913575-2648913576-8f3e2a1b9c7d6e5f4a3b2c1d0e9f8a7b");
	expect_one("hook https://hooks.slack.com/services/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",
		   FORT_SCAN_SECRET, "https://hooks.slack.com/services/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");
	assert_int_equal(scan_text(&hs, "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQWGBGSV\n"), 1);
	assert_string_equal(hs.h[0].rule, "secret.private-key");
	assert_int_equal(scan_text(&hs, "url mysql://app:Xk2#pL9q@db/x"), 1);
	assert_string_equal(hs.h[0].masked, "********");
	/* test data, names and too-short tokens are no findings */
	expect_none("aws_access_key_id = AKIAIOSFODNN7EXAMPLE");
	expect_none("api_key: insert_key_here");
	expect_none("token = xxxxxxxxxxxxxxxx and password = \"********\"");
	expect_none("passwordVariable: 'PASSWORD'");
	expect_none("xoxb-12345-abcd234 and xoxp-1234567890");
	expect_none("password = self.password");
	expect_none("secretary: Alice Smith");
	expect_none("password = \",.;:!?\"");
	/* the label's keyword is looked for in the identifier before the
	 * operator, however far into the line (a vector step of 32 bytes, a
	 * longer identifier byte by byte) and right up to the operator */
	expect_one("a line of filler words, then: api_key = \"r4nd0mV4lu3\"", FORT_SCAN_SECRET, "r4nd0mV4lu3");
	expect_one("x production_replica_database_primary_password = \"Tr0ub4dor&3\"", FORT_SCAN_SECRET,
		   "Tr0ub4dor&3");
	expect_one("password_of_the_reporting_replica_in_the_eu_west_datacentre01: \"q8!ZrT2w\"", FORT_SCAN_SECRET,
		   "q8!ZrT2w");
	/* a keyword before the identifier is no label */
	expect_none("reset the secret key today\ncolour: \"q8!ZrT2w9\"");
	expect_none("password manager, colour_of_the_new_brand_identity: \"q8!ZrT2w9\"");
}

static void test_values_only_on_request(void **state)
{
	struct hits hs;
	fort_scan_opts o = test_opts(&hs);
	const char *text = "card 4111111111111111 mail a@example.com";

	(void)state;
	o.show_values = 0;
	assert_int_equal(fort_scan_buffer(NULL, "x", text, strlen(text), &o), 0);
	assert_int_equal(hs.n, 2);
	assert_string_equal(hs.h[0].value, "");
	assert_string_equal(hs.h[1].value, "");
	assert_null(strstr(hs.h[0].masked, "4111111111111111"));
}

static void test_inline_ignore_and_confidence(void **state)
{
	struct hits hs;
	fort_scan_opts o = test_opts(&hs);
	const char *text = "a 4111111111111111\nb 4111111111111111 # fortress:ignore\nc 030 1234567\n";

	(void)state;
	assert_int_equal(fort_scan_buffer(NULL, "x", text, strlen(text), &o), 0);
	assert_int_equal(hs.n, 2);
	assert_int_equal(hs.h[0].line, 1);
	assert_int_equal(hs.h[1].line, 3);
	assert_int_equal(hs.file_suppressed, 1);
	o = test_opts(&hs);
	o.min_confidence = FORT_SCAN_MEDIUM;
	assert_int_equal(fort_scan_buffer(NULL, "x", text, strlen(text), &o), 0);
	assert_int_equal(hs.n, 1);       /* the national phone number is low */
	o = test_opts(&hs);
	o.inline_ignore = 0;
	assert_int_equal(fort_scan_buffer(NULL, "x", text, strlen(text), &o), 0);
	assert_int_equal(hs.n, 3);
}

static void test_lines_columns_utf8(void **state)
{
	struct hits hs;

	(void)state;
	/* "Zoë" is 4 bytes, 3 code points */
	assert_int_equal(scan_text(&hs, "x\ny\nZo\xc3\xab j@example.com\n"), 1);
	assert_int_equal(hs.h[0].line, 3);
	assert_int_equal(hs.h[0].column, 5);
	assert_int_equal(hs.h[0].offset, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card),
		cmocka_unit_test(test_card_mask),
		cmocka_unit_test(test_card_vector),
		cmocka_unit_test(test_iban),
		cmocka_unit_test(test_iban_mod97_ref),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_email_vector),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_phone_plans),
		cmocka_unit_test(test_ssn),
		cmocka_unit_test(test_nino),
		cmocka_unit_test(test_dob),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_dob_months),
		cmocka_unit_test(test_ipv6_vector),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_masks_vector),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_secret_syntaxes),
		cmocka_unit_test(test_values_only_on_request),
		cmocka_unit_test(test_inline_ignore_and_confidence),
		cmocka_unit_test(test_lines_columns_utf8),
	};

	if (fort_library_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

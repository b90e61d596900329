/* test_scan_detectors.c - known answers per detector: valid values found
 * with their exact span, near misses (bad checksums, invalid ranges, no
 * context, inside a longer token) not found, and masks that never show the
 * whole value. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
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
	expect_none("id 9111111111111111 z");                           /* no brand starts with 9 */
	expect_none("hash a4111111111111111b");                         /* inside a word */
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
	assert_int_equal(scan_text(&hs, "DE89 3704 0044 0532 0130 00"), 1);
	assert_string_equal(hs.h[0].masked, "DE** **** **** **** **30 00");
	assert_true(scan_iban_mod97("DE89370400440532013000", 22));
	assert_false(scan_iban_mod97("DE89370400440532013001", 22));
	assert_int_equal(scan_iban_length("DE"), 22);
	assert_int_equal(scan_iban_length("QQ"), 0);
}

static void test_email(void **state)
{
	struct hits hs;

	(void)state;
	expect_one("You can reach me at john.smith85@example.co.uk any time.", FORT_SCAN_EMAIL,
		   "john.smith85@example.co.uk");
	expect_one("<a-b+tag@mail-1.example.org>", FORT_SCAN_EMAIL, "a-b+tag@mail-1.example.org");
	expect_none("logo@2x.png and icon@3x.jpg");
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
	expect_none("batch 123456789 shipped");                         /* nine digits, no label */
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
	expect_none("QQ123456C");            /* Q is never a prefix letter */
	expect_none("GB123456A");            /* GB is not allocated */
	expect_none("AB123456E");            /* suffix A-D */
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
	expect_none("Invoice dated 1985-03-12.");                       /* no context */
	expect_none("born 1985-02-30");                                  /* no such day */
	expect_none("born on 2999-01-01");                               /* in the future */
	expect_none("I was born on a Tuesday. Invoice dated 1985-03-12."); /* another sentence */
	/* a CSV column named date_of_birth is the context */
	assert_int_equal(scan_text(&hs, "name,date_of_birth,created\nAnn,1985-03-12,2021-05-06\n"), 1);
	assert_int_equal(hs.h[0].type, FORT_SCAN_DOB);
	assert_string_equal(hs.h[0].value, "1985-03-12");
	assert_int_equal(hs.h[0].line, 2);
	assert_int_equal(hs.h[0].column, 5);
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
	expect_one("key AKIAIOSFODNN7EXAMPLE", FORT_SCAN_SECRET, "AKIAIOSFODNN7EXAMPLE");
	expect_one("token ghp_0123456789abcdefghijklmnopqrstuvwxyz", FORT_SCAN_SECRET,
		   "ghp_0123456789abcdefghijklmnopqrstuvwxyz");
	expect_one("SLACK=xoxb-123456789012-abcdefghij", FORT_SCAN_SECRET, "xoxb-123456789012-abcdefghij");
	expect_one("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", FORT_SCAN_SECRET, "sk_live_4eC39HqLyjWDarjtT1zdp7dc");
	expect_one("google AIzaSyA1234567890abcdefghijklmnopqrstuv", FORT_SCAN_SECRET,
		   "AIzaSyA1234567890abcdefghijklmnopqrstuv");
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
		cmocka_unit_test(test_iban),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_ssn),
		cmocka_unit_test(test_nino),
		cmocka_unit_test(test_dob),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_values_only_on_request),
		cmocka_unit_test(test_inline_ignore_and_confidence),
		cmocka_unit_test(test_lines_columns_utf8),
	};

	if (fort_library_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// phonelib.cc - the C interface of phonelib.h over libphonenumber's
// PhoneNumberUtil (Debian libphonenumber-dev), for the scanner and the
// phone field type.  No exception or C++ type
// crosses it.  PhoneNumberUtil is a thread-safe singleton: its metadata is
// loaded on the first call (a few milliseconds), so a scan without
// phone-shaped candidates never pays for it.
#include <string>
#include <unordered_map>
#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/phonemetadata.pb.h>
#include <cstring>
#include "util/phonelib.h"

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// The library's compiled-in metadata (the blob PhoneNumberUtil itself loads
// at its first use; exported by libphonenumber.so, declared in its
// metadata.h, which Debian does not install).
namespace i18n {
namespace phonenumbers {
int metadata_size();
const void *metadata_get();
}
}

// Where national numbers are assumed to come from.  With a trunk prefix
// ("0..."): the countries whose clients a small business in Europe or North
// America most often has, and the large numbering plans.  Without one, a
// number is judged only where it is commonly written so: the North American
// plan (which has no trunk prefix), Turkey (whose mobile numbers are often
// written as ten digits) and, eleven digits from 1, Chinese mobiles.  Germany
// and Austria (variable-length plans that accept almost any run of digits)
// only judge numbers written in groups, never a bare run of digits.
static const char *const with_trunk[] = {
	"US", "GB", "DE", "FR", "IT", "ES", "NL", "BE", "CH", "AT", "IE", "PT", "PL", "SE", "DK",
	"NO", "FI", "IL", "IN", "CN", "PH", "TR", "BR", "AU", "MX", nullptr,
};
static const char *const no_trunk[] = { "US", "TR", nullptr };
static const char *const from_one[] = { "US", "CN", nullptr };

static int valid(const std::string &s, const char *region)
{
	try {
		const PhoneNumberUtil *u = PhoneNumberUtil::GetInstance();
		PhoneNumber pn;

		if (u->Parse(s, region, &pn) != PhoneNumberUtil::NO_PARSING_ERROR)
			return 0;
		return u->IsValidNumber(pn) ? 1 : 0;
	} catch (...) {
		return 0;
	}
}

extern "C" int phonelib_valid_intl(const char *digits, size_t n)
{
	std::string s("+");

	s.append(digits, n);
	return valid(s, "ZZ");
}

static int variable_length(const char *region)
{
	return (region[0] == 'D' && region[1] == 'E') || (region[0] == 'A' && region[1] == 'T');
}

extern "C" int phonelib_valid_national(const char *digits, size_t n, int grouped)
{
	std::string s(digits, n);
	const char *const *list = !n ? nullptr : digits[0] == '0' ? with_trunk : digits[0] == '1' ? from_one : no_trunk;

	for (; list && *list; list++)
		if ((grouped || !variable_length(*list)) && valid(s, *list))
			return 1;
	return 0;
}

static void copy_region(char where[4], const std::string &r)
{
	size_t n = r.size() < 3 ? r.size() : 3;

	std::memcpy(where, r.data(), n);
	where[n] = '\0';
}

extern "C" int phonelib_region_known(const char *region)
{
	try {
		return region && PhoneNumberUtil::GetInstance()->GetCountryCodeForRegion(region) != 0;
	} catch (...) {
		return 0;
	}
}

// ---------------------------------------------------------------- E.164
//
// PhoneNumberUtil::Parse costs ~100k instructions a number (ICU regular
// expressions: viability, extensions, the international and national
// prefixes), most of the phone type's cost at import.  For the common input
// "+" and digits only, what Parse does reduces to steps that need no
// expression (libphonenumber 8.12, PhoneNumberUtil::ParseHelper):
//   * no extension, no "tel:" or phone-context, nothing to normalise;
//   * the country calling code is the shortest prefix (1 to 3 digits, not
//     starting with 0) that GetRegionCodeForCountryCode knows
//     (ExtractCountryCode);
//   * the country's national_prefix_for_parsing is tried at the start of the
//     rest (MaybeStripNationalPrefixAndCarrierCode): when it is empty, or a
//     plain run of digits the rest does not begin with, nothing is stripped;
//   * a national significant number of 2 to 17 digits is kept, its leading
//     zeros noted (SetItalianLeadingZerosForPhoneNumber).
// plain_intl() builds the PhoneNumber so only in exactly those cases (the
// prefix comes from the library's own metadata, not from a table of ours);
// anything else (a prefix that is an expression or that the number begins
// with, too few or too many digits, another character) goes to Parse.  The
// checks after the parse (region, possible, valid, E.164) are the library's
// in both cases.  tests/unit/util/test_phonelib.c compares the two on tens
// of thousands of numbers.

// national_prefix_for_parsing by region ("DE"), and by "001" + calling
// code for the non-geographic entities; built once, read-only after.
static const std::unordered_map<std::string, std::string> &parsing_prefixes()
{
	static const std::unordered_map<std::string, std::string> *const table = [] {
		auto *t = new std::unordered_map<std::string, std::string>();
		try {
			PhoneMetadataCollection c;

			if (c.ParseFromArray(i18n::phonenumbers::metadata_get(), i18n::phonenumbers::metadata_size())) {
				for (const PhoneMetadata &m : c.metadata()) {
					std::string key = m.id() == "001" ? "001" + std::to_string(m.country_code()) : m.id();
					(*t)[key] = m.national_prefix_for_parsing();
				}
			}
		} catch (...) {
			t->clear();   // no table: every number goes to Parse
		}
		return t;
	}();
	return *table;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

// true and *PN exactly as Parse(NUMBER, "ZZ") would fill it, for the plain
// shape described above; false when the number must go to Parse.
static bool plain_intl(const PhoneNumberUtil *u, const char *number, PhoneNumber *pn)
{
	const char *d = number + 1;
	size_t n = std::strlen(d), cclen = 0, nl;
	int cc = 0;
	std::string region;

	if (number[0] != '+' || n < 4 || n > 20 || d[0] == '0' || !all_digits(d, n))
		return false;
	for (size_t i = 1; i <= 3; i++) {
		cc = cc * 10 + (d[i - 1] - '0');
		u->GetRegionCodeForCountryCode(cc, &region);
		if (region != "ZZ") {
			cclen = i;
			break;
		}
	}
	if (!cclen)
		return false;
	nl = n - cclen;
	if (nl < 2 || nl > 17)
		return false;
	const auto &table = parsing_prefixes();
	auto it = table.find(region == "001" ? "001" + std::to_string(cc) : region);
	if (it == table.end())
		return false;
	const std::string &p = it->second;
	if (!p.empty() && (!all_digits(p.data(), p.size()) ||
			   (nl >= p.size() && std::memcmp(d + cclen, p.data(), p.size()) == 0)))
		return false;

	const char *nat = d + cclen;
	unsigned long long v = 0;
	PhoneNumber t;

	t.set_country_code(cc);
	if (nl > 1 && nat[0] == '0') {
		size_t zeros = 1;

		t.set_italian_leading_zero(true);
		while (zeros < nl - 1 && nat[zeros] == '0')
			zeros++;
		if (zeros != 1)
			t.set_number_of_leading_zeros((int)zeros);
	}
	for (size_t i = 0; i < nl; i++)
		v = v * 10 + (unsigned long long)(nat[i] - '0');
	t.set_national_number(v);
	pn->Swap(&t);
	return true;
}

extern "C" int phonelib_e164_how(char *out, size_t cap, char where[4], const char *number, const char *region,
				 int always_parse, int *took_plain)
{
	where[0] = '\0';
	if (cap)
		out[0] = '\0';
	if (took_plain)
		*took_plain = 0;
	try {
		const PhoneNumberUtil *u = PhoneNumberUtil::GetInstance();
		PhoneNumber pn;
		std::string e, r;
		bool intl = number[0] == '+';

		if (!intl && !phonelib_region_known(region))
			return PHONELIB_BAD_REGION;
		if (!always_parse && intl && plain_intl(u, number, &pn)) {
			if (took_plain)
				*took_plain = 1;
		} else {
			switch (u->Parse(number, intl ? "ZZ" : region, &pn)) {
			case PhoneNumberUtil::NO_PARSING_ERROR:
				break;
			case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
				return PHONELIB_BAD_CC;
			case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
			case PhoneNumberUtil::TOO_SHORT_NSN:
				return PHONELIB_TOO_SHORT;
			case PhoneNumberUtil::TOO_LONG_NSN:
				return PHONELIB_TOO_LONG;
			default:
				return PHONELIB_NOT_NUMBER;
			}
		}
		u->GetRegionCodeForNumber(pn, &r);
		if (r.empty() || r == "ZZ")
			u->GetRegionCodeForCountryCode(pn.country_code(), &r);
		if (r == "ZZ")
			return PHONELIB_BAD_CC;
		copy_region(where, r);
		switch (u->IsPossibleNumberWithReason(pn)) {
		case PhoneNumberUtil::IS_POSSIBLE:
		case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
			break;
		case PhoneNumberUtil::INVALID_COUNTRY_CODE:
			return PHONELIB_BAD_CC;
		case PhoneNumberUtil::TOO_SHORT:
			return PHONELIB_TOO_SHORT;
		case PhoneNumberUtil::TOO_LONG:
			return PHONELIB_TOO_LONG;
		default:
			return PHONELIB_INVALID;
		}
		if (!u->IsValidNumber(pn))
			return PHONELIB_INVALID;
		u->Format(pn, PhoneNumberUtil::E164, &e);
		if (e.size() + 1 > cap)
			return PHONELIB_TOO_LONG;
		std::memcpy(out, e.c_str(), e.size() + 1);
		return PHONELIB_OK;
	} catch (...) {
		return PHONELIB_NOT_NUMBER;
	}
}

extern "C" int phonelib_e164(char *out, size_t cap, char where[4], const char *number, const char *region)
{
	return phonelib_e164_how(out, cap, where, number, region, 0, nullptr);
}

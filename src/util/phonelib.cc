// phonelib.cc - the C interface of phonelib.h over libphonenumber's
// PhoneNumberUtil (Debian libphonenumber-dev), for the scanner and the
// phone field type.  No exception or C++ type
// crosses it.  PhoneNumberUtil is a thread-safe singleton: its metadata is
// loaded on the first call (a few milliseconds), so a scan without
// phone-shaped candidates never pays for it.
#include <string>
#include <phonenumbers/phonenumberutil.h>
#include <cstring>
#include "util/phonelib.h"

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

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

extern "C" int phonelib_e164(char *out, size_t cap, char where[4], const char *number, const char *region)
{
	where[0] = '\0';
	if (cap)
		out[0] = '\0';
	try {
		const PhoneNumberUtil *u = PhoneNumberUtil::GetInstance();
		PhoneNumber pn;
		std::string e, r;
		bool intl = number[0] == '+';

		if (!intl && !phonelib_region_known(region))
			return PHONELIB_BAD_REGION;
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

// phonelib.cc - the C interface of phonelib.h over libphonenumber's
// PhoneNumberUtil (Debian libphonenumber-dev), for the scanner and the
// phone field type.  No exception or C++ type
// crosses it.  PhoneNumberUtil is a thread-safe singleton: its metadata is
// loaded on the first call (a few milliseconds), so a scan without
// phone-shaped candidates never pays for it.
#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>
#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/phonemetadata.pb.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>
#include <cstring>
#include "util/phonelib.h"

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberDesc;
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

static bool fast_valid(const PhoneNumberUtil *u, const PhoneNumber &pn, const std::string &region, bool *by_table,
		       std::string *nsn_out);
static bool all_digits(const char *s, size_t n);

static int valid(const std::string &s, const char *region)
{
	try {
		const PhoneNumberUtil *u = PhoneNumberUtil::GetInstance();
		PhoneNumber pn;

		std::string r, nsn;
		bool by_table;

		if (u->Parse(s, region, &pn) != PhoneNumberUtil::NO_PARSING_ERROR)
			return 0;
		u->GetRegionCodeForNumber(pn, &r);
		return fast_valid(u, pn, r, &by_table, &nsn) ? 1 : 0;
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
// checks after the parse (region, possible, E.164) are the library's in both
// cases; validity is fast_valid()'s (above: the library's patterns, asked
// more cheaply).  tests/unit/util/test_phonelib.c compares the two on tens
// of thousands of numbers.

// ---------------------------------------------------------------- plans
//
// What this file reads of the library's metadata, by region ("DE") and by
// "001" + calling code for the non-geographic entities; built once on the
// first use, read-only after (the compiled expressions are set once each,
// atomically).
//
// Validity.  PhoneNumberUtil::IsValidNumber(pn) is
// IsValidNumberForRegion(pn, GetRegionCodeForNumber(pn)), which is
// GetNumberTypeHelper(national significant number, the region's metadata)
// != UNKNOWN (libphonenumber 8.12): the number matches the general
// description, and then one of premium rate, toll free, shared cost, VoIP,
// personal number, pager, UAN, voicemail, fixed line, or mobile (mobile
// only when its pattern is not the fixed line's).  A description matches
// when the number's length is one of its possible lengths (or it lists
// none) and its national_number_pattern, not empty, matches the whole
// number (IsNumberMatchingDesc, RegexBasedMatcher).  The library asks that
// of ICU for every description in that order, and each match builds an ICU
// matcher and looks the pattern up by its text in a locked cache: ~59k
// instructions a number, the import's largest single cost (issue 16).
// plan_valid() asks the same questions of the same patterns, each compiled
// once per process by the digit-set matcher below (dpat; a pattern of a
// syntax it does not read: by the same ICU with the same flags, a matcher
// per pattern per thread), and stops at the first type that matches, fixed
// line and mobile first (validity does not depend on which type matched).
// Whatever it cannot settle (a pattern ICU refuses, memory) goes to the
// library.  tests/unit/util/test_phonelib.c compares the two.

// Digit patterns without ICU.  The metadata's national_number_pattern
// expressions use a small part of the syntax (they are written to run on
// RE2 and JavaScript too): digits, \d, classes of digits and ranges
// ("[2-79]"), groups "(?:...)" of alternatives "|", and the quantifiers
// "?", "{n}" and "{n,m}".  The question asked of them is a whole match of a
// national significant number (digits only, at most 17), which is a
// question of the language, not of the order in which a backtracking engine
// tries alternatives: dpat_seq() carries the SET of positions the pattern
// so far can have reached (bit i: the first i digits matched) through the
// pattern, an atom moving on at once every position whose digit is in its
// class (a shift of the set masked by the text's positions of those
// digits), an alternation the union of its branches from the same set, a
// repetition its atom applied min times and then up to max - min more.  It
// matches when the set after the whole pattern holds the text's length.
// From a single position, a branch that must start with another digit is
// skipped (dseq.first).  ICU builds a matcher state, resets it over a
// UnicodeString and backtracks (~2.2k instructions a match on the import's
// numbers); this is a few operations an atom.  A pattern with anything else
// (a construct the parser does not know) is not compiled and goes to ICU
// as before.
// tests/unit/util/test_phonelib.c compares the two on every pattern of the
// metadata (phonelib_patterns_check).
struct dseq;

struct dnode {
	uint16_t cls;              // an atom: the digits it takes (bit d); 0: a group
	uint8_t min, max;          // repeated min..max times
	std::vector<dseq> alts;    // a group: its alternatives
};

struct dseq {
	uint16_t first;            // the digits a match can start with; 0xFFFF: it
				   // can match nothing at all (never skipped)
	std::vector<dnode> n;
};

struct dpat {
	std::vector<dseq> alts;    // the whole pattern: its alternatives
};

static bool dpat_alts(const char *&p, std::vector<dseq> *alts, int depth);

// One atom and its quantifier at P into SEQ.
static bool dpat_atom(const char *&p, std::vector<dnode> *seq, int depth)
{
	dnode n;

	n.cls = 0;
	n.min = n.max = 1;
	if (*p >= '0' && *p <= '9') {
		n.cls = (uint16_t)(1u << (*p - '0'));
		p++;
	} else if (p[0] == '\\' && p[1] == 'd') {
		n.cls = 0x3FF;
		p += 2;
	} else if (*p == '[') {
		p++;
		while (*p != ']') {
			if (*p < '0' || *p > '9')
				return false;
			int lo = *p - '0', hi = lo;
			p++;
			if (*p == '-') {
				if (p[1] < '0' || p[1] > '9' || p[1] - '0' < lo)
					return false;
				hi = p[1] - '0';
				p += 2;
			}
			for (int d = lo; d <= hi; d++)
				n.cls |= (uint16_t)(1u << d);
		}
		p++;
		if (!n.cls)
			return false;
	} else if (p[0] == '(' && p[1] == '?' && p[2] == ':') {
		p += 3;
		if (depth > 32 || !dpat_alts(p, &n.alts, depth + 1) || *p != ')')
			return false;
		p++;
	} else {
		return false;   // a capturing group, an anchor, ... : ICU's
	}
	if (*p == '?') {
		n.min = 0;
		p++;
	} else if (*p == '{') {
		unsigned lo = 0, hi;
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9' && lo < 100)
			lo = lo * 10 + (unsigned)(*p++ - '0');
		hi = lo;
		if (*p == ',') {
			p++;
			if (*p < '0' || *p > '9')
				return false;   // "{n,}": not in the metadata
			hi = 0;
			while (*p >= '0' && *p <= '9' && hi < 100)
				hi = hi * 10 + (unsigned)(*p++ - '0');
		}
		if (*p != '}' || lo > hi || hi >= 100)
			return false;
		p++;
		n.min = (uint8_t)lo;
		n.max = (uint8_t)hi;
	}
	if (*p == '?' || *p == '{' || *p == '*' || *p == '+')
		return false;   // a lazy or stacked quantifier
	seq->push_back(std::move(n));
	return true;
}

// The digits a non-empty match of SEQ can start with, 0xFFFF when SEQ can
// match nothing at all (no atom that must take a digit).
static uint16_t dseq_first(const dseq &seq)
{
	uint16_t f = 0;

	for (const dnode &n : seq.n) {
		bool empty = n.min == 0;
		if (n.cls) {
			f |= n.cls;
		} else {
			for (const dseq &a : n.alts) {
				if (a.first == 0xFFFF)
					empty = true;
				else
					f |= a.first;
			}
		}
		if (!empty)
			return f;
	}
	return 0xFFFF;
}

static bool dpat_alts(const char *&p, std::vector<dseq> *alts, int depth)
{
	alts->emplace_back();
	for (;;) {
		if (*p == '\0' || *p == ')' || *p == '|') {
			alts->back().first = dseq_first(alts->back());
			if (*p != '|')
				return true;
			p++;
			alts->emplace_back();
			continue;
		}
		if (!dpat_atom(p, &alts->back().n, depth))
			return false;
	}
}

// PATTERN compiled, or nullptr when it uses more than the parser knows.
static dpat *dpat_compile(const std::string &pattern)
{
	std::unique_ptr<dpat> d(new dpat());
	const char *p = pattern.c_str();

	if (!dpat_alts(p, &d->alts, 0) || *p != '\0')
		return nullptr;
	return d.release();
}

// The text: T[i] its digits (10 past the end), AT[d] the positions of
// digit d (bit i), ANY those of every digit.
struct dtext {
	unsigned char t[32];
	uint32_t at[10];
	uint32_t any;
};

static uint32_t dpat_seq(const std::vector<dnode> &seq, uint32_t set, const dtext &x);

static uint32_t dpat_alts_run(const std::vector<dseq> &alts, uint32_t set, const dtext &x)
{
	uint32_t out = 0;
	// from one position (the common case), an alternative that must
	// start with a digit other than the one there cannot match
	unsigned skip = set & (set - 1) ? 0xFFFF : 1u << x.t[__builtin_ctz(set)];

	for (const dseq &a : alts)
		if (a.first & skip)
			out |= dpat_seq(a.n, set, x);
	return out;
}

static uint32_t dpat_seq(const std::vector<dnode> &seq, uint32_t set, const dtext &x)
{
	for (const dnode &n : seq) {
		uint32_t cur = set, acc, m = 0;
		unsigned k;

		if (n.cls == 0x3FF) {
			m = x.any;
		} else if (n.cls) {
			for (unsigned c = n.cls; c; c &= c - 1)
				m |= x.at[__builtin_ctz(c)];
		}
		// an atom moves each position of the set that holds one of its
		// digits one on; a group is the union of its alternatives
		for (k = 0; k < n.min && cur; k++)
			cur = n.cls ? (cur & m) << 1 : dpat_alts_run(n.alts, cur, x);
		acc = cur;
		for (; k < n.max && cur; k++) {
			cur = n.cls ? (cur & m) << 1 : dpat_alts_run(n.alts, cur, x);
			if (!(cur & ~acc))
				break;   // nothing new: no later repetition adds any
			acc |= cur;
		}
		if (!(set = acc))
			return 0;
	}
	return set;
}

// 1 when D matches the whole of DIGITS[0, N) (N <= 30, digits only), else 0.
static int dpat_matches(const dpat &d, const char *digits, size_t n)
{
	dtext x;

	std::memset(x.at, 0, sizeof x.at);
	for (size_t i = 0; i < n; i++) {
		x.t[i] = (unsigned char)(digits[i] - '0');
		x.at[x.t[i]] |= 1u << i;
	}
	x.t[n] = 10;   // no digit: nothing moves past the end
	x.any = (1u << n) - 1;
	return dpat_alts_run(d.alts, 1, x) >> n & 1;
}

struct plan_desc {
	std::vector<int> lengths;  // possible_length; empty: any length
	std::vector<int> local;    // possible_length_local_only (read for the general description)
	std::string pattern;       // national_number_pattern; empty: never matches
	size_t slot;               // its matcher's place in each thread's table
	mutable std::atomic<icu::RegexPattern *> re{nullptr};
	mutable std::atomic<const dpat *> dp{nullptr};   // dpat_compile's, or &dpat_none
};

struct plan {
	std::string id;            // the region ("DE"), "001" for a non-geographic entity
	std::string prefix;        // national_prefix_for_parsing
	int country_code;
	plan_desc general;
	plan_desc types[10];       // in the order plan_valid() tries them
	size_t ntypes;
};

// By calling code, what PhoneNumberUtil's constructor builds from the same
// metadata (country_calling_code_to_region_code_map_): the regions that
// share the code, and the one GetRegionCodeForCountryCode answers (the
// front of its list: the entry marked main_country_for_code, else the
// first).
struct cc_plans {
	const plan *main;
	int nregions;
};

#define CC_MAX 1000   // calling codes have 1 to 3 digits

struct plans {
	std::unordered_map<std::string, plan *> by_key;
	cc_plans by_cc[CC_MAX];
	size_t nslots;
};

static void plan_desc_set(plan_desc *d, const PhoneNumberDesc &pd, size_t *slots)
{
	d->lengths.assign(pd.possible_length().begin(), pd.possible_length().end());
	d->local.assign(pd.possible_length_local_only().begin(), pd.possible_length_local_only().end());
	d->pattern = pd.national_number_pattern();
	d->slot = (*slots)++;
}

static const plans &number_plans()
{
	static const plans *const table = [] {
		auto *t = new plans();
		t->nslots = 0;
		for (cc_plans &c : t->by_cc) {
			c.main = nullptr;
			c.nregions = 0;
		}
		try {
			PhoneMetadataCollection c;

			if (c.ParseFromArray(i18n::phonenumbers::metadata_get(), i18n::phonenumbers::metadata_size())) {
				for (const PhoneMetadata &m : c.metadata()) {
					std::string key = m.id() == "001" ? "001" + std::to_string(m.country_code()) : m.id();
					std::unique_ptr<plan> p(new plan());
					size_t k = 0;

					if (m.id() == "ZZ")
						continue;   // the library skips it too
					p->id = m.id();
					p->prefix = m.national_prefix_for_parsing();
					p->country_code = m.country_code();
					plan_desc_set(&p->general, m.general_desc(), &t->nslots);
					plan_desc_set(&p->types[k++], m.fixed_line(), &t->nslots);
					if (!m.same_mobile_and_fixed_line_pattern())
						plan_desc_set(&p->types[k++], m.mobile(), &t->nslots);
					plan_desc_set(&p->types[k++], m.premium_rate(), &t->nslots);
					plan_desc_set(&p->types[k++], m.toll_free(), &t->nslots);
					plan_desc_set(&p->types[k++], m.shared_cost(), &t->nslots);
					plan_desc_set(&p->types[k++], m.voip(), &t->nslots);
					plan_desc_set(&p->types[k++], m.personal_number(), &t->nslots);
					plan_desc_set(&p->types[k++], m.pager(), &t->nslots);
					plan_desc_set(&p->types[k++], m.uan(), &t->nslots);
					plan_desc_set(&p->types[k++], m.voicemail(), &t->nslots);
					p->ntypes = k;
					auto ins = t->by_key.emplace(key, p.get());
					if (m.country_code() > 0 && m.country_code() < CC_MAX) {
						cc_plans &cp = t->by_cc[m.country_code()];
						if (ins.second && (!cp.main || m.main_country_for_code()))
							cp.main = p.get();
						cp.nregions++;
					}
					if (ins.second)
						p.release();
				}
			}
		} catch (...) {
			t->by_key.clear();   // no table: every number goes to the library
			for (cc_plans &c : t->by_cc) {
				c.main = nullptr;
				c.nregions = 0;
			}
		}
		return t;
	}();
	return *table;
}

static const plan *plan_for(const std::string &key)
{
	const auto &t = number_plans().by_key;
	auto it = t.find(key);

	return it == t.end() ? nullptr : it->second;
}

// The pattern of D compiled as IcuRegExp compiles it (UTF-8 text, no
// flags); nullptr when ICU refuses it (the caller then asks the library).
static icu::RegexPattern *plan_regex(const plan_desc &d)
{
	icu::RegexPattern *p = d.re.load(std::memory_order_acquire), *none = nullptr;
	UParseError pe;
	UErrorCode st = U_ZERO_ERROR;

	if (p)
		return p;
	p = icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(d.pattern), 0, pe, st);
	if (U_FAILURE(st)) {
		delete p;
		return nullptr;
	}
	if (!d.re.compare_exchange_strong(none, p, std::memory_order_acq_rel)) {
		delete p;   // another thread's is in place
		p = none;
	}
	return p;
}

// This thread's matchers, one per description it has used (an ICU matcher
// holds its match state, so it is not shared), and the number they read
// (a matcher keeps a reference to its input: it lives here, not on a stack).
struct thread_matchers {
	std::vector<icu::RegexMatcher *> m;
	icu::UnicodeString text;
	~thread_matchers()
	{
		for (icu::RegexMatcher *x : m)
			delete x;
	}
};
static thread_local thread_matchers matchers;

static const dpat dpat_none{};   // plan_desc::dp of a pattern dpat_compile refused

// D's pattern as dpat_compile compiled it, once per process; nullptr when
// it cannot (ICU then matches it).
static const dpat *plan_dpat(const plan_desc &d)
{
	const dpat *p = d.dp.load(std::memory_order_acquire), *none = nullptr;

	if (!p) {
		p = dpat_compile(d.pattern);
		if (!p)
			p = &dpat_none;
		if (!d.dp.compare_exchange_strong(none, p, std::memory_order_acq_rel)) {
			if (p != &dpat_none)
				delete p;   // another thread's is in place
			p = none;
		}
	}
	return p == &dpat_none ? nullptr : p;
}

// 1 when ICU's compiled pattern of D matches the whole of NSN, 0 when not,
// -1 when it cannot tell.
static int plan_desc_icu(const plan_desc &d, const std::string &nsn)
{
	matchers.text = icu::UnicodeString(nsn.data(), (int32_t)nsn.size(), US_INV);
	if (matchers.m.size() <= d.slot)
		matchers.m.resize(number_plans().nslots, nullptr);
	icu::RegexMatcher *&m = matchers.m[d.slot];
	UErrorCode st = U_ZERO_ERROR;
	if (!m) {
		icu::RegexPattern *re = plan_regex(d);

		if (!re)
			return -1;
		m = re->matcher(st);
		if (U_FAILURE(st) || !m) {
			delete m;
			m = nullptr;
			return -1;
		}
	}
	m->reset(matchers.text);
	bool ok = m->matches(st);
	return U_FAILURE(st) ? -1 : ok ? 1 : 0;
}

// 1 when D matches NSN, 0 when not, -1 when it cannot tell.
static int plan_desc_matches(const plan_desc &d, const std::string &nsn)
{
	if (!d.lengths.empty() && std::find(d.lengths.begin(), d.lengths.end(), (int)nsn.size()) == d.lengths.end())
		return 0;
	if (d.pattern.empty())
		return 0;
	if (nsn.size() <= 30 && all_digits(nsn.data(), nsn.size()))
		if (const dpat *p = plan_dpat(d))
			return dpat_matches(*p, nsn.data(), nsn.size());
	return plan_desc_icu(d, nsn);
}

// 1 when NSN (PN's national significant number) is a valid number of plan
// P (IsValidNumberForRegion), 0 when not, -1 when the table cannot tell.
static int plan_valid(const plan *p, const std::string &nsn)
{
	int r;

	r = plan_desc_matches(p->general, nsn);
	if (r == 1) {
		r = 0;
		for (size_t i = 0; i < p->ntypes && r == 0; i++)
			r = plan_desc_matches(p->types[i], nsn);
	}
	return r;
}

// IsValidNumberForRegion(PN, REGION) (REGION: what GetRegionCodeForNumber
// said of PN), settled by the table when it can; then *NSN_OUT is PN's
// national significant number (GetNationalSignificantNumber).
static bool fast_valid(const PhoneNumberUtil *u, const PhoneNumber &pn, const std::string &region, bool *by_table,
		       std::string *nsn_out)
{
	const plan *p = plan_for(region == "001" ? "001" + std::to_string(pn.country_code()) : region);
	std::string nsn;
	int r = -1;

	*by_table = false;
	if (p && p->country_code == pn.country_code()) {
		u->GetNationalSignificantNumber(pn, &nsn);
		r = plan_valid(p, nsn);
	}
	if (r >= 0) {
		*by_table = true;
		nsn_out->swap(nsn);
		return r == 1;
	}
	return u->IsValidNumberForRegion(pn, region);
}

// The plans of calling code CC, nullptr when the table has none.
static const cc_plans *plans_for_cc(int cc)
{
	const cc_plans *c = cc > 0 && cc < CC_MAX ? &number_plans().by_cc[cc] : nullptr;

	return c && c->nregions > 0 && c->main ? c : nullptr;
}

// PhoneNumberUtil::TestNumberLength(NSN, the metadata of P, UNKNOWN), which
// IsPossibleNumberWithReason asks of the main region of the number's calling
// code: the general description's possible lengths (never empty in the
// metadata; -1 first: no numbers at all) and its local-only ones, which never
// overlap them.
static PhoneNumberUtil::ValidationResult plan_length(const plan *p, size_t len)
{
	const std::vector<int> &pl = p->general.lengths, &local = p->general.local;
	int n = (int)len;

	if (pl.empty() || pl[0] == -1)
		return PhoneNumberUtil::INVALID_LENGTH;
	if (std::find(local.begin(), local.end(), n) != local.end())
		return PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY;
	if (pl[0] == n)
		return PhoneNumberUtil::IS_POSSIBLE;
	if (pl[0] > n)
		return PhoneNumberUtil::TOO_SHORT;
	if (pl.back() < n)
		return PhoneNumberUtil::TOO_LONG;
	return std::find(pl.begin() + 1, pl.end(), n) != pl.end() ? PhoneNumberUtil::IS_POSSIBLE
								  : PhoneNumberUtil::INVALID_LENGTH;
}

/* A length check's answer (plan_length's or the library's own
 * IsPossibleNumberWithReason) as phonelib's result: 0 when possible. */
static int length_result(PhoneNumberUtil::ValidationResult v)
{
	switch (v) {
	case PhoneNumberUtil::IS_POSSIBLE:
	case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
		return 0;
	case PhoneNumberUtil::INVALID_COUNTRY_CODE:
		return PHONELIB_BAD_CC;
	case PhoneNumberUtil::TOO_SHORT:
		return PHONELIB_TOO_SHORT;
	case PhoneNumberUtil::TOO_LONG:
		return PHONELIB_TOO_LONG;
	default:
		return PHONELIB_INVALID;
	}
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

// true and *PN exactly as Parse(NUMBER, "ZZ") would fill it, for the plain
// shape described above; false when the number must go to Parse.  *NSN:
// what GetNationalSignificantNumber(*PN) gives, the digits after the calling
// code (the leading zeros kept as number_of_leading_zeros, the rest the
// national number).
static bool plain_intl(const char *number, PhoneNumber *pn, std::string *nsn)
{
	const char *d = number + 1;
	size_t n = std::strlen(d), cclen = 0, nl;
	int cc = 0;
	const cc_plans *c = nullptr;

	if (number[0] != '+' || n < 4 || n > 20 || d[0] == '0' || !all_digits(d, n))
		return false;
	for (size_t i = 1; i <= 3; i++) {
		// GetRegionCodeForCountryCode(cc) is not "ZZ" exactly when the
		// metadata has an entry for cc, and its answer is the front of
		// that code's list: the table's main plan
		cc = cc * 10 + (d[i - 1] - '0');
		if ((c = plans_for_cc(cc))) {
			cclen = i;
			break;
		}
	}
	if (!cclen)
		return false;
	nl = n - cclen;
	if (nl < 2 || nl > 17)
		return false;
	const plan *pl = c->main;
	const std::string &p = pl->prefix;
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
	nsn->assign(nat, nl);
	return true;
}

extern "C" int phonelib_e164_how(char *out, size_t cap, char where[4], const char *number, const char *region,
				 int reference, int *how)
{
	where[0] = '\0';
	if (cap)
		out[0] = '\0';
	if (how)
		*how = 0;
	try {
		// the library only when a number needs it: a "+" number of a
		// calling code of one region, judged by the table, needs
		// nothing of it (and an import of such numbers never pays for
		// its loading, ~33M instructions)
		const PhoneNumberUtil *lib = nullptr;
		auto U = [&lib]() {
			if (!lib)
				lib = PhoneNumberUtil::GetInstance();
			return lib;
		};
		PhoneNumber pn;
		std::string e, r, nsn;
		bool intl = number[0] == '+', plain = false;

		if (!intl && !phonelib_region_known(region))
			return PHONELIB_BAD_REGION;
		if (!reference && intl && plain_intl(number, &pn, &nsn)) {
			plain = true;
			if (how)
				*how |= PHONELIB_HOW_PLAIN;
		} else {
			const PhoneNumberUtil *u = U();
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
		bool ok, by_table = false;
		const cc_plans *c = reference ? nullptr : plans_for_cc(pn.country_code());
		if (c && c->nregions == 1 && !c->main->general.lengths.empty()) {
			// A calling code of one region (or one non-geographic entity):
			// GetRegionCodeForNumber and GetRegionCodeForCountryCode both
			// answer that region, IsPossibleNumberWithReason is
			// plan_length() of its plan, and the validity is asked of the
			// same plan (fast_valid without the look-ups)
			const plan *p = c->main;
			if (how)
				*how |= PHONELIB_HOW_REGION;
			copy_region(where, p->id);
			if (!plain)
				U()->GetNationalSignificantNumber(pn, &nsn);
			if (int bad = length_result(plan_length(p, nsn.size())))
				return bad;
			int v = plan_valid(p, nsn);
			if (v >= 0) {
				by_table = true;
				ok = v == 1;
			} else {
				ok = U()->IsValidNumberForRegion(pn, p->id);
				nsn.clear();
			}
		} else {
			const PhoneNumberUtil *u = U();
			nsn.clear();   // fast_valid's to fill
			u->GetRegionCodeForNumber(pn, &r);
			std::string of_number(r);   // what IsValidNumber would ask about
			if (r.empty() || r == "ZZ")
				u->GetRegionCodeForCountryCode(pn.country_code(), &r);
			if (r == "ZZ")
				return PHONELIB_BAD_CC;
			copy_region(where, r);
			if (int bad = length_result(u->IsPossibleNumberWithReason(pn)))
				return bad;
			if (reference)
				ok = u->IsValidNumber(pn);
			else
				ok = fast_valid(u, pn, of_number, &by_table, &nsn);
		}
		if (how && by_table)
			*how |= PHONELIB_HOW_TABLE;
		if (!ok)
			return PHONELIB_INVALID;
		if (by_table && !nsn.empty() && pn.national_number() != 0)
			// what Format(E164) writes: '+', the calling code, the national
			// significant number (the table had it in hand)
			e = "+" + std::to_string(pn.country_code()) + nsn;
		else
			U()->Format(pn, PhoneNumberUtil::E164, &e);
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

// The library's example numbers (a valid number of each type the metadata
// describes, for every region and non-geographic entity), E.164, in a fixed
// order; built once.
static const std::vector<std::string> &examples()
{
	static const std::vector<std::string> *const list = [] {
		auto *v = new std::vector<std::string>();
		try {
			const PhoneNumberUtil *u = PhoneNumberUtil::GetInstance();
			std::set<std::string> regions;
			std::set<int> codes;
			PhoneNumber pn;
			std::string e;

			u->GetSupportedRegions(&regions);
			for (const std::string &r : regions) {
				std::set<PhoneNumberUtil::PhoneNumberType> types;

				u->GetSupportedTypesForRegion(r, &types);
				for (PhoneNumberUtil::PhoneNumberType t : types)
					if (u->GetExampleNumberForType(r, t, &pn)) {
						u->Format(pn, PhoneNumberUtil::E164, &e);
						v->push_back(e);
					}
			}
			u->GetSupportedGlobalNetworkCallingCodes(&codes);
			for (int cc : codes)
				if (u->GetExampleNumberForNonGeoEntity(cc, &pn)) {
					u->Format(pn, PhoneNumberUtil::E164, &e);
					v->push_back(e);
				}
		} catch (...) {
			v->clear();
		}
		return v;
	}();
	return *list;
}

// A random member of the language of ALTS (the quantifiers' counts and
// the alternatives drawn from RNG, a xorshift state) appended to OUT.
static void dpat_gen(const std::vector<dseq> &alts, std::string *out, uint64_t *rng)
{
	auto draw = [rng](unsigned n) {
		*rng ^= *rng << 13;
		*rng ^= *rng >> 7;
		*rng ^= *rng << 17;
		return (unsigned)(*rng % n);
	};
	const dseq &a = alts[draw((unsigned)alts.size())];

	for (const dnode &n : a.n) {
		unsigned reps = n.min + draw(n.max - n.min + 1u);
		for (unsigned r = 0; r < reps && out->size() < 40; r++) {
			if (!n.cls) {
				dpat_gen(n.alts, out, rng);
				continue;
			}
			unsigned k = draw((unsigned)__builtin_popcount(n.cls)), d = 0;
			for (;; d++)
				if ((n.cls >> d & 1) && !k--)
					break;
			out->push_back((char)('0' + d));
		}
	}
}

extern "C" size_t phonelib_patterns_check(unsigned long long seed, size_t per_pattern, struct phonelib_patterns_tally *t)
{
	uint64_t rng = seed ? seed : 1;
	size_t bad = 0;

	std::memset(t, 0, sizeof *t);
	for (const auto &kv : number_plans().by_key) {
		const plan *p = kv.second;
		for (size_t i = 0; i <= p->ntypes; i++) {
			const plan_desc &d = i ? p->types[i - 1] : p->general;
			if (d.pattern.empty())
				continue;
			t->patterns++;
			const dpat *dp = plan_dpat(d);
			if (!dp) {
				t->refused++;
				continue;
			}
			for (size_t k = 0; k < per_pattern; k++) {
				std::string s;
				dpat_gen(dp->alts, &s, &rng);
				rng ^= rng << 13;
				rng ^= rng >> 7;
				rng ^= rng << 17;
				switch (k % 4) {   // the member itself, or a neighbour
				case 1:
					if (!s.empty())
						s[rng % s.size()] = (char)('0' + (rng >> 20) % 10);
					break;
				case 2:
					if (!s.empty())
						s.erase(rng % s.size(), 1);
					break;
				case 3:
					s.insert(s.begin() + (long)(rng % (s.size() + 1)), (char)('0' + (rng >> 20) % 10));
					break;
				}
				if (s.empty() || s.size() > 30)
					continue;
				int ours = dpat_matches(*dp, s.data(), s.size()), icu = plan_desc_icu(d, s);
				if (icu < 0)
					continue;
				t->tried++;
				t->matched += icu == 1;
				bad += ours != icu;
			}
		}
	}
	return bad;
}

extern "C" int phonelib_example(char *out, size_t cap, size_t i)
{
	const std::vector<std::string> &v = examples();

	if (i >= v.size() || v[i].size() + 1 > cap)
		return 0;
	std::memcpy(out, v[i].c_str(), v[i].size() + 1);
	return 1;
}

#!/bin/sh
# Regenerates src/keys/wordlist.c, the word list of
# `fortress passphrase generate`, from Debian's wamerican (SCOWL) word list.
# Only needed to change the list; the build uses the committed .c file.
#
#   apt-get install wamerican libzxcvbn-dev && scripts/gen-wordlist.sh [OUT.c]
#
# Deterministic: same wamerican and libzxcvbn versions, same output.  Words
# are lowercase a-z, 4-7 letters, not an inflected form of another word of
# the dictionary (plurals, -ed, -ing, -er, -est, -ly: base words are easier
# to remember), not offensive.  Of those the COUNT most common are kept:
# wamerican has no frequencies, so commonness is the rank zxcvbn's built-in
# frequency lists give the word (words it does not know are dropped).  That
# costs no strength: a generated passphrase is as strong as the uniform
# choice among COUNT words, however common each word is.
#
# Keep the list at COUNT words: `passphrase generate` reports
# words * log2(COUNT) bits.
set -eu

COUNT=7776
MIN=4096
DICT=${WORDS_FILE:-/usr/share/dict/american-english}
OUT=${1:-$(dirname "$0")/../src/keys/wordlist.c}
export LC_ALL=C

if [ ! -r "$DICT" ]; then
	echo "gen-wordlist: $DICT not found: apt-get install wamerican" >&2
	exit 1
fi
version=$(dpkg-query -W -f='${Version}' wamerican 2>/dev/null || echo unknown)
zversion=$(dpkg-query -W -f='${Version}' libzxcvbn-dev 2>/dev/null || echo unknown)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prints "BITS WORD" for each word of stdin that zxcvbn knows as a single
# dictionary word; BITS is log2 of the word's frequency rank.
cat > "$tmp/rank.c" <<'END_OF_C'
#include <stdio.h>
#include <string.h>
#include <zxcvbn.h>

int main(void)
{
	char w[64];

	while (fgets(w, sizeof w, stdin)) {
		ZxcMatch_t *info = NULL;
		double bits;

		w[strcspn(w, "\n")] = '\0';
		bits = ZxcvbnMatch(w, NULL, &info);
		if (info && !info->Next && info->Type == DICTIONARY_MATCH &&
		    info->Begin == 0 && info->Length == (int)strlen(w))
			printf("%.6f %s\n", bits, w);
		ZxcvbnFreeInfo(info);
	}
	return 0;
}
END_OF_C
${CC:-cc} -o "$tmp/rank" "$tmp/rank.c" -lzxcvbn -lm

# Anchored (whole word) extended regexes of words never to hand out.
block='fuck.*|shit.*|cunt.*|.*nigg.*|fag|fags|fagg.*|fagot.*|faggot.*|dyke.*|kike.*|chink.*|gook.*|wetback.*|retard.*'
block="$block"'|rape|raped|rapes|rapist.*|anal|anus|anuses|porn.*|penis.*|vagin.*|clit.*|tit|tits|titty|titties|boob.*|nipple.*'
block="$block"'|sperm.*|semen|orgasm.*|horny|pimp|pimped|pimping|pimps|hooker.*|bastard.*|crap|crapp.*|craps|piss.*|turd|turds'
block="$block"'|scrotum.*|testicle.*|dildo.*|erotic.*|kinky|nazi.*|hitler.*|heroin|heroins|cocaine|suicide.*|murder.*'
block="$block"'|kill|killed|killer|killers|killing|kills|queer.*|coon|coons|jap|japs|negro.*|spic|spics|honky|spaz.*|midget.*'
block="$block"'|cripple.*|bugger.*|wank.*|jizz.*|puss|pusses|pussy|pussier|pussies|muff|muffs|hump|humped|humping|humps'
block="$block"'|sex|sexed|sexes|sexier|sexiest|sexily|sexing|sexism|sexist.*|sexless|sexpot.*|sexting|sexual.*|sexy|unisex'
block="$block"'|nude.*|nudist.*|nudity|naked.*|butt|butts|butted|butting|buttock.*|fart.*|poop.*|bimbo.*|skank.*|slag|slags'
block="$block"'|harlot.*|incest.*|molest.*|lust|lusted|lustful|lustier|lustily|lusting|lusts|lusty|whore.*|slut.*|bitch.*'
block="$block"'|dick|dicks|dicky|dickey.*|dickie.*|cock|cocks|cocky|cockier|cockily|cocked|cocking|damn.*|hell|hells'
block="$block"'|slave.*|slaver.*|lynch.*|corpse.*|cadaver.*|gonad.*|pubic|pubes|pubis|rectum.*|rectal|enema.*|urine|urinal.*'
block="$block"'|feces|fecal|vomit.*|diarrhea|dung|douche.*|hymen.*|phallic|phallus.*|condom.*|genital.*|abort.*|bong|bongs'
block="$block"'|booze.*|drunk.*|homo|homos|gay|gays|gayer|gayest|gayly|lesbian.*|idiot.*|moron.*|imbecil.*|dumb|dumber|dumbest'
block="$block"'|stupid.*|ugly|uglier|ugliest|fatso.*|obese|jerk|jerks|jerked|jerking|wench.*|hussy|hussies|tramp|tramps'
block="$block"'|pervert.*|sadism|sadist.*|sodom.*|tush|tushes|teat|teats|udder|udders|breast.*|bosom.*|lewd.*|smut.*|nympho.*'
block="$block"'|kinkier|kinkily|sleaze.*|sleazy|crotch.*|groin.*|bra|bras|panties|thong|thongs|hooch|opium|opiate.*|junkie.*'
block="$block"'|cretin.*|dork.*|nerd.*|freak|freaks|gypsy|gypsies|gyp|gyps|gypped|welsh|welsher.*|hobo|hobos|hoboes|wimp.*'
block="$block"'|redneck.*|hick|hicks|yokel.*|bigot.*|racist.*|terror.*|torture.*|genocide.*|massacre.*|slaughter.*|gallows'
block="$block"'|behead.*|hanged|hangman|bloody|satan.*|demon|demons|devil.*|sinner.*|hooters|loins|bowel|bowels|crud|cruddy'
block="$block"'|fatty|fattie.*|dope|dopes|doped|dopey|stoned|weed|weeds|hemp|toke.*|cocain.*|meth|crack|cracks|booty|tranny'
block="$block"'|gringo.*|jihad.*|kink|kinks|scum|scumbag.*|scummy|sissy|sissies|pansy|pansies|spank.*|grope.*|suck|sucks'
block="$block"'|sucker.*|screw|screws|screwy|thug|thugs|slob|slobs|gunman|gunmen|stab|stabs|stabbed|abduct.*|ghetto.*|drugged'

grep -E '^[a-z]{4,7}$' "$DICT" | sort -u | grep -E -v -x "$block" | awk '
	NR == FNR { w[$0] = 1; next }
	{
		s = $0; n = length(s)
		if (s ~ /s$/ && (substr(s, 1, n - 1) in w)) next
		if (s ~ /es$/ && (substr(s, 1, n - 2) in w)) next
		if (s ~ /ies$/ && ((substr(s, 1, n - 3) "y") in w)) next
		if (s ~ /ed$/ && ((substr(s, 1, n - 2) in w) || (substr(s, 1, n - 1) in w))) next
		if (s ~ /ing$/ && ((substr(s, 1, n - 3) in w) || ((substr(s, 1, n - 3) "e") in w))) next
		if (s ~ /er$/ && ((substr(s, 1, n - 2) in w) || (substr(s, 1, n - 1) in w))) next
		if (s ~ /est$/ && ((substr(s, 1, n - 3) in w) || (substr(s, 1, n - 2) in w))) next
		if (s ~ /ly$/ && (substr(s, 1, n - 2) in w)) next
		print s
	}' "$DICT" - | "$tmp/rank" | sort -k1,1n -k2,2 > "$tmp/ranked"

n=$(wc -l < "$tmp/ranked")
if [ "$n" -lt "$MIN" ]; then
	echo "gen-wordlist: only $n words qualify, need at least $MIN" >&2
	exit 1
fi
[ "$n" -lt "$COUNT" ] && COUNT=$n
head -n "$COUNT" "$tmp/ranked" | cut -d' ' -f2 | sort -u > "$tmp/words"
if [ "$(wc -l < "$tmp/words")" -ne "$COUNT" ]; then
	echo "gen-wordlist: the list has duplicate words" >&2
	exit 1
fi

{
	cat <<EOF
/* wordlist.c - the word list of fort_passphrase_generate().
 *
 * GENERATED by scripts/gen-wordlist.sh from Debian's wamerican $version
 * (ranked with libzxcvbn $zversion); do not edit by hand.
 * $COUNT distinct lowercase words of 4-7 letters.
 *
 * The words come from SCOWL (Spell Checker Oriented Word Lists),
 * Copyright 2000-2011 by Kevin Atkinson, and the copyrights listed in
 * /usr/share/doc/wamerican/copyright: "Permission to use, copy, modify,
 * distribute and sell these word lists, the associated scripts, the output
 * created from the scripts, and its documentation for any purpose is hereby
 * granted without fee, provided that the above copyright notice appears in
 * all copies and that both that copyright notice and this permission notice
 * appear in supporting documentation.  Kevin Atkinson makes no
 * representations about the suitability of this array for any purpose.  It
 * is provided "as is" without express or implied warranty."
 */
#include <stddef.h>
#include "wordlist.h"

const char *const fort_wordlist[] = {
EOF
	awk '
		{
			word = "\"" $0 "\","
			if (length(line) + length(word) + 1 > 72) {
				print "\t" line
				line = ""
			}
			line = (line == "") ? word : (line " " word)
		}
		END {
			if (line != "")
				print "\t" line
		}' "$tmp/words"
	cat <<EOF
};

const size_t fort_wordlist_len = sizeof fort_wordlist / sizeof fort_wordlist[0];
EOF
} > "$tmp/out.c"
mv "$tmp/out.c" "$OUT"
echo "gen-wordlist: wrote the $COUNT most common of $n words to $OUT" >&2

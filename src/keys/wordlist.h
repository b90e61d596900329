/* wordlist.h - the built-in word list of fort_passphrase_generate()
 * (generated: scripts/gen-wordlist.sh). */
#ifndef FORT_WORDLIST_H
#define FORT_WORDLIST_H

#include <stddef.h>

extern const char *const fort_wordlist[];
extern const size_t fort_wordlist_len;

#endif

/* phonelib.h - the scanner's name for the numbering plans; the wrapper lives
 * in src/util (the importer's phone type uses it too, without depending on
 * the scanner). */
#ifndef FORT_SCAN_PHONELIB_H
#define FORT_SCAN_PHONELIB_H
#include "util/phonelib.h"
#endif

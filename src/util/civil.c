/* civil.c - civil (proleptic Gregorian) dates as day numbers: one set of
 * date arithmetic for deadlines, clocks, retention, the date type and the
 * importer.  H. Hinnant's days_from_civil / civil_from_days: exact for any
 * year, no tables, no libc time zone in the way (timegm is a GNU/BSD
 * extension and depends on the C library's year range). */
#include "util.h"

int fort_civil_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned fort_civil_month_days(int y, unsigned m)
{
	static const unsigned char md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12)
		return 0;
	return m == 2 && fort_civil_leap(y) ? 29 : md[m - 1];
}

int64_t fort_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t era, yy = (int64_t)y - (m <= 2);
	unsigned yoe, doy, doe;

	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = (unsigned)(yy - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void fort_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int fort_civil_weekday(int64_t z)
{
	return (int)(((z % 7) + 7 + 4) % 7);   /* 1970-01-01 was a Thursday */
}

void fort_civil_add_months(int *y, unsigned *m, unsigned *d, int64_t months)
{
	int64_t total = (int64_t)*y * 12 + (*m - 1) + months;
	int64_t ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
	*y = (int)ny;
	*m = (unsigned)(total - ny * 12) + 1;
	if (*d > fort_civil_month_days(*y, *m))
		*d = fort_civil_month_days(*y, *m);
}

int64_t fort_civil_time(int y, unsigned m, unsigned d, int hh, int mm, int ss)
{
	return fort_days_from_civil(y, m, d) * 86400 + (int64_t)hh * 3600 + (int64_t)mm * 60 + ss;
}

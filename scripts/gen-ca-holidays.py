#!/usr/bin/python3
# gen-ca-holidays.py - the US-CA rows of data/holidays.csv: the days that are
# both holidays by Cal. Gov. Code 6700 (Thanksgiving as the day the President
# appoints, 6700(a)(16)) and days California state offices close: the
# holidays the CCPA's business days leave out (11 CCR 7001 does not define a
# business day; data/README.md section 6 item 13 says which reading and why),
# 2024-2035.  6701: a Sunday moves to Monday; 11 November on a Saturday moves
# to the Friday before.  Not the day after Thanksgiving: a state employees'
# day off, not a 6700 holiday (counting it would make a date later).
# Run: /usr/bin/python3 scripts/gen-ca-holidays.py  (prints CSV rows, no header)
import csv, datetime as dt, sys

def nth(y, m, wd, n):            # n-th weekday WD (Mon=0) of month M; n=-1: last
    if n > 0:
        d = dt.date(y, m, 1)
        d += dt.timedelta((wd - d.weekday()) % 7)
        return d + dt.timedelta(7 * (n - 1))
    d = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(1)
    return d - dt.timedelta((d.weekday() - wd) % 7)

def fixed(y, m, d, sat_back=False):
    x = dt.date(y, m, d)
    if x.weekday() == 6:
        return x + dt.timedelta(1)
    if sat_back and x.weekday() == 5:
        return x - dt.timedelta(1)
    return x

rows = []
for y in range(2024, 2036):
    th = nth(y, 11, 3, 4)
    for d, name in [(fixed(y, 1, 1), "New Year's Day"), (nth(y, 1, 0, 3), "Martin Luther King, Jr. Day"),
                    (nth(y, 2, 0, 3), "Presidents' Day"), (fixed(y, 3, 31), "Cesar Chavez Day"),
                    (nth(y, 5, 0, -1), "Memorial Day"), (fixed(y, 7, 4), "Independence Day"),
                    (nth(y, 9, 0, 1), "Labor Day"), (fixed(y, 11, 11, True), "Veterans Day"),
                    (th, "Thanksgiving Day"),
                    (fixed(y, 12, 25), "Christmas Day")]:
        if d.weekday() < 5:      # a Saturday holiday is no business day anyway
            rows.append(("US-CA", d.isoformat(), name))
csv.writer(sys.stdout, lineterminator="\n").writerows(sorted(rows))

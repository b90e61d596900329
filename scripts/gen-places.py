#!/usr/bin/python3
# gen-places.py - data/places.csv from Debian's iso-codes (ISO 3166-1 and
# the subdivisions of ISO 3166-2 that Fortress's rules use: US states, the
# German Länder).  Run: /usr/bin/python3 scripts/gen-places.py > data/places.csv
# One row per accepted spelling: code (ISO 3166-1 alpha-2, or ISO 3166-2),
# kind (country | subdivision), name (a spelling that maps to the code).
import csv, json, sys

SUBDIV = ("US", "DE")
# spellings in common use that ISO does not list (compared case-insensitively)
EXTRA = [("US", "USA"), ("US", "U.S."), ("US", "U.S.A."), ("US", "United States of America"), ("US", "America"),
         ("GB", "UK"), ("GB", "U.K."), ("GB", "Great Britain"), ("GB", "Britain"),
         ("DE", "Deutschland"), ("AT", "Österreich"), ("CH", "Schweiz"), ("CH", "Suisse"), ("ES", "España"),
         ("NL", "Holland"), ("NL", "Nederland"), ("FR", "République française"), ("IT", "Italia"),
         ("DE-BY", "Bayern"), ("DE-BW", "Baden-Wurttemberg"), ("DE-NW", "Nordrhein-Westfalen"),
         ("DE-NW", "North Rhine-Westphalia"), ("DE-NI", "Lower Saxony"), ("DE-RP", "Rhineland-Palatinate"),
         ("DE-SN", "Saxony"), ("DE-ST", "Saxony-Anhalt"), ("DE-TH", "Thuringia"), ("DE-HE", "Hesse"),
         ("DE-MV", "Mecklenburg-Western Pomerania"), ("DE-BY", "Bavaria"), ("DE-TH", "Thueringen"),
         ("US-DC", "Washington, D.C."), ("US-DC", "Washington DC")]

c1 = json.load(open("/usr/share/iso-codes/json/iso_3166-1.json"))["3166-1"]
c2 = json.load(open("/usr/share/iso-codes/json/iso_3166-2.json"))["3166-2"]
rows = set()
for c in c1:
    for k in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
        if c.get(k):
            rows.add((c["alpha_2"], "country", c[k]))
for s in c2:
    cc = s["code"].split("-")[0]
    if cc in SUBDIV:
        rows.add((s["code"], "subdivision", s["name"]))
        rows.add((s["code"], "subdivision", s["code"].split("-")[1]))
for code, name in EXTRA:
    rows.add((code, "subdivision" if "-" in code else "country", name))
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["code", "kind", "name"])
w.writerows(sorted(rows))

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

# country names as contact exports in German, French, Spanish, Italian and
# Dutch write them (the importer reads an address's country through this table)
EXTRA += [
    ("DE", "germany"),
    ("DE", "deutschland"),
    ("DE", "allemagne"),
    ("DE", "alemania"),
    ("DE", "germania"),
    ("DE", "duitsland"),
    ("AT", "austria"),
    ("AT", "österreich"),
    ("AT", "osterreich"),
    ("AT", "autriche"),
    ("AT", "oostenrijk"),
    ("CH", "switzerland"),
    ("CH", "schweiz"),
    ("CH", "suisse"),
    ("CH", "svizzera"),
    ("CH", "suiza"),
    ("CH", "zwitserland"),
    ("FR", "france"),
    ("FR", "frankreich"),
    ("FR", "francia"),
    ("FR", "frankrijk"),
    ("ES", "spain"),
    ("ES", "españa"),
    ("ES", "espana"),
    ("ES", "spanien"),
    ("ES", "espagne"),
    ("ES", "spagna"),
    ("ES", "spanje"),
    ("IT", "italy"),
    ("IT", "italia"),
    ("IT", "italien"),
    ("IT", "italie"),
    ("IT", "italië"),
    ("NL", "netherlands"),
    ("NL", "the netherlands"),
    ("NL", "nederland"),
    ("NL", "niederlande"),
    ("NL", "pays-bas"),
    ("NL", "paises bajos"),
    ("NL", "países bajos"),
    ("NL", "paesi bassi"),
    ("NL", "holland"),
    ("BE", "belgium"),
    ("BE", "belgien"),
    ("BE", "belgique"),
    ("BE", "belgië"),
    ("BE", "belgie"),
    ("BE", "bélgica"),
    ("BE", "belgio"),
    ("LU", "luxembourg"),
    ("LU", "luxemburg"),
    ("PL", "poland"),
    ("PL", "polen"),
    ("PL", "pologne"),
    ("PL", "polska"),
    ("PT", "portugal"),
    ("IE", "ireland"),
    ("IE", "irland"),
    ("IE", "irlande"),
    ("DK", "denmark"),
    ("DK", "dänemark"),
    ("DK", "danmark"),
    ("SE", "sweden"),
    ("SE", "schweden"),
    ("SE", "sverige"),
    ("NO", "norway"),
    ("NO", "norwegen"),
    ("NO", "norge"),
    ("FI", "finland"),
    ("FI", "finnland"),
    ("CZ", "czech republic"),
    ("CZ", "czechia"),
    ("CZ", "tschechien"),
    ("GB", "united kingdom"),
    ("GB", "uk"),
    ("GB", "great britain"),
    ("GB", "england"),
    ("GB", "scotland"),
    ("GB", "wales"),
    ("GB", "großbritannien"),
    ("GB", "vereinigtes königreich"),
    ("GB", "royaume-uni"),
    ("GB", "reino unido"),
    ("GB", "regno unito"),
    ("GB", "verenigd koninkrijk"),
    ("US", "united states"),
    ("US", "united states of america"),
    ("US", "usa"),
    ("US", "u.s.a."),
    ("US", "u.s."),
    ("US", "vereinigte staaten"),
    ("US", "états-unis"),
    ("US", "etats-unis"),
    ("US", "estados unidos"),
    ("US", "stati uniti"),
    ("US", "verenigde staten"),
    ("CA", "canada"),
    ("CA", "kanada"),
    ("AU", "australia"),
    ("AU", "australien"),
    ("NZ", "new zealand"),
    ("JP", "japan"),
    ("JP", "japon"),
    ("JP", "giappone"),
    ("CN", "china"),
    ("CN", "chine"),
    ("IN", "india"),
    ("IN", "indien"),
    ("BR", "brazil"),
    ("BR", "brasil"),
    ("BR", "brasilien"),
    ("MX", "mexico"),
    ("MX", "méxico"),
    ("MX", "mexiko"),
    ("TR", "turkey"),
    ("TR", "türkei"),
    ("TR", "türkiye"),
    ("GR", "greece"),
    ("GR", "griechenland"),
    ("RO", "romania"),
    ("RO", "rumänien"),
    ("HU", "hungary"),
    ("HU", "ungarn"),
]

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
seen = {(c, n.lower()) for c, _, n in rows}
for code, name in EXTRA:
    if (code, name.lower()) not in seen:  # the lookup ignores case
        seen.add((code, name.lower()))
        rows.add((code, "subdivision" if "-" in code else "country", name))
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["code", "kind", "name"])
w.writerows(sorted(rows))

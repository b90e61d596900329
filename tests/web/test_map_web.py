#!/usr/bin/env python3
"""The data map's pages in a browser (issue 17: every CLI task has its
page): the owner opens the map from the menu, adds a recipient, an
activity that sends data to it with a retention rule, and a field for that
purpose, corrects a refused value in the form shown again, and replaces the
map from a pasted copy after a malformed one was refused with its line.
Staff see the map and no forms.  Every page checked with axe-core; the
browser, the server and the helpers are test_web.py's BrowserCase.

    test_map_web.py --fortress build/fortress --root .
"""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_web as tw  # noqa: E402
from test_web import BrowserCase  # noqa: E402
import serverkit as kit  # noqa: E402
from serverkit import audit_rows  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402


def cli_map():
    return json.loads(kit.fort("--json", "map", "show").stdout)


def cli_list(what):
    return json.loads(kit.fort("--json", "map", what, "list").stdout)


class MapPages(BrowserCase):
    def alert(self):
        return self.driver.find_element(By.CSS_SELECTOR, "[role=alert]").text

    def fill(self, fields):
        d = self.driver
        for k, v in fields.items():
            e = d.find_element(By.ID, "m-" + k)
            if e.tag_name == "select":
                Select(e).select_by_value(v)
            else:
                e.clear()
                e.send_keys(v)

    def submit(self, action):
        """Press the form's button and wait until the next page replaced this one (its <h1> may be the same)."""
        tw.click_and_wait(self.driver, self.driver.find_element(
            By.XPATH, "//form[@action='%s']//button[@type='submit']" % action))

    def test_owner_builds_the_map(self):
        d = self.driver
        self.signed_in("anna")
        d.find_element(By.LINK_TEXT, "Data map").click()
        self.wait_h1("Data map")
        self.assertIn("full_name", d.find_element(By.ID, "map-fields").text)
        self.assertIn("legal_obligation", d.find_element(By.ID, "map-activities").text)
        self.axe("data map")
        # a recipient outside the EEA: refused without a safeguard, the form again with what was typed
        d.find_element(By.LINK_TEXT, "Add a recipient").click()
        self.wait_h1("Add a recipient")
        self.axe("add a recipient")
        self.fill({"name": "cloudmail", "kind": "processor", "country": "US", "note": "e-mail hosting"})
        self.submit("/map/recipients")
        self.wait_h1("Add a recipient")
        self.assertIn("outside the EEA", self.alert())
        self.assertEqual(d.find_element(By.ID, "m-note").get_attribute("value"), "e-mail hosting")
        self.axe("add a recipient refused")
        self.assertEqual([x for x in cli_list("recipient") if x["name"] == "cloudmail"], [])
        self.fill({"safeguard": "standard contractual clauses"})
        self.submit("/map/recipients")
        self.wait_h1("Data map")
        self.assertIn("cloudmail", d.find_element(By.ID, "map-recipients").text)
        # an activity sending data to it, then its retention rule on its own page
        d.find_element(By.LINK_TEXT, "Add a processing activity").click()
        self.wait_h1("Add a processing activity")
        self.axe("add an activity")
        self.fill({"purpose": "newsletter", "description": "Sending our monthly news", "legal_basis": "consent",
                   "retention": "until the client unsubscribes"})
        d.find_element(By.XPATH, "//input[@name='recipient' and @value='cloudmail']").click()
        self.submit("/map/activities")
        self.wait_h1("Activity newsletter")
        a = [x for x in cli_list("activity") if x["purpose"] == "newsletter"][0]
        self.assertEqual((a["legal_basis"], a["recipients"]), ("consent", ["cloudmail"]))
        self.assertEqual(d.find_element(By.ID, "rule-now").text, "no rule")
        self.axe("activity")
        self.fill({"duration": "3m", "reason": "no longer needed once the client unsubscribed"})
        Select(d.find_element(By.ID, "m-after")).select_by_value("consent_withdrawn")
        self.submit("/map/activities/newsletter/retention")
        self.wait_h1("Activity newsletter")
        rule = json.loads(kit.fort("--json", "retention", "rules").stdout)
        rule = [x["rule"] for x in rule if x["purpose"] == "newsletter"][0]
        self.assertTrue(rule)
        self.assertEqual(d.find_element(By.ID, "rule-now").text, rule)
        self.axe("activity with a retention rule")
        self.assertTrue([x for x in audit_rows("map") if x[0] == "anna" and x[2] == "ok"])
        # a field for the new purpose, reached with the keyboard's own form controls
        self.go("/map")
        d.find_element(By.LINK_TEXT, "Add a field").click()
        self.wait_h1("Add a field to the data map")
        self.axe("add a field")
        self.fill({"name": "topics", "label": "Topics of interest", "type": "text", "category": "notes",
                   "legal_basis": "consent (GDPR Art. 6(1)(a))", "max_length": "200"})
        d.find_element(By.XPATH, "//input[@name='purpose' and @value='newsletter']").click()
        self.submit("/map/fields")
        self.wait_h1("Data map")
        f = [x for x in cli_map()["fields"] if x["name"] == "topics"][0]
        self.assertEqual((f["type"], f["category"], f["purposes"], f["max_length"]), ("text", "notes", ["newsletter"], 200))
        # its page: a field that holds no data may still change its kind
        d.find_element(By.LINK_TEXT, "topics").click()
        self.wait_h1("Field topics")
        self.axe("field")
        # how long it is kept, and the way to its purpose's rule
        self.assertTrue(d.find_element(By.ID, "field-retention").text)
        d.find_element(By.LINK_TEXT, "newsletter").click()
        self.wait_h1("Activity newsletter")
        self.assertEqual(d.find_element(By.ID, "rule-now").text, rule)
        d.back()
        self.wait_h1("Field topics")
        self.fill({"label": "Newsletter topics"})
        self.submit("/map/fields/topics")
        self.wait_h1("Data map")
        self.assertIn("Newsletter topics", d.find_element(By.ID, "map-fields").text)
        # replacing the map: a malformed copy is refused with its line, then a good one is taken
        before = cli_map()
        good = json.dumps(before, indent=2)
        bad = good.replace('"fields": [', '"fields": [,', 1)
        line = bad[:bad.index("[,")].count("\n") + 1
        d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "map-json"), bad)
        self.submit("/map/import")
        self.wait_h1("Data map not replaced")
        self.assertIn("line %d" % line, self.alert())
        self.axe("data map not replaced")
        self.assertEqual(cli_map(), before)
        replaced = json.loads(good)
        replaced["fields"][0]["label"] = "Name as on the contract"
        d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "map-json"), json.dumps(replaced))
        self.submit("/map/import")
        self.wait_h1("Data map")
        self.assertEqual(cli_map()["fields"][0]["label"], "Name as on the contract")

    def test_staff_see_the_map_without_forms(self):
        d = self.driver
        self.signed_in("sam")
        self.go("/map")
        self.wait_h1("Data map")
        self.assertIn("Your role may not change the data map", d.find_element(By.TAG_NAME, "main").text)
        self.assertEqual(d.find_elements(By.XPATH, "//form[@action='/map/import']"), [])
        self.assertEqual(d.find_elements(By.LINK_TEXT, "Add a field"), [])
        self.axe("data map (staff)")


if __name__ == "__main__":
    tw.main()

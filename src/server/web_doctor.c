/* web_doctor.c - the security check-up from the web app (`fortress
 * doctor`): the score over time (fort_doctor_history), and a run
 * (fort_doctor_run: every check pass, warn or fail with what was found and
 * the next step; audited, kept in the history). */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "server/web.h"

static const char *const status_words[] = { "passed", "warning", "failed", "skipped" };

static void history(page *p)
{
	fort_doctor_run_info *h = NULL;
	size_t n = 0;
	char d[21];
	if (fort_doctor_history(&h, &n, p->req.v) < 0) {
		web_problem(p, fort_error_message());
		return;
	}
	web_put(p, "<section aria-labelledby=\"h-history\"><h2 id=\"h-history\">Score over time</h2>");
	if (!n)
		web_put(p, "<p>No check-up has run yet.</p>");
	else {
		web_put(p, "<table id=\"doctor-history\"><caption>Earlier check-ups, newest first</caption><thead><tr>"
			   "<th scope=\"col\">When (UTC)</th><th scope=\"col\">Score</th><th scope=\"col\">Passed</th>"
			   "<th scope=\"col\">Warnings</th><th scope=\"col\">Failed</th></tr></thead><tbody>");
		for (size_t i = n; i-- > 0 && n - i <= 50;) {
			fort_time_iso(d, h[i].ts);
			web_put(p, "<tr><td>%s</td><td>%d</td><td>%zu</td><td>%zu</td><td>%zu</td></tr>", d, h[i].score, h[i].passed,
				h[i].warned, h[i].failed);
		}
		web_put(p, "</tbody></table>");
	}
	web_put(p, "</section>");
	free(h);
}

static void run_form(page *p)
{
	web_put(p, "<form class=\"inline\" method=\"post\" action=\"/doctor\">");
	web_csrf_field(p);
	web_put(p, "<button type=\"submit\">Run the check-up</button></form>");
}

int page_doctor(page *p)
{
	p->nav = "doctor";
	snprintf(p->title, sizeof p->title, "Security check-up");
	web_put(p, "<p>The check-up looks at backups, passphrases, second factors, the audit log, the data map, "
		   "retention, the incident plan and its drills, and tells you what to do next. Each run is kept, so you see "
		   "whether things get better.</p>");
	run_form(p);
	history(p);
	return 0;
}

int page_doctor_run(page *p)
{
	fort_doctor_opts o = FORT_DOCTOR_OPTS_INIT;
	fort_doctor_report rep;
	int r;
	p->nav = "doctor";
	if ((r = fort_doctor_run(&rep, p->req.v, &o)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Security check-up");
	web_put(p, "<div class=\"%s\" role=\"status\"><p id=\"doctor-score\">Score <strong>%d</strong> of 100: %zu passed, "
		   "%zu warning%s, %zu failed, %zu skipped.</p></div>",
		rep.failed ? "problem" : "ok", rep.score, rep.passed, rep.warned, rep.warned == 1 ? "" : "s", rep.failed,
		rep.skipped);
	web_put(p, "<table id=\"doctor-checks\"><caption>What was checked (what needs doing first)</caption><thead><tr>"
		   "<th scope=\"col\">Check</th><th scope=\"col\">Result</th><th scope=\"col\">What was found</th>"
		   "<th scope=\"col\">What to do</th></tr></thead><tbody>");
	/* failures first, then warnings, then the rest */
	for (int want = FORT_CHECK_FAIL;; want = want == FORT_CHECK_FAIL ? FORT_CHECK_WARN : want == FORT_CHECK_WARN ? FORT_CHECK_PASS : FORT_CHECK_SKIP) {
		for (size_t i = 0; i < rep.n && i < FORT_DOCTOR_MAX_CHECKS; i++) {
			const fort_doctor_check *c = &rep.checks[i];
			if ((int)c->status != want)
				continue;
			web_put(p, "<tr class=\"check-%s\"><th scope=\"row\">", status_words[c->status & 3]);
			web_text(p, c->title);
			web_put(p, "</th><td>%s</td><td>", status_words[c->status & 3]);
			web_text(p, c->detail);
			web_put(p, "</td><td>");
			web_text(p, c->next_step[0] ? c->next_step : "-");
			web_put(p, "</td></tr>");
		}
		if (want == FORT_CHECK_SKIP)
			break;
	}
	web_put(p, "</tbody></table>");
	run_form(p);
	history(p);
	return 0;
}

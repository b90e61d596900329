/* web_documents.c - transparency, retention and backups from the web app:
 * the privacy notice generated from the data map (shown as text, what
 * changed since the published one, published with one click), the records
 * of processing (Art. 30) as a download, what retention will erase (and
 * applying it, for a role with 'erase'), and an encrypted backup made and
 * handed over as a download; the business's details (fort_business_get,
 * fort_business_set for a role with 'map').  Each action is one library
 * call. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "util.h"
#include "server/web.h"

/* ---------------------------------------------------------------- notice, records */

int page_notice(page *p)
{
	char *md = NULL, *diff = NULL, ver[65];
	int r, changed = 0;
	p->nav = "documents";
	snprintf(p->title, sizeof p->title, "Privacy notice and records");
	if ((r = fort_notice_generate(&md, ver, p->req.v, "md")) < 0)
		return r;
	if ((r = fort_notice_diff(&diff, &changed, p->req.v)) < 0) {
		free(md);
		return r;
	}
	web_put(p, "<p>Made from your <a href=\"/map\">data map</a>: change the map and the notice follows. Publish it when you have given "
		   "it to your clients (on your website, with your terms): consents recorded afterwards point to it.</p>");
	if (changed) {
		web_put(p, "<div class=\"problem\" role=\"status\"><p><strong>The notice has changed since it was last "
			   "published</strong> (or was never published).</p></div>");
		if (diff && *diff) {
			web_put(p, "<details><summary>What changed</summary><pre class=\"letter\" id=\"notice-diff\">");
			web_text(p, diff);
			web_put(p, "</pre></details>");
		}
		web_put(p, "<form class=\"inline\" method=\"post\" action=\"/notice/publish\">");
		web_csrf_field(p);
		web_put(p, "<button type=\"submit\">Publish this version</button></form>");
	} else
		web_put(p, "<div class=\"ok\" role=\"status\"><p>This is the published version.</p></div>");
	web_put(p, "<p>Version <code class=\"hash\">%s</code></p><h2>The notice</h2><pre class=\"letter\" id=\"notice\">", ver);
	web_text(p, md);
	web_put(p, "</pre><h2>Records of processing (Art. 30)</h2><p>What a supervisory authority may ask to see.</p>"
		   "<form class=\"inline\" method=\"post\" action=\"/records\">");
	web_csrf_field(p);
	web_put(p, "<label for=\"format\">Format</label><select id=\"format\" name=\"format\"><option value=\"html\">HTML "
		   "(to read or print)</option><option value=\"csv\">CSV (spreadsheet)</option><option value=\"json\">JSON</option>"
		   "</select><button type=\"submit\">Download the records</button></form>"
		   "<p>The business's details these documents state: <a href=\"/business\">Business settings</a>.</p>");
	free(md);
	free(diff);
	return 0;
}

int page_notice_publish(page *p)
{
	char ver[65];
	int r;
	if ((r = fort_notice_publish(ver, p->req.v)) < 0)
		return r;
	return web_redirect(p, "/notice");
}

int page_records(page *p)
{
	const char *format = web_form(p, "format");
	char *doc = NULL, name[48];
	int r;
	if (!format || (strcmp(format, "html") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0))
		return fort_error_set(FORT_EINPUT, "choose the format: html, csv or json");
	if ((r = fort_records_generate(&doc, p->req.v, format)) < 0)
		return r;
	snprintf(name, sizeof name, "records-of-processing.%s", format);
	web_file(p, strcmp(format, "html") == 0 ? "text/html; charset=utf-8" : strcmp(format, "csv") == 0 ? "text/csv; charset=utf-8"
												  : "application/json",
		 name, (unsigned char *)doc, strlen(doc));
	return 0;
}

/* ---------------------------------------------------------------- retention */

static const char *action_words(fort_retention_action a)
{
	switch (a) {
	case FORT_RET_ERASE_CLIENT: return "the whole client is erased";
	case FORT_RET_ERASE_FIELD: return "these fields are removed";
	case FORT_RET_KEPT: return "expired, but kept under a legal hold";
	case FORT_RET_HOLD_ENDED: return "a legal hold ends: erased";
	}
	return "";
}

static void retention_table(page *p, const fort_retention_item *it, size_t n, const char *caption, const char *id)
{
	web_put(p, "<table id=\"%s\"><caption>", id);
	web_text(p, caption);
	web_put(p, "</caption><thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Client</th><th scope=\"col\">What happens</th>"
		   "<th scope=\"col\">Fields</th><th scope=\"col\">Why</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		web_put(p, "<tr><td>");
		web_text(p, it[i].date);
		web_put(p, "</td><td>");
		web_text(p, it[i].client);
		web_put(p, "</td><td>%s", action_words(it[i].action));
		if (it[i].action == FORT_RET_KEPT && it[i].kept_until[0]) {
			web_put(p, " until ");
			web_text(p, it[i].kept_until);
		}
		web_put(p, "</td><td>");
		web_text(p, it[i].fields);
		web_put(p, "</td><td>");
		web_text(p, it[i].reason);
		web_put(p, "</td></tr>");
	}
	web_put(p, "</tbody></table>");
}

int page_retention(page *p)
{
	fort_retention_item *due = NULL, *now = NULL;
	size_t nd = 0, nn = 0;
	int r;
	p->nav = "retention";
	snprintf(p->title, sizeof p->title, "Retention");
	if ((r = fort_retention_due_all(&due, &nd, p->req.v, NULL, 90)) < 0)
		return r;
	if ((r = fort_retention_run_all(&now, &nn, p->req.v, NULL, 1)) < 0) {
		free(due);
		return r;
	}
	web_put(p, "<p>Your <a href=\"/map\">data map</a> says how long each kind of data is kept (each purpose's "
		   "retention rule, set on its activity's page). Fortress erases what no purpose justifies "
		   "any more, and keeps what a legal hold requires.</p>");
	if (nn) {
		retention_table(p, now, nn, "Due now: erased when you apply retention", "retention-now");
		if (fort_vault_can(p->req.v, "erase", NULL)) {
			web_put(p, "<form class=\"inline\" method=\"post\" action=\"/retention\">");
			web_csrf_field(p);
			web_put(p, "<button type=\"submit\" class=\"danger\">Apply retention now</button></form>");
		} else
			web_put(p, "<p class=\"help\">Your role may not erase: ask an owner to apply retention.</p>");
	} else
		web_put(p, "<p role=\"status\">Nothing is due now.</p>");
	if (nd)
		retention_table(p, due, nd, "Ending within 90 days", "retention-due");
	else
		web_put(p, "<p>Nothing ends within the next 90 days.</p>");
	free(due);
	free(now);
	return 0;
}

int page_retention_apply(page *p)
{
	fort_retention_item *done = NULL;
	size_t n = 0;
	int r;
	p->nav = "retention";
	if ((r = fort_retention_run_all(&done, &n, p->req.v, NULL, 0)) < 0)
		return r;
	snprintf(p->title, sizeof p->title, "Retention applied");
	web_put(p, "<div class=\"ok\" role=\"status\"><p>%zu item%s handled; each erasure is in the audit log.</p></div>", n,
		n == 1 ? "" : "s");
	if (n)
		retention_table(p, done, n, "What was done", "retention-done");
	web_put(p, "<p><a href=\"/retention\">Back to retention</a></p>");
	free(done);
	return 0;
}

/* ---------------------------------------------------------------- backups */

int page_backups(page *p)
{
	p->nav = "backups";
	snprintf(p->title, sizeof p->title, "Backups");
	web_put(p, "<p>A backup is the whole vault, encrypted: it opens only with the owner's passphrase (or the recovery "
		   "shares). Keep one copy away from the office. Making it is recorded in the audit log.</p>"
		   "<form class=\"inline\" method=\"post\" action=\"/backups\">");
	web_csrf_field(p);
	web_put(p, "<button type=\"submit\">Make a backup and download it</button></form>"
		   "<p class=\"help\">Check a backup now and then with <code>fortress backup verify FILE</code>.</p>");
	return 0;
}

int page_backup_create(page *p)
{
	fort_backup_info bi;
	unsigned char *data = NULL;
	struct stat sb;
	char name[64], day[21];
	int fd, r;
	/* an anonymous in-memory file: the backup is encrypted, and nothing is left on disk */
	if ((fd = memfd_create("fortress-backup", MFD_CLOEXEC)) < 0)
		return fort_error_set(FORT_EIO, "cannot make room for the backup: try again");
	if ((r = fort_backup_create_fd(&bi, p->req.v, fd)) < 0)
		goto out;
	if (fstat(fd, &sb) < 0 || sb.st_size <= 0 || lseek(fd, 0, SEEK_SET) < 0 || !(data = malloc((size_t)sb.st_size))) {
		r = fort_error_set(FORT_EIO, "the backup was made but could not be read back: try again");
		goto out;
	}
	for (size_t off = 0; off < (size_t)sb.st_size;) {
		ssize_t k = read(fd, data + off, (size_t)sb.st_size - off);
		if (k <= 0) {
			r = fort_error_set(FORT_EIO, "the backup was made but could not be read back: try again");
			goto out;
		}
		off += (size_t)k;
	}
	fort_time_iso(day, bi.created);
	day[10] = '\0';
	snprintf(name, sizeof name, "fortress-backup-%s.fbk", day);
	web_file(p, "application/octet-stream", name, data, (size_t)sb.st_size);
	data = NULL;
	r = 0;
out:
	free(data);
	close(fd);
	return r;
}

/* ---------------------------------------------------------------- business settings */

static const struct {
	const char *key, *label, *help;
	size_t max;
} biz_fields[] = {
	{ "address", "Postal address", "As on your letters.", 500 },
	{ "email", "E-mail for privacy questions", "Clients write here to use their rights.", 254 },
	{ "phone", "Phone", "International form, e.g. +49 30 1234567.", 40 },
	{ "dpo", "Data protection officer (name and contact)", "Only if you designated one.", 500 },
	{ "representative", "EU representative", "Only for a business established outside the EU (Art. 27).", 500 },
	{ "country", "Country where the business is established", "Two-letter code, e.g. DE.", 2 },
	{ "state", "State or Land", "Required in Germany, e.g. DE-BY.", 7 },
	{ "lead_authority", "Lead supervisory authority", "Only with establishments in several EU countries, e.g. FR.", 7 },
};

static const char *biz_value(const fort_business_info *bi, const char *key)
{
	if (!strcmp(key, "address")) return bi->address;
	if (!strcmp(key, "email")) return bi->email;
	if (!strcmp(key, "phone")) return bi->phone;
	if (!strcmp(key, "dpo")) return bi->dpo;
	if (!strcmp(key, "representative")) return bi->representative;
	if (!strcmp(key, "country")) return bi->country;
	if (!strcmp(key, "state")) return bi->state;
	return bi->lead_authority;
}

int page_business(page *p)
{
	fort_business_info bi;
	int r, may = fort_vault_can(p->req.v, "map", NULL);
	p->nav = "documents";
	snprintf(p->title, sizeof p->title, "Business settings");
	if ((r = fort_business_get(&bi, p->req.v)) < 0)
		return r;
	web_put(p, "<p>Every document Fortress writes (the privacy notice, the records, letters to clients and to the "
		   "authority) states these details, and they decide which supervisory authority is yours.</p>"
		   "<dl class=\"facts wide\"><dt>Business</dt><dd>");
	web_text(p, bi.name);
	web_put(p, "</dd><dt>Your supervisory authority</dt><dd id=\"authority\">");
	web_text(p, bi.authority[0] ? bi.authority : bi.authority_problem);
	web_put(p, "</dd></dl>");
	if (!may) {
		web_put(p, "<p class=\"help\">Your role may not change them: ask an owner.</p>");
		return 0;
	}
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/business\">");
	web_csrf_field(p);
	for (size_t i = 0; i < sizeof biz_fields / sizeof biz_fields[0]; i++) {
		web_put(p, "<p><label for=\"b-%s\">%s</label><input id=\"b-%s\" name=\"%s\" type=\"text\" maxlength=\"%zu\" "
			   "aria-describedby=\"b-%s-help\" value=\"",
			biz_fields[i].key, biz_fields[i].label, biz_fields[i].key, biz_fields[i].key, biz_fields[i].max,
			biz_fields[i].key);
		web_text(p, biz_value(&bi, biz_fields[i].key));
		web_put(p, "\"><span class=\"help\" id=\"b-%s-help\">%s</span></p>", biz_fields[i].key, biz_fields[i].help);
	}
	web_put(p, "<p><button type=\"submit\">Save</button></p></form>");
	return 0;
}

int page_business_set(page *p)
{
	fort_business_spec sp = FORT_BUSINESS_SPEC_INIT;
	int r;
	/* a field left out of the form stays as it is; an emptied one is cleared */
	sp.address = web_form(p, "address");
	sp.email = web_form(p, "email");
	sp.phone = web_form(p, "phone");
	sp.dpo = web_form(p, "dpo");
	sp.representative = web_form(p, "representative");
	sp.country = web_form(p, "country");
	sp.state = web_form(p, "state");
	sp.lead_authority = web_form(p, "lead_authority");
	if (sp.country && !*sp.country)
		sp.country = NULL; /* the country cannot be cleared: it decides the authority */
	if ((r = fort_business_set(p->req.v, &sp)) < 0)
		return r;
	return web_redirect(p, "/business");
}

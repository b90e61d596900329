/* web_import.c - importing clients from the web app: the person pastes the
 * CSV (or vCard, JSON) their spreadsheet or CRM exported; the library reads
 * it (fort_client_import: the known layouts, column names in six languages,
 * every value validated by its field's type) from an anonymous in-memory
 * file, so the data never lands on disk in clear.  By default all or
 * nothing: one bad row and nothing is imported, and the page lists every
 * bad row by line and column; ticking "skip" imports the good rows and
 * lists the others.  The notes say how the columns were read.  The file
 * can also be uploaded (multipart/form-data, decoded by web.c with
 * libmicrohttpd's post processor, held in wiped memory).  Exporting
 * every client's fields for a purpose (fort_client_export: the purpose
 * must allow each field; audited with the count) is a download made in an
 * anonymous memory file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "util.h"
#include "server/web.h"

static void import_form(page *p, int checked)
{
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/clients/import\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"data\">Paste the file's contents (CSV with a header row, vCard or JSON)</label>"
		   "<textarea id=\"data\" name=\"data\" rows=\"10\" required spellcheck=\"false\" autocomplete=\"off\" "
		   "aria-describedby=\"data-help\"></textarea><span class=\"help\" id=\"data-help\">Exports of Google, Outlook, "
		   "Apple and most CRMs are recognised by their header. At most 1 MiB at a time.</span></p>"
		   "<p><input type=\"checkbox\" id=\"skip\" name=\"skip\" value=\"1\"%s><label class=\"check\" for=\"skip\">"
		   "Import the good rows even if some are wrong (the wrong ones are listed)</label></p>"
		   "<p><button type=\"submit\">Import</button></p></form>",
		checked ? " checked" : "");
}

/* The file upload beside the paste box: the same import, from a file the
 * browser sends (multipart/form-data, decoded by web.c). */
static void upload_form(page *p)
{
	web_put(p, "<form class=\"card\" method=\"post\" action=\"/clients/import/file\" enctype=\"multipart/form-data\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"file\">Choose the file (CSV with a header row, vCard or JSON)</label><input id=\"file\" "
		   "name=\"file\" type=\"file\" required accept=\".csv,.tsv,.txt,.vcf,.json,text/csv,text/vcard,application/json\" "
		   "aria-describedby=\"file-help\"><span class=\"help\" id=\"file-help\">At most 1 MiB at a time; split a "
		   "larger file. It is read in memory and never stored on the server in clear.</span></p>"
		   "<p><input type=\"checkbox\" id=\"file-skip\" name=\"skip\" value=\"1\"><label class=\"check\" "
		   "for=\"file-skip\">Import the good rows even if some are wrong (the wrong ones are listed)</label></p>"
		   "<p><button type=\"submit\">Upload and import</button></p></form>");
}

int page_import(page *p)
{
	p->nav = "clients";
	snprintf(p->title, sizeof p->title, "Import clients");
	web_put(p, "<p>Nothing is imported while a row is wrong, unless you say so: you get the list of wrong rows with "
		   "their line numbers first.</p><h2>Paste the file's contents</h2>");
	import_form(p, 0);
	web_put(p, "<h2>Or upload the file</h2>");
	upload_form(p);
	return 0;
}

static void report_lists(page *p, const fort_import_report *ir)
{
	if (ir->nproblems) {
		web_put(p, "<h2>Rows that were not imported</h2><ul id=\"import-problems\">");
		for (size_t i = 0; i < ir->nproblems; i++) {
			web_put(p, "<li>");
			web_text(p, ir->problems[i]);
			web_put(p, "</li>");
		}
		web_put(p, "</ul>");
		if (ir->rejected > ir->nproblems)
			web_put(p, "<p>... and %llu more.</p>", (unsigned long long)(ir->rejected - ir->nproblems));
	}
	if (ir->nnotes) {
		web_put(p, "<h2>How the file was read</h2><ul id=\"import-notes\">");
		for (size_t i = 0; i < ir->nnotes; i++) {
			web_put(p, "<li>");
			web_text(p, ir->notes[i]);
			web_put(p, "</li>");
		}
		web_put(p, "</ul>");
	}
}

/* Import LEN bytes of DATA (pasted or uploaded) through the library, and
 * show the result: what was imported, or every rejected row by line. */
static int import_bytes(page *p, const char *data, size_t len, int upload)
{
	fort_import_opts o = FORT_IMPORT_OPTS_INIT;
	fort_import_report *ir = NULL;
	const char *skip = web_form(p, "skip");
	char path[64];
	int fd, r;
	if ((fd = memfd_create("fortress-import", MFD_CLOEXEC)) < 0)
		return fort_error_set(FORT_EIO, "cannot make room for the import: try again");
	for (size_t off = 0; off < len;) {
		ssize_t k = write(fd, data + off, len - off);
		if (k <= 0) {
			close(fd);
			return fort_error_set(FORT_EIO, "cannot make room for the import: try again");
		}
		off += (size_t)k;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	o.skip_invalid = skip && *skip;
	r = fort_client_import(&ir, p->req.v, path, &o);
	(void)ftruncate(fd, 0);
	close(fd);
	if (r < 0 && !(r == FORT_EINPUT && ir && ir->rejected)) {
		fort_import_report_free(ir);
		return r;
	}
	if (r < 0) {
		p->status = 400;
		web_problem(p, fort_error_message());
		web_put(p, "<p>Nothing was imported. Correct these rows in your spreadsheet and %s it again, or tick the box "
			   "to import the good rows now.</p>", upload ? "upload" : "paste");
	} else
		web_put(p, "<div class=\"ok\" role=\"status\"><p id=\"import-result\">%llu of %llu client%s imported "
			   "(%llu rejected, %llu of them already here).</p></div>",
			(unsigned long long)ir->imported, (unsigned long long)ir->rows, ir->rows == 1 ? "" : "s",
			(unsigned long long)ir->rejected, (unsigned long long)ir->duplicates);
	report_lists(p, ir);
	fort_import_report_free(ir);
	if (r < 0 && upload)
		upload_form(p);
	else if (r < 0)
		import_form(p, 0);
	else
		web_put(p, "<p><a href=\"/clients\">See the clients</a></p>");
	return 0;
}

int page_import_post(page *p)
{
	const char *data = web_form(p, "data");
	p->nav = "clients";
	snprintf(p->title, sizeof p->title, "Import clients");
	if (!data || !*data)
		return fort_error_set(FORT_EINPUT, "paste the contents of the file to import");
	return import_bytes(p, data, strlen(data), 0);
}

int page_import_upload(page *p)
{
	p->nav = "clients";
	snprintf(p->title, sizeof p->title, "Import clients");
	if (!p->upload || !p->upload_len)
		return fort_error_set(FORT_EINPUT, "no file came with the form, or it is empty: choose the file to import and "
				      "send the form again");
	return import_bytes(p, (const char *)p->upload, p->upload_len, 1);
}

/* ---------------------------------------------------------------- export */

int page_export(page *p)
{
	size_t na = fort_map_activity_count(p->req.v);
	p->nav = "clients";
	snprintf(p->title, sizeof p->title, "Export clients");
	web_put(p, "<p>Every client's fields that the purpose allows, decrypted, in one file: keep it safe and delete it "
		   "when done. The export is recorded in the audit log with the purpose and the number of clients.</p>"
		   "<form class=\"card\" method=\"post\" action=\"/clients/export\">");
	web_csrf_field(p);
	web_put(p, "<p><label for=\"purpose\">For which purpose</label><select id=\"purpose\" name=\"purpose\">");
	for (size_t i = 0; i < na; i++) {
		const fort_activity_info *a = fort_map_activity(p->req.v, i);
		web_put(p, "<option value=\"");
		web_text(p, a->purpose);
		web_put(p, "\">");
		web_text(p, a->purpose);
		web_put(p, "</option>");
	}
	web_put(p, "</select></p><p><label for=\"format\">Format</label><select id=\"format\" name=\"format\">"
		   "<option value=\"csv\">CSV (spreadsheet)</option><option value=\"json\">JSON</option></select></p>"
		   "<p><button type=\"submit\">Download the export</button></p></form>");
	return 0;
}

int page_export_post(page *p)
{
	fort_export_opts o = FORT_EXPORT_OPTS_INIT;
	const char *format = web_form(p, "format");
	unsigned char *data = NULL;
	uint64_t count = 0;
	FILE *f = NULL;
	long len;
	char name[64];
	int fd, r;
	o.purpose = web_form(p, "purpose");
	o.format = format && !strcmp(format, "json") ? "json" : "csv";
	o.destination = "web download";
	if (!o.purpose || !*o.purpose)
		return fort_error_set(FORT_EINPUT, "choose the purpose of the export");
	if ((fd = memfd_create("fortress-export", MFD_CLOEXEC)) < 0 || !(f = fdopen(fd, "w+"))) {
		if (fd >= 0)
			close(fd);
		return fort_error_set(FORT_EIO, "cannot make room for the export: try again");
	}
	if ((r = fort_client_export(&count, p->req.v, f, &o)) < 0)
		goto out;
	if (fflush(f) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 || !(data = malloc((size_t)len + 1)) ||
	    fread(data, 1, (size_t)len, f) != (size_t)len) {
		r = fort_error_set(FORT_EIO, "the export was made but could not be read back: try again");
		goto out;
	}
	snprintf(name, sizeof name, "clients-%s.%s", o.purpose, o.format);
	web_file(p, !strcmp(o.format, "json") ? "application/json" : "text/csv; charset=utf-8", name, data, (size_t)len);
	data = NULL;
	r = 0;
out:
	if (data)
		fort_wipe_free(data);
	(void)ftruncate(fd, 0);
	fclose(f);
	return r;
}

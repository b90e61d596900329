/* api_admin.c - the vault's upkeep: the privacy notice (rendered,
 * published) and the records of processing, the security check-up (run,
 * history), backups (list; create: the encrypted backup as a download,
 * the library call `fortress backup create -` makes), and import upload
 * (the CSV, vCard or JSON text in the JSON body, all or nothing, the
 * rejected rows listed with their line numbers).  One library call each,
 * the CLI's --json shapes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "util.h"
#include "server/server.h"
#include "front/shapes.h"

static int query_only(request *req, const char *const *known, const char *what)
{
	const char *qn, *qv;
	if (http_query_other(req, known, &qn, &qv) > 0)
		return fort_error_set(FORT_EINPUT, "unknown query parameter '%s' for %s", qn, what);
	return 0;
}

int api_notice_get(request *req)
{
	static const char *const known[] = { "format", NULL };
	const char *fmt = http_query(req, "format");
	char *text = NULL, version[65];
	int r;

	if ((r = query_only(req, known, "the notice")) < 0)
		return r;
	if (fmt && strcmp(fmt, "md") != 0 && strcmp(fmt, "html") != 0)
		return fort_error_set(FORT_EINPUT, "format must be md or html");
	if ((r = fort_notice_generate(&text, version, req->v, fmt)) < 0)
		return r;
	req->out = shape_notice(version, text);
	free(text);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

int api_notice_publish(request *req)
{
	static const char *const known[] = { NULL };
	char version[65];
	int r;

	if ((r = api_body_check(req, known, "publishing the notice")) < 0 || (r = fort_notice_publish(version, req->v)) < 0)
		return r;
	req->out = shape_notice(version, NULL);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

int api_records_get(request *req)
{
	static const char *const known[] = { "format", NULL };
	const char *fmt = http_query(req, "format");
	char *text = NULL;
	int r;

	if ((r = query_only(req, known, "the records")) < 0)
		return r;
	if (!fmt)
		fmt = "json";
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0 && strcmp(fmt, "html") != 0)
		return fort_error_set(FORT_EINPUT, "format must be json, csv or html");
	if ((r = fort_records_generate(&text, req->v, fmt)) < 0)
		return r;
	if (strcmp(fmt, "json") == 0) {
		json_error_t je;
		req->out = json_loads(text, 0, &je);
		free(text);
		return req->out ? 0 : fort_error_set(FORT_ERROR, "the records do not parse as JSON: %s", je.text);
	}
	req->file = (unsigned char *)text;
	req->file_len = strlen(text);
	req->file_type = strcmp(fmt, "csv") == 0 ? "text/csv; charset=utf-8" : "text/html; charset=utf-8";
	snprintf(req->file_name, sizeof req->file_name, "records-of-processing.%s", fmt);
	return 0;
}

int api_doctor_run(request *req)
{
	static const char *const known[] = { "record", NULL };
	fort_doctor_opts o = FORT_DOCTOR_OPTS_INIT;
	fort_doctor_report rep;
	int r;

	if ((r = api_body_check(req, known, "a check-up")) < 0 || (r = api_body_bool(req, "record", &o.record, 1)) < 0)
		return r;
	if ((r = fort_doctor_run(&rep, req->v, &o)) < 0)
		return r;
	req->out = shape_doctor_report(&rep);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

int api_doctor_history(request *req)
{
	fort_doctor_run_info *h = NULL;
	size_t n = 0;
	int r;

	if ((r = fort_doctor_history(&h, &n, req->v)) < 0)
		return r;
	req->out = json_pack("{s:o}", "runs", shape_doctor_history(h, n));
	free(h);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

int api_backups_list(request *req)
{
	fort_backup_record *b = NULL;
	size_t n = 0;
	int r;

	if ((r = fort_backup_list(&b, &n, req->v)) < 0)
		return r;
	req->out = json_pack("{s:o}", "backups", shape_backups(b, n));
	free(b);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

int api_backups_create(request *req)
{
	static const char *const known[] = { NULL };
	fort_backup_info info;
	const char *tmp = getenv("TMPDIR");
	struct stat st;
	struct tm tm;
	time_t now;
	int fd, r;

	if ((r = api_body_check(req, known, "a backup")) < 0)
		return r;
	/* an unnamed file holding only the encrypted backup, sent from there */
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if ((fd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0) {
		/* a filesystem without O_TMPFILE: a name, removed at once */
		char path[4096];
		if (snprintf(path, sizeof path, "%s/fortress-backup-XXXXXX", tmp) >= (int)sizeof path ||
		    (fd = mkostemp(path, O_CLOEXEC)) < 0)
			return fort_error_set(FORT_EIO, "cannot make a temporary file for the backup in %s: %s", tmp, strerror(errno));
		unlink(path);
	}
	if ((r = fort_backup_create_fd(&info, req->v, fd)) < 0) {
		close(fd);
		return r;
	}
	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return fort_error_set(FORT_EIO, "cannot read the backup back: %s", strerror(errno));
	}
	req->file_fd = fd;
	req->file_len = (size_t)st.st_size;
	req->file_type = "application/octet-stream";
	now = (time_t)info.created;
	gmtime_r(&now, &tm);
	strftime(req->file_name, sizeof req->file_name, "fortress-backup-%Y%m%dT%H%M%SZ.fbk", &tm);
	return 0;
}

int api_import(request *req)
{
	static const char *const known[] = { "format", "data", "map", "date_order", "strict_columns", NULL };
	fort_import_opts o = FORT_IMPORT_OPTS_INIT;
	fort_import_report *rep = NULL;
	json_t *map = json_object_get(req->body, "map"), *m;
	const char **cols = NULL, *data;
	char name[32];
	size_t i;
	int r;

	if ((r = api_body_check(req, known, "an import")) < 0 || (r = api_body_str(req, "format", &o.format, 1)) < 0 ||
	    (r = api_body_str(req, "data", &data, 1)) < 0 || (r = api_body_str(req, "date_order", &o.date_order, 0)) < 0 ||
	    (r = api_body_bool(req, "strict_columns", &o.strict_columns, 0)) < 0)
		return r;
	if (strcmp(o.format, "csv") != 0 && strcmp(o.format, "vcard") != 0 && strcmp(o.format, "json") != 0)
		return fort_error_set(FORT_EINPUT, "\"format\" must be csv, vcard or json");
	if (map && !json_is_array(map))
		return fort_error_set(FORT_EINPUT, "\"map\" must be an array of \"COLUMN=FIELD\" strings");
	if (map && json_array_size(map)) {
		if (!(cols = calloc(json_array_size(map), sizeof *cols)))
			return fort_error_set(FORT_ENOMEM, "out of memory");
		json_array_foreach(map, i, m) {
			if (!json_is_string(m)) {
				free(cols);
				return fort_error_set(FORT_EINPUT, "\"map\"[%zu] must be a \"COLUMN=FIELD\" string", i);
			}
			cols[i] = json_string_value(m);
		}
		o.column_map = cols;
		o.ncolumn_map = json_array_size(map);
	}
	snprintf(name, sizeof name, "upload.%s", strcmp(o.format, "vcard") == 0 ? "vcf" : o.format);
	r = fort_client_import_buffer(&rep, req->v, data, json_string_length(json_object_get(req->body, "data")), name, &o);
	free(cols);
	if (r < 0 && rep) {
		/* all or nothing: the error and every rejected row, by line */
		req->status = http_status_of(r);
		req->out = http_error_json(r, fort_error_message());
		json_object_set_new(req->out, "report", shape_import_report(name, rep));
		fort_import_report_free(rep);
		return r;
	}
	if (r < 0)
		return r;
	req->status = 201;
	req->out = shape_import_report(name, rep);
	fort_import_report_free(rep);
	return req->out ? 0 : fort_error_set(FORT_ENOMEM, "out of memory");
}

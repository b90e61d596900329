/* archive_dl.c - libarchive loaded by its first user (archive_dl.h). */
#include "util.h"
#include "util/dl.h"
#include "util/archive_dl.h"

/* here the names are the pointers' own, not archive_dl.h's calls through them */
#undef archive_entry_filetype
#undef archive_entry_free
#undef archive_entry_is_encrypted
#undef archive_entry_new
#undef archive_entry_pathname
#undef archive_entry_pathname_utf8
#undef archive_entry_set_filetype
#undef archive_entry_set_mtime
#undef archive_entry_set_pathname
#undef archive_entry_set_perm
#undef archive_entry_set_size
#undef archive_error_string
#undef archive_filter_bytes
#undef archive_format
#undef archive_read_data
#undef archive_read_free
#undef archive_read_new
#undef archive_read_next_header
#undef archive_read_open2
#undef archive_read_open_fd
#undef archive_read_support_filter_gzip
#undef archive_read_support_format_raw
#undef archive_read_support_format_tar
#undef archive_read_support_format_zip
#undef archive_set_error
#undef archive_write_close
#undef archive_write_data
#undef archive_write_free
#undef archive_write_header
#undef archive_write_new
#undef archive_write_open
#undef archive_write_set_bytes_in_last_block
#undef archive_write_set_format_zip

struct fort_archive_fns fort_archive_fns;

static const fort_dl_sym archive_syms[] = {
#define X(f) { #f, (void **)&fort_archive_fns.f },
	FORT_ARCHIVE_FUNCS(X)
#undef X
};
static fort_dl archive_dl = FORT_DL_INIT("libarchive.so.13", "libarchive13", archive_syms);

int fort_archive_need(void)
{
	return fort_dl_need(&archive_dl);
}

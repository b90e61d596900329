/* archive_dl.h - libarchive, loaded with dlopen() by its first user (the
 * scanner's archive reader, the access package's zip) rather than linked:
 * with the compression libraries and libxml2 it pulls, it was relocated at
 * the start of every `fortress` command (util/dl.h).  Include this instead
 * of <archive.h>: the calls keep libarchive's names and go through the
 * pointers below, so call fort_archive_need() before the first of them
 * (before archive_read_new / archive_write_new). */
#ifndef FORT_ARCHIVE_DL_H
#define FORT_ARCHIVE_DL_H
#include <archive.h>
#include <archive_entry.h>

#define FORT_ARCHIVE_FUNCS(X) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_is_encrypted) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_pathname_utf8) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_pathname) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_error_string) \
	X(archive_filter_bytes) \
	X(archive_format) \
	X(archive_read_data) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open2) \
	X(archive_read_open_fd) \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_format_raw) \
	X(archive_read_support_format_tar) \
	X(archive_read_support_format_zip) \
	X(archive_set_error) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_format_zip)

extern struct fort_archive_fns {
#define X(f) __typeof__(f) *f;
	FORT_ARCHIVE_FUNCS(X)
#undef X
} fort_archive_fns;

/* libarchive loaded (once; any thread): 0, or FORT_ERROR naming the package
 * to install. */
int fort_archive_need(void);

#define archive_entry_filetype (*fort_archive_fns.archive_entry_filetype)
#define archive_entry_free (*fort_archive_fns.archive_entry_free)
#define archive_entry_is_encrypted (*fort_archive_fns.archive_entry_is_encrypted)
#define archive_entry_new (*fort_archive_fns.archive_entry_new)
#define archive_entry_pathname (*fort_archive_fns.archive_entry_pathname)
#define archive_entry_pathname_utf8 (*fort_archive_fns.archive_entry_pathname_utf8)
#define archive_entry_set_filetype (*fort_archive_fns.archive_entry_set_filetype)
#define archive_entry_set_mtime (*fort_archive_fns.archive_entry_set_mtime)
#define archive_entry_set_pathname (*fort_archive_fns.archive_entry_set_pathname)
#define archive_entry_set_perm (*fort_archive_fns.archive_entry_set_perm)
#define archive_entry_set_size (*fort_archive_fns.archive_entry_set_size)
#define archive_error_string (*fort_archive_fns.archive_error_string)
#define archive_filter_bytes (*fort_archive_fns.archive_filter_bytes)
#define archive_format (*fort_archive_fns.archive_format)
#define archive_read_data (*fort_archive_fns.archive_read_data)
#define archive_read_free (*fort_archive_fns.archive_read_free)
#define archive_read_new (*fort_archive_fns.archive_read_new)
#define archive_read_next_header (*fort_archive_fns.archive_read_next_header)
#define archive_read_open2 (*fort_archive_fns.archive_read_open2)
#define archive_read_open_fd (*fort_archive_fns.archive_read_open_fd)
#define archive_read_support_filter_gzip (*fort_archive_fns.archive_read_support_filter_gzip)
#define archive_read_support_format_raw (*fort_archive_fns.archive_read_support_format_raw)
#define archive_read_support_format_tar (*fort_archive_fns.archive_read_support_format_tar)
#define archive_read_support_format_zip (*fort_archive_fns.archive_read_support_format_zip)
#define archive_set_error (*fort_archive_fns.archive_set_error)
#define archive_write_close (*fort_archive_fns.archive_write_close)
#define archive_write_data (*fort_archive_fns.archive_write_data)
#define archive_write_free (*fort_archive_fns.archive_write_free)
#define archive_write_header (*fort_archive_fns.archive_write_header)
#define archive_write_new (*fort_archive_fns.archive_write_new)
#define archive_write_open (*fort_archive_fns.archive_write_open)
#define archive_write_set_bytes_in_last_block (*fort_archive_fns.archive_write_set_bytes_in_last_block)
#define archive_write_set_format_zip (*fort_archive_fns.archive_write_set_format_zip)
#endif

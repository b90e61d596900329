/* mhd.h - libmicrohttpd and libqrencode for the server, loaded with
 * dlopen() when `fortress serve` starts (server_mhd_need, in server_run)
 * rather than linked: with GnuTLS and what it pulls they were relocated at
 * the start of every fortress command, a scan or an import included
 * (util/dl.h).  Include this instead of <microhttpd.h>: the calls keep
 * libmicrohttpd's names and go through the pointers below. */
#ifndef FORT_SERVER_MHD_H
#define FORT_SERVER_MHD_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <qrencode.h>

#define SERVER_MHD_FUNCS(X) \
	X(MHD_add_response_header) \
	X(MHD_create_post_processor) \
	X(MHD_create_response_from_buffer) \
	X(MHD_create_response_from_buffer_with_free_callback) \
	X(MHD_create_response_from_buffer_with_free_callback_cls) \
	X(MHD_create_response_from_fd) \
	X(MHD_destroy_post_processor) \
	X(MHD_destroy_response) \
	X(MHD_get_connection_info) \
	X(MHD_get_connection_values) \
	X(MHD_get_daemon_info) \
	X(MHD_http_unescape) \
	X(MHD_lookup_connection_value) \
	X(MHD_post_process) \
	X(MHD_queue_response) \
	X(MHD_quiesce_daemon) \
	X(MHD_resume_connection) \
	X(MHD_start_daemon) \
	X(MHD_stop_daemon) \
	X(MHD_suspend_connection)

#define SERVER_QR_FUNCS(X) \
	X(QRcode_encodeString) \
	X(QRcode_free)

extern struct server_mhd {
#define X(f) __typeof__(f) *f;
	SERVER_MHD_FUNCS(X)
	SERVER_QR_FUNCS(X)
#undef X
} server_mhd;

/* Load libmicrohttpd and libqrencode (once; any thread): 0, or FORT_ERROR
 * naming the package to install.  server_run calls it before its first
 * call to either; nothing else in src/server runs before server_run. */
int server_mhd_need(void);
/* libqrencode alone, for `fortress totp` (the QR code on the terminal). */
int server_qr_need(void);

#define MHD_add_response_header (*server_mhd.MHD_add_response_header)
#define MHD_create_post_processor (*server_mhd.MHD_create_post_processor)
#define MHD_create_response_from_buffer (*server_mhd.MHD_create_response_from_buffer)
#define MHD_create_response_from_buffer_with_free_callback (*server_mhd.MHD_create_response_from_buffer_with_free_callback)
#define MHD_create_response_from_buffer_with_free_callback_cls (*server_mhd.MHD_create_response_from_buffer_with_free_callback_cls)
#define MHD_create_response_from_fd (*server_mhd.MHD_create_response_from_fd)
#define MHD_destroy_post_processor (*server_mhd.MHD_destroy_post_processor)
#define MHD_destroy_response (*server_mhd.MHD_destroy_response)
#define MHD_get_connection_info (*server_mhd.MHD_get_connection_info)
#define MHD_get_connection_values (*server_mhd.MHD_get_connection_values)
#define MHD_get_daemon_info (*server_mhd.MHD_get_daemon_info)
#define MHD_http_unescape (*server_mhd.MHD_http_unescape)
#define MHD_lookup_connection_value (*server_mhd.MHD_lookup_connection_value)
#define MHD_post_process (*server_mhd.MHD_post_process)
#define MHD_queue_response (*server_mhd.MHD_queue_response)
#define MHD_quiesce_daemon (*server_mhd.MHD_quiesce_daemon)
#define MHD_resume_connection (*server_mhd.MHD_resume_connection)
#define MHD_suspend_connection (*server_mhd.MHD_suspend_connection)
#define MHD_start_daemon (*server_mhd.MHD_start_daemon)
#define MHD_stop_daemon (*server_mhd.MHD_stop_daemon)
#define QRcode_encodeString (*server_mhd.QRcode_encodeString)
#define QRcode_free (*server_mhd.QRcode_free)
#endif

/* mhd.c - libmicrohttpd and libqrencode loaded when the server starts (mhd.h). */
#include "util.h"
#include "util/dl.h"
#include "server/mhd.h"

/* here the names are the pointers' own, not mhd.h's calls through them */
#undef MHD_add_response_header
#undef MHD_create_post_processor
#undef MHD_create_response_from_buffer
#undef MHD_create_response_from_buffer_with_free_callback
#undef MHD_create_response_from_buffer_with_free_callback_cls
#undef MHD_create_response_from_fd
#undef MHD_destroy_post_processor
#undef MHD_destroy_response
#undef MHD_get_connection_info
#undef MHD_get_connection_values
#undef MHD_get_daemon_info
#undef MHD_http_unescape
#undef MHD_lookup_connection_value
#undef MHD_post_process
#undef MHD_queue_response
#undef MHD_quiesce_daemon
#undef MHD_resume_connection
#undef MHD_start_daemon
#undef MHD_stop_daemon
#undef MHD_suspend_connection
#undef QRcode_encodeString
#undef QRcode_free

struct server_mhd server_mhd;

static const fort_dl_sym mhd_syms[] = {
#define X(f) { #f, (void **)&server_mhd.f },
	SERVER_MHD_FUNCS(X)
#undef X
};
static const fort_dl_sym qr_syms[] = {
#define X(f) { #f, (void **)&server_mhd.f },
	SERVER_QR_FUNCS(X)
#undef X
};
static fort_dl mhd_dl = FORT_DL_INIT("libmicrohttpd.so.12", "libmicrohttpd12", mhd_syms);
static fort_dl qr_dl = FORT_DL_INIT("libqrencode.so.4", "libqrencode4", qr_syms);

int server_mhd_need(void)
{
	if (fort_dl_need(&mhd_dl) < 0 || fort_dl_need(&qr_dl) < 0)
		return fort_error_prefix("fortress serve");
	return 0;
}

int server_qr_need(void)
{
	return fort_dl_need(&qr_dl);
}

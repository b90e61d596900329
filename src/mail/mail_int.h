/* mail_int.h - the outbox and the SMTP client share these. */
#ifndef FORT_MAIL_INT_H
#define FORT_MAIL_INT_H

#include <jansson.h>
#include "fortress.h"
#include "util.h"

/* The RFC 5322 / MIME message for MSG ({"to":[...],"subject","text","html"})
 * from S's sender, dated NOW, with MESSAGE_ID ("<...>"), CRLF line ends. */
int smtp_build(fort_buf *out, const fort_mail_settings *s, json_t *msg, const char *message_id, int64_t now) FORT_WUR;
/* Hand MIME to the server of S for MSG's recipients (libcurl).  0, or
 * FORT_EIO with ERR saying what the server or the network said. */
int smtp_send(char *err, size_t errcap, const fort_mail_settings *s, const char *password, json_t *msg, const char *mime,
	      size_t len, long timeout) FORT_WUR;

#endif

/* TLS of the checks: OpenSSL on non-blocking sockets. Each call that would
 * block says which readiness it waits for (EPOLLIN or EPOLLOUT), from
 * SSL_ERROR_WANT_READ / SSL_ERROR_WANT_WRITE. */
#ifndef MXLB_HEALTH_TLS_H
#define MXLB_HEALTH_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "health_conf.h"

#define MXLB_HEALTH_TLS_AGAIN (-2) /* would block: wait for *WANT */

/* Makes the client context check C will use (at start, so that the first
 * probe does not pay for it, and a bad tls-ca= is found before anything
 * runs). Returns 0, or -1 with the reason in WHY. */
int mxlb_health_tls_prepare(const struct mxlb_health_conf_check *c, char *why, size_t whylen);
/* A client session for check C on connected socket FD, or NULL with the
 * reason in WHY. SNI: tls-name=, else the member when it is a host name. */
SSL *mxlb_health_tls_new(const struct mxlb_health_conf_check *c, int fd, char *why, size_t whylen);
/* 1 done, MXLB_HEALTH_TLS_AGAIN, or -1 failed with the reason in WHY. */
int mxlb_health_tls_handshake(SSL *ssl, uint32_t *want, char *why, size_t whylen);
/* After the handshake: checks what tls-verify= asks for (-1 and WHY when
 * it fails) and describes the certificate's expiry in NOTE. */
int mxlb_health_tls_verify(SSL *ssl, const struct mxlb_health_conf_check *c, char *note,
			   size_t notelen, char *why, size_t whylen);
/* Octets read or written, 0 at the peer's close (read), AGAIN, or -1 with
 * WHY. */
ssize_t mxlb_health_tls_read(SSL *ssl, void *buf, size_t len, uint32_t *want, char *why,
			     size_t whylen);
ssize_t mxlb_health_tls_write(SSL *ssl, const void *buf, size_t len, uint32_t *want, char *why,
			      size_t whylen);
void mxlb_health_tls_free(SSL *ssl);
/* Frees the shared contexts (at exit). */
void mxlb_health_tls_cleanup(void);

#endif

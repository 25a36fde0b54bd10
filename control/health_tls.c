/* TLS of the checks (health_tls.h). One client context per CA store
 * (tls-ca=, or the system's), shared by every session; the certificate is
 * never checked during the handshake (SSL_VERIFY_NONE), but after it, as
 * tls-verify= asks, so that a bad certificate is reported by name. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "health_tls.h"

#define MXLB_HEALTH_TLS_CTXS 16

static struct {
	char ca[MXLB_HEALTH_CONF_PATH_MAX];
	SSL_CTX *ctx;
} mxlb_health_tls_ctxs[MXLB_HEALTH_TLS_CTXS];

static void mxlb_health_tls_why(char *why, size_t len, const char *what)
{
	unsigned long e = ERR_get_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	if (r != NULL)
		snprintf(why, len, "tls: %s: %s", what, r);
	else if (e != 0)
		snprintf(why, len, "tls: %s: error %lx", what, e);
	else
		snprintf(why, len, "tls: %s failed", what);
	ERR_clear_error();
}

static SSL_CTX *mxlb_health_tls_ctx(const char *ca, char *why, size_t whylen)
{
	SSL_CTX *ctx;
	unsigned i;

	for (i = 0; i < MXLB_HEALTH_TLS_CTXS && mxlb_health_tls_ctxs[i].ctx != NULL; i++)
		if (strcmp(mxlb_health_tls_ctxs[i].ca, ca) == 0)
			return mxlb_health_tls_ctxs[i].ctx;
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		mxlb_health_tls_why(why, whylen, "context");
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (ca[0] != '\0' ? SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1
			  : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		mxlb_health_tls_why(why, whylen, ca[0] ? ca : "system CA store");
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (i == MXLB_HEALTH_TLS_CTXS)
		return ctx; /* not cached: leaks one per session, never reached in practice */
	snprintf(mxlb_health_tls_ctxs[i].ca, sizeof(mxlb_health_tls_ctxs[i].ca), "%s", ca);
	mxlb_health_tls_ctxs[i].ctx = ctx;
	return ctx;
}

int mxlb_health_tls_prepare(const struct mxlb_health_conf_check *c, char *why, size_t whylen)
{
	return mxlb_health_tls_ctx(c->tls_ca, why, whylen) != NULL ? 0 : -1;
}

SSL *mxlb_health_tls_new(const struct mxlb_health_conf_check *c, int fd, char *why, size_t whylen)
{
	SSL_CTX *ctx = mxlb_health_tls_ctx(c->tls_ca, why, whylen);
	const char *sni = c->tls_name[0] ? c->tls_name : c->is_addr ? NULL : c->member;
	SSL *ssl;

	if (ctx == NULL)
		return NULL;
	ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    (sni != NULL && SSL_set_tlsext_host_name(ssl, sni) != 1)) {
		mxlb_health_tls_why(why, whylen, "session");
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_connect_state(ssl);
	return ssl;
}

/* The outcome of an SSL call that returned RET. */
static int mxlb_health_tls_result(SSL *ssl, int ret, uint32_t *want, char *why, size_t whylen,
				  const char *what)
{
	int err = SSL_get_error(ssl, ret);

	switch (err) {
	case SSL_ERROR_WANT_READ:
		*want = EPOLLIN;
		return MXLB_HEALTH_TLS_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = EPOLLOUT;
		return MXLB_HEALTH_TLS_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			if (errno != 0 && ret < 0)
				snprintf(why, whylen, "tls: %s: %s", what, strerror(errno));
			else
				snprintf(why, whylen, "tls: %s: connection closed", what);
			return -1;
		}
		/* fall through */
	default:
		mxlb_health_tls_why(why, whylen, what);
		return -1;
	}
}

int mxlb_health_tls_handshake(SSL *ssl, uint32_t *want, char *why, size_t whylen)
{
	int ret;

	ERR_clear_error();
	errno = 0;
	ret = SSL_do_handshake(ssl);
	if (ret == 1)
		return 1;
	ret = mxlb_health_tls_result(ssl, ret, want, why, whylen, "handshake");
	if (ret == 0) {
		snprintf(why, whylen, "tls: handshake: connection closed");
		return -1;
	}
	return ret;
}

static void mxlb_health_tls_date(const ASN1_TIME *t, char *out, size_t len)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 || strftime(out, len, "%Y-%m-%d", &tm) == 0)
		snprintf(out, len, "?");
}

int mxlb_health_tls_verify(SSL *ssl, const struct mxlb_health_conf_check *c, char *note,
			   size_t notelen, char *why, size_t whylen)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	const char *name = c->tls_name[0] ? c->tls_name : c->member;
	const ASN1_TIME *nb, *na;
	char date[32];
	int days = 0, secs = 0, ret = -1;
	long vr;

	note[0] = '\0';
	if (cert == NULL) {
		snprintf(why, whylen, "tls: no certificate");
		return c->verify == MXLB_HEALTH_VERIFY_NONE ? 0 : -1;
	}
	nb = X509_get0_notBefore(cert);
	na = X509_get0_notAfter(cert);
	mxlb_health_tls_date(na, date, sizeof(date));
	if (ASN1_TIME_diff(&days, &secs, NULL, na) != 1)
		days = 0;
	snprintf(note, notelen, "certificate expires %s (%d day%s)", date, days,
		 days == 1 || days == -1 ? "" : "s");
	if (c->verify == MXLB_HEALTH_VERIFY_NONE) {
		ret = 0;
		goto out;
	}
	if (X509_cmp_current_time(na) <= 0) {
		snprintf(why, whylen, "tls: certificate expired %s", date);
		goto out;
	}
	if (X509_cmp_current_time(nb) >= 0) {
		mxlb_health_tls_date(nb, date, sizeof(date));
		snprintf(why, whylen, "tls: certificate not valid before %s", date);
		goto out;
	}
	if (c->verify >= MXLB_HEALTH_VERIFY_NAME) {
		struct sockaddr_storage a;
		int m = mxlb_health_conf_addr(name, 0, &a) == 0
			    ? X509_check_ip_asc(cert, name, 0)
			    : X509_check_host(cert, name, strlen(name), 0, NULL);

		if (m != 1) {
			snprintf(why, whylen, "tls: certificate does not name %s", name);
			goto out;
		}
	}
	if (c->verify == MXLB_HEALTH_VERIFY_CHAIN &&
	    (vr = SSL_get_verify_result(ssl)) != X509_V_OK) {
		snprintf(why, whylen, "tls: certificate not trusted: %s",
			 X509_verify_cert_error_string(vr));
		goto out;
	}
	ret = 0;
out:
	X509_free(cert);
	return ret;
}

ssize_t mxlb_health_tls_read(SSL *ssl, void *buf, size_t len, uint32_t *want, char *why,
			     size_t whylen)
{
	size_t n = 0;
	int ret;

	ERR_clear_error();
	errno = 0;
	ret = SSL_read_ex(ssl, buf, len, &n);
	if (ret == 1)
		return (ssize_t)n;
	return mxlb_health_tls_result(ssl, ret, want, why, whylen, "read");
}

ssize_t mxlb_health_tls_write(SSL *ssl, const void *buf, size_t len, uint32_t *want, char *why,
			      size_t whylen)
{
	size_t n = 0;
	int ret;

	ERR_clear_error();
	errno = 0;
	ret = SSL_write_ex(ssl, buf, len, &n);
	if (ret == 1)
		return (ssize_t)n;
	ret = mxlb_health_tls_result(ssl, ret, want, why, whylen, "write");
	return ret == 0 ? -1 : ret;
}

void mxlb_health_tls_free(SSL *ssl)
{
	SSL_free(ssl);
}

void mxlb_health_tls_cleanup(void)
{
	unsigned i;

	for (i = 0; i < MXLB_HEALTH_TLS_CTXS; i++) {
		SSL_CTX_free(mxlb_health_tls_ctxs[i].ctx);
		mxlb_health_tls_ctxs[i].ctx = NULL;
	}
}

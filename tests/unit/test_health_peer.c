/* Scripted peers for the health check tests (test_health_peer.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "test_health_peer.h"

/* TLS writes to a peer that has gone must not end the test process (the
 * checker ignores SIGPIPE the same way). */
__attribute__((constructor)) static void t_peer_nosigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

static void t_peer_sleep(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void t_peer_fail(struct t_peer *p, const char *fmt, const char *a, const char *b)
{
	pthread_mutex_lock(&p->mu);
	if (p->failure[0] == '\0' && snprintf(p->failure, sizeof(p->failure), fmt, a, b) < 0)
		p->failure[0] = '?';
	pthread_mutex_unlock(&p->mu);
}

static ssize_t t_peer_io(int fd, SSL *ssl, void *buf, size_t len, bool wr)
{
	if (ssl != NULL) {
		int n = wr ? SSL_write(ssl, buf, (int)len) : SSL_read(ssl, buf, (int)len);

		return n > 0 ? n : n == 0 ? 0 : -1;
	}
	return wr ? send(fd, buf, len, MSG_NOSIGNAL) : recv(fd, buf, len, 0);
}

/* Reads one line (up to '\n') into LINE. */
static int t_peer_line(int fd, SSL *ssl, char *line, size_t len)
{
	size_t n = 0;
	char c;

	while (n + 1 < len) {
		if (t_peer_io(fd, ssl, &c, 1, false) != 1)
			return -1;
		if (c == '\n')
			break;
		if (c != '\r')
			line[n++] = c;
	}
	line[n] = '\0';
	return 0;
}

static void t_peer_play(struct t_peer *p, int fd)
{
	const struct t_peer_step *s = p->script;
	SSL *ssl = NULL;
	char line[512], drain[256];
	struct timeval tv = {.tv_sec = 3};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (; s != NULL; s++) {
		switch (s->op) {
		case T_SEND:
			t_peer_io(fd, ssl, (void *)s->text, strlen(s->text), true);
			continue;
		case T_EXPECT:
			if (t_peer_line(fd, ssl, line, sizeof(line)) != 0) {
				t_peer_fail(p, "expected '%s', got %s", s->text, "nothing");
				goto out;
			}
			pthread_mutex_lock(&p->mu);
			if (strlen(p->seen) + strlen(line) + 2 < sizeof(p->seen)) {
				strcat(p->seen, line);
				strcat(p->seen, "|");
			}
			pthread_mutex_unlock(&p->mu);
			if (strncmp(line, s->text, strlen(s->text)) != 0) {
				t_peer_fail(p, "expected '%s', got '%s'", s->text, line);
				goto out;
			}
			continue;
		case T_SLEEP:
			t_peer_sleep(s->ms);
			continue;
		case T_TLS:
			ssl = p->tls != NULL ? SSL_new(p->tls) : NULL;
			if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1)
				goto out;
			continue;
		case T_CLOSE:
			goto out;
		case T_END:
			while (t_peer_io(fd, ssl, drain, sizeof(drain), false) > 0)
				;
			goto out;
		}
	}
out:
	if (ssl != NULL) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	close(fd);
}

static void *t_peer_main(void *arg)
{
	struct t_peer *p = arg;
	struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
	int fd;

	while (!p->stop) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		fd = accept(p->fd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&p->mu);
		p->connections++;
		pthread_mutex_unlock(&p->mu);
		t_peer_play(p, fd);
	}
	return NULL;
}

void t_peer_start(struct t_peer *p, const struct t_peer_step *script, SSL_CTX *tls)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int one = 1;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	p->script = script;
	p->tls = tls;
	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(p->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(p->fd, 1024) != 0 ||
	    getsockname(p->fd, (struct sockaddr *)&a, &len) != 0) {
		perror("t_peer_start");
		abort();
	}
	p->port = ntohs(a.sin_port);
	pthread_create(&p->thread, NULL, t_peer_main, p);
}

void t_peer_stop(struct t_peer *p)
{
	p->stop = 1;
	pthread_join(p->thread, NULL);
	close(p->fd);
	if (p->tls != NULL)
		SSL_CTX_free(p->tls);
	pthread_mutex_destroy(&p->mu);
}

SSL_CTX *t_peer_tls(const char *name, int from_days, int to_days)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *n;
	X509_EXTENSION *ext;
	X509V3_CTX v3;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char san[300];

	if (key == NULL || x == NULL || ctx == NULL)
		abort();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), (long)from_days * 86400);
	X509_gmtime_adj(X509_getm_notAfter(x), (long)to_days * 86400);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)name, -1, -1, 0);
	X509_set_issuer_name(x, n);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	snprintf(san, sizeof(san), "DNS:%s", name);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, key, EVP_sha256()) == 0 || SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		abort();
	X509_free(x);
	EVP_PKEY_free(key);
	return ctx;
}

void t_peer_check(struct mxlb_health_conf_check *c, enum mxlb_health_conf_proto proto,
		  uint16_t port)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->member, sizeof(c->member), "mx1.test");
	c->proto = proto;
	c->port = port;
	c->interval_ms = 1000;
	c->timeout_ms = 500;
	c->fall = 3;
	c->rise = 2;
	snprintf(c->helo, sizeof(c->helo), "checker.test");
	t_peer_loopback(&c->addrs[0]);
	c->naddrs = 1;
}

void t_peer_loopback(struct sockaddr_storage *a)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)a;

	memset(a, 0, sizeof(*a));
	v4->sin_family = AF_INET;
	v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* libFuzzer harness over the packet-to-response function. Every input is
 * answered twice: in a buffer of exactly its length with no room to grow
 * (any read past the query is an ASan report), and with room for a full
 * response, which must then be a DNS message ldns parses, with QR set and
 * the query's ID. A dropped query must be counted. */
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "respond.h"
#include "worker.h"

static struct mxlb_image *img;
static struct mxlb_worker *worker;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *zone = getenv("MXLB_FUZZ_ZONE");
	const char *files[] = {zone ? zone : MXLB_FUZZ_ZONE};
	struct mxlb_image_opts o;
	char err[512];

	mxlb_image_opts_init(&o);
	o.nworkers = 1;
	o.identity = "fuzz.mxlb.test";
	o.version = "mxlb";
	o.log = NULL;
	if (mxlb_image_load(&img, files, 1, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_respond: %s\n", err);
		abort();
	}
	worker = mxlb_worker_new(0, 1, img);
	if (!worker)
		abort();
	return 0;
}

static uint64_t drops(void)
{
	uint64_t n = 0;
	for (int i = 0; i < MXLB_DROP_MAX; i++)
		n += worker->stats.drop[i];
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint8_t *tight = malloc(len ? len : 1);
	memcpy(tight, data, len);
	size_t r = mxlb_respond(worker, img, tight, len, len);
	if (r > len)
		abort();
	free(tight);

	size_t cap = len > 65535 ? len : 65535;
	uint8_t *buf = malloc(cap);
	memcpy(buf, data, len);
	uint64_t before = drops();
	r = mxlb_respond(worker, img, buf, len, cap);
	if (r == 0) {
		if (drops() != before + 1)
			abort();
	} else {
		ldns_pkt *p = NULL;
		if (r > MXLB_UDP_MAX || r < 12 || !(buf[2] & 0x80) || buf[0] != data[0] ||
		    buf[1] != data[1] || ldns_wire2pkt(&p, buf, r) != LDNS_STATUS_OK)
			abort();
		ldns_pkt_free(p);
	}
	free(buf);
	return 0;
}

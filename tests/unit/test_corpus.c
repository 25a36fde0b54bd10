/* Replays every packet of the shared corpus (CZ-NIC dns-fuzzing seeds), in
 * the directory the environment variable MXLB_CORPUS names,
 * through the responder: each gets a response that ldns parses, or a counted
 * drop. Each packet runs twice: once in a buffer of exactly its length with no
 * room to grow (so ASan sees any read past the query), once with room for a
 * full response. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "respond.h"
#include "worker.h"

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "open %s", path);
	uint8_t *buf = malloc(65536);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

Test(corpus, every_packet_answered_or_dropped)
{
	const char *files[] = {MXLB_TEST_DATA "/corpus.zone"};
	struct mxlb_image *img;
	char err[512];
	cr_assert_eq(mxlb_image_load(&img, files, 1, NULL, err, sizeof(err)), 0, "%s", err);
	struct mxlb_worker *w = mxlb_worker_new(0, 1, img);
	cr_assert_not_null(w);

	/* make unit sets it (Makefile: MXLB_CORPUS) */
	const char *dir = getenv("MXLB_CORPUS");
	cr_assert(dir != NULL && *dir, "MXLB_CORPUS is not set: the corpus directory");
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "corpus directory %s", dir);
	struct dirent *e;
	unsigned packets = 0, answered = 0;
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".pkt"))
			continue;
		char path[4096];
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		uint8_t *pkt = read_file(path, &len);
		packets++;

		uint8_t *tight = malloc(len ? len : 1);
		memcpy(tight, pkt, len);
		size_t r1 = mxlb_respond(w, img, tight, len, len);
		cr_assert_leq(r1, len, "%s: reply of %zu in a %zu-octet buffer", e->d_name, r1,
			      len);
		free(tight);

		size_t cap = len > MXLB_UDP_MAX ? len : MXLB_UDP_MAX;
		uint8_t *roomy = malloc(cap);
		memcpy(roomy, pkt, len);
		uint64_t drops = 0;
		for (int i = 0; i < MXLB_DROP_MAX; i++)
			drops += w->stats.drop[i];
		size_t r = mxlb_respond(w, img, roomy, len, cap);
		uint64_t drops2 = 0;
		for (int i = 0; i < MXLB_DROP_MAX; i++)
			drops2 += w->stats.drop[i];
		if (r == 0) {
			cr_assert_eq(drops2, drops + 1, "%s: no reply and no counted drop",
				     e->d_name);
		} else {
			answered++;
			cr_assert_leq(r, MXLB_UDP_MAX, "%s: reply of %zu octets", e->d_name, r);
			cr_assert(roomy[2] & 0x80, "%s: reply without QR", e->d_name);
			cr_assert_eq(roomy[0], pkt[0], "%s: ID changed", e->d_name);
			cr_assert_eq(roomy[1], pkt[1], "%s: ID changed", e->d_name);
			ldns_pkt *p = NULL;
			ldns_status s = ldns_wire2pkt(&p, roomy, r);
			cr_assert_eq(s, LDNS_STATUS_OK, "%s: reply does not parse: %s", e->d_name,
				     ldns_get_errorstr_by_id(s));
			ldns_pkt_free(p);
		}
		free(roomy);
		free(pkt);
	}
	closedir(d);
	cr_assert_gt(packets, 500, "only %u corpus packets found", packets);
	cr_assert_gt(answered, 0);
	mxlb_worker_free(w);
	mxlb_image_free(img);
}

/* Thread CPU time from schedstat. */
#include <inttypes.h>
#include <stdio.h>

#include "sched.h"

void mxgen_sched_read(struct mxgen_sched *s, const char *path)
{
	FILE *f;

	s->ok = false;
	if (path == NULL)
		return;
	f = fopen(path, "r");
	if (f == NULL)
		return;
	s->ok = fscanf(f, "%" SCNu64 " %" SCNu64, &s->run_ns, &s->wait_ns) == 2;
	fclose(f);
}

struct mxgen_sched mxgen_sched_delta(const struct mxgen_sched *a, const struct mxgen_sched *b)
{
	struct mxgen_sched d = {.ok = false};

	if (a->ok && b->ok && b->run_ns >= a->run_ns && b->wait_ns >= a->wait_ns) {
		d.ok = true;
		d.run_ns = b->run_ns - a->run_ns;
		d.wait_ns = b->wait_ns - a->wait_ns;
	}
	return d;
}

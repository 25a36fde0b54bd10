/* The health checker's results where `mxlbctl pools` finds them: a table
 * of one entry per check, in a memzone that the checker reserves in
 * mxlbd's shared memory (MXLB_HEALTH_TABLE_MEMZONE), written by the
 * checker alone, entry by entry under a sequence count, read racily by any
 * mxlbctl. This header and health_table.c are DPDK-free: the memory comes
 * from the caller. */
#ifndef MXLB_HEALTH_TABLE_H
#define MXLB_HEALTH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The memzone's name in mxlbd's shared memory; belongs beside the other
 * shared names in dataplane/shared.h once mxlbd itself reads it. */
#define MXLB_HEALTH_TABLE_MEMZONE "mxlb_health"
/* Version of the layout below; bump on any change. */
#define MXLB_HEALTH_TABLE_LAYOUT 1

#define MXLB_HEALTH_TABLE_MEMBER 256
#define MXLB_HEALTH_TABLE_RESULT 232
#define MXLB_HEALTH_TABLE_PATH	 256

/* A check's state, and its member's (the member is down when any of its
 * checks is, up when all are). */
enum mxlb_health_table_state {
	MXLB_HEALTH_STATE_UNKNOWN, /* not yet fall failures or rise successes */
	MXLB_HEALTH_STATE_UP,
	MXLB_HEALTH_STATE_DOWN,
};

/* The outcome of a check's last round. */
enum mxlb_health_table_last {
	MXLB_HEALTH_LAST_NONE, /* no round yet */
	MXLB_HEALTH_LAST_OK,
	MXLB_HEALTH_LAST_FAIL,
	MXLB_HEALTH_LAST_NOADDR, /* nothing to probe: the name has no address */
};

struct mxlb_health_table_entry {
	uint32_t seq;  /* odd while the checker writes the entry */
	uint8_t proto; /* enum mxlb_health_conf_proto */
	uint8_t state; /* of the check */
	uint8_t member_state;
	uint8_t last; /* enum mxlb_health_table_last */
	uint16_t port;
	uint16_t naddrs;     /* addresses probed */
	uint32_t fails;	     /* consecutive failed rounds */
	uint32_t oks;	     /* consecutive passed rounds */
	uint64_t last_time;  /* the last round's end, Unix seconds */
	uint64_t since_time; /* the last change of state, Unix seconds */
	char member[MXLB_HEALTH_TABLE_MEMBER];
	char result[MXLB_HEALTH_TABLE_RESULT]; /* "smtp 198.18.2.12:25: greeting 421" */
};

struct mxlb_health_table {
	uint32_t layout; /* MXLB_HEALTH_TABLE_LAYOUT; 0 while being set up */
	uint32_t entry_size;
	int32_t pid; /* the checker */
	uint32_t n;  /* entries */
	uint64_t start_time;
	char config[MXLB_HEALTH_TABLE_PATH];
	struct mxlb_health_table_entry e[];
};

size_t mxlb_health_table_size(unsigned n);
/* Sets up T (of mxlb_health_table_size(N) octets) for N checks. */
void mxlb_health_table_init(struct mxlb_health_table *t, unsigned n, int32_t pid,
			    const char *config, uint64_t now);
void mxlb_health_table_put(struct mxlb_health_table *t, unsigned i,
			   const struct mxlb_health_table_entry *src);
/* A consistent copy of entry I; false when the table is not ready. */
bool mxlb_health_table_get(const struct mxlb_health_table *t, unsigned i,
			   struct mxlb_health_table_entry *dst);
const char *mxlb_health_table_state_name(uint8_t state);

/* The reply TEXT of `pools` (JSON when JSON) with the results of T beside
 * every member they match (exchange or target name, or address); ALIVE:
 * whether the checker still runs. Returns a malloc'd string, or NULL when
 * out of memory. */
char *mxlb_health_table_annotate(const struct mxlb_health_table *t, const char *text, bool json,
				 bool alive);

#endif

/* Every name and layout that mxlbd (the DPDK primary) and mxlbctl (a
 * secondary attached with the same --file-prefix) both use (DESIGN §5):
 *
 *   request ring   mxlbctl -> mxlbd, one message per command
 *   response ring  mxlbd -> mxlbctl, the reply in one or more chunks
 *   message pool   the fixed-size plain-data messages both rings carry
 *   stats memzone  mxlbd's identity, the control lock, and the counters the
 *                  workers write in place, which mxlbctl reads directly
 *
 * The rings are single-producer, single-consumer: mxlbd is the only consumer
 * of requests and the only producer of replies, and only the mxlbctl that
 * holds the control lock (ctl_pid below) produces requests and consumes
 * replies. */
#ifndef MXLB_SHARED_H
#define MXLB_SHARED_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_config.h>

#include "runtime/counters.h"
#include "runtime/xdp.h"
#include "worker.h"

#define MXLB_SHARED_RING_REQ "mxlb_ctl_req"
#define MXLB_SHARED_RING_RSP "mxlb_ctl_rsp"
#define MXLB_SHARED_MSG_POOL "mxlb_ctl_msg"
#define MXLB_SHARED_STATS    "mxlb_stats"

#define MXLB_SHARED_REQ_RING_SIZE 16 /* one command at a time under the lock */
#define MXLB_SHARED_RSP_RING_SIZE 64 /* reply chunks in flight */
/* Messages in the pool: a full response ring plus the request. The pool has
 * no per-lcore cache, so that a message put back by an mxlbctl that exits is
 * at once visible to every other process. */
#define MXLB_SHARED_MSG_COUNT 127
#define MXLB_SHARED_MSG_SIZE  4096 /* octets per message, header included */
#define MXLB_SHARED_ARGS_MAX  16   /* words of a request (= a journal record) */

/* The mxlb_shared_msg.kind of a message. */
enum {
	MXLB_SHARED_MSG_REQUEST = 1,
	MXLB_SHARED_MSG_REPLY = 2,
};

/* mxlb_shared_msg.flags of a reply chunk: more chunks of the reply follow. */
#define MXLB_SHARED_MSG_MORE 0x1u

/* The status of a reply: mxlbctl's exit status. */
enum {
	MXLB_SHARED_STATUS_OK = 0,	/* done, or nothing to change */
	MXLB_SHARED_STATUS_REFUSED = 1, /* refused or bad command: nothing applied */
};

#define MXLB_SHARED_MSG_HDR  24
#define MXLB_SHARED_MSG_TEXT (MXLB_SHARED_MSG_SIZE - MXLB_SHARED_MSG_HDR)

/* One message. A request holds ARGC command words in TEXT, each ended by a
 * NUL, LEN octets in all. A reply chunk holds LEN octets of the reply's text
 * (not NUL-terminated); the chunk without MXLB_SHARED_MSG_MORE ends the
 * reply and carries its status. Replies echo the request's SEQ, so that a
 * reply to an earlier mxlbctl that gave up waiting is recognised and
 * dropped. */
struct mxlb_shared_msg {
	uint32_t seq;	/* request number, from mxlb_shared_stats.ctl_seq */
	uint16_t kind;	/* MXLB_SHARED_MSG_REQUEST or _REPLY */
	uint16_t flags; /* MXLB_SHARED_MSG_MORE */
	int32_t pid;	/* request: the sender, which holds the control lock */
	int32_t status; /* last reply chunk: MXLB_SHARED_STATUS_* */
	uint16_t argc;	/* request: number of words */
	uint16_t len;	/* octets of TEXT in use */
	uint32_t pad;
	char text[MXLB_SHARED_MSG_TEXT];
};

_Static_assert(sizeof(struct mxlb_shared_msg) == MXLB_SHARED_MSG_SIZE,
	       "mxlb_shared_msg must fill MXLB_SHARED_MSG_SIZE");
_Static_assert(offsetof(struct mxlb_shared_msg, text) == MXLB_SHARED_MSG_HDR,
	       "MXLB_SHARED_MSG_HDR is the offset of text");

/* Version of struct mxlb_shared_stats. Bump it whenever the layout, or
 * struct mxlb_counters or struct mxlb_worker_stats inside it, changes. */
#define MXLB_SHARED_STATS_LAYOUT 2

/* Workers the stats memzone has room for. */
#define MXLB_SHARED_WORKERS_MAX RTE_MAX_LCORE

/* The counters of worker k. CNT and ENG are written in place by the worker
 * lcore alone, as plain fields; mxlbctl reads them racily. */
struct mxlb_shared_worker {
	struct mxlb_counters cnt; /* frames: rx, tx, verdicts */
	struct mxlb_worker eng;	  /* engine state; eng.stats: DNS counters */
	uint32_t lcore;		  /* lcore id of the worker */
} __rte_cache_aligned;

/* The stats memzone, MXLB_SHARED_STATS. mxlbd writes LAYOUT last, once the
 * rings and the message pool exist: until then the memzone is not ready. */
struct mxlb_shared_stats {
	uint32_t layout;     /* MXLB_SHARED_STATS_LAYOUT, or 0 while starting */
	uint32_t size;	     /* sizeof(struct mxlb_shared_stats) */
	int32_t pid;	     /* mxlbd */
	int32_t ctl_pid;     /* the mxlbctl holding the control lock; 0 = free */
	uint32_t ctl_seq;    /* last request number given out */
	uint32_t nworkers;   /* workers[0 .. nworkers) */
	uint64_t start_time; /* mxlbd's start, seconds since the epoch */
	uint64_t version;    /* version of the image the workers answer from */
	uint32_t nxdp;	     /* xdp[0 .. nxdp): the net_af_xdp ports that steer */
	uint32_t xdp_pad;
	struct mxlb_xdp_shared xdp[MXLB_XDP_PORTS_MAX]; /* dns_steer's counters (xdp.h) */
	struct mxlb_shared_worker workers[MXLB_SHARED_WORKERS_MAX];
};

#endif

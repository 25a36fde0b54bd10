/* The control service of the main lcore. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_lcore.h>

#include "ctl.h"
#include "edit.h"
#include "publish.h"
#include "replay.h"
#include "show.h"
#include "stats.h"

/* Pause between two polls of an empty ring, or of a full one. */
#define MXLB_CTL_POLL_NS 100000L
/* The pause once no request came for MXLB_CTL_DOZE_AFTER polls (about a
 * second). Measured on a VM: a wake-up every 100 us costs the main lcore's
 * thread 10 to 13% of a core, every 1 ms about 3%, every 10 ms under 1%.
 * Scripted changes (mxlbctl calls one after the other, the health
 * checker's transitions) keep the short pause. */
#define MXLB_CTL_DOZE_NS    10000000L
#define MXLB_CTL_DOZE_AFTER 10000
/* How long a reply may wait for room in the response ring or the message
 * pool before it is abandoned (mxlbctl gives up after as long). */
#define MXLB_CTL_SEND_TIMEOUT_NS (10 * 1000000000LL)

/* Room for one message: an engine message, or one naming the journal. */
#define MXLB_CTL_MSG 8192

static void mxlb_ctl_sleep(long ns)
{
	const struct timespec ts = {.tv_sec = 0, .tv_nsec = ns};

	nanosleep(&ts, NULL);
}

static void mxlb_ctl_pause(void)
{
	mxlb_ctl_sleep(MXLB_CTL_POLL_NS);
}

static int64_t mxlb_ctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int mxlb_ctl_init(struct mxlb_ctl *c)
{
	const int socket = (int)rte_socket_id();

	memset(&c->reply, 0, sizeof(c->reply));
	c->req = rte_ring_create(MXLB_SHARED_RING_REQ, MXLB_SHARED_REQ_RING_SIZE, socket,
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (c->req == NULL) {
		fprintf(stderr, "mxlbd: control ring %s: rte_ring_create: %s\n",
			MXLB_SHARED_RING_REQ, rte_strerror(rte_errno));
		return -rte_errno;
	}
	c->rsp = rte_ring_create(MXLB_SHARED_RING_RSP, MXLB_SHARED_RSP_RING_SIZE, socket,
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (c->rsp == NULL) {
		fprintf(stderr, "mxlbd: control ring %s: rte_ring_create: %s\n",
			MXLB_SHARED_RING_RSP, rte_strerror(rte_errno));
		return -rte_errno;
	}
	c->pool = rte_mempool_create(MXLB_SHARED_MSG_POOL, MXLB_SHARED_MSG_COUNT,
				     sizeof(struct mxlb_shared_msg), 0, 0, NULL, NULL, NULL, NULL,
				     socket, 0);
	if (c->pool == NULL) {
		fprintf(stderr, "mxlbd: control message pool %s: rte_mempool_create: %s\n",
			MXLB_SHARED_MSG_POOL, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

void mxlb_ctl_fini(struct mxlb_ctl *c)
{
	rte_ring_free(c->req);
	rte_ring_free(c->rsp);
	rte_mempool_free(c->pool);
	c->req = NULL;
	c->rsp = NULL;
	c->pool = NULL;
	mxlb_text_free(&c->reply);
}

/* Whether the mxlbctl PID that sent a request still waits for its reply:
 * it holds the control lock and exists. */
static bool mxlb_ctl_client_waits(const struct mxlb_ctl *c, int32_t pid)
{
	if (__atomic_load_n(&c->stats->ctl_pid, __ATOMIC_ACQUIRE) != pid)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* Sends LEN octets of TEXT as the reply to request SEQ of PID, in chunks,
 * the last one with STATUS. Waits for room while the client waits, up to
 * MXLB_CTL_SEND_TIMEOUT_NS without progress. */
static void mxlb_ctl_send(struct mxlb_ctl *c, uint32_t seq, int32_t pid, int status,
			  const char *text, size_t len)
{
	int64_t deadline = mxlb_ctl_now_ns() + MXLB_CTL_SEND_TIMEOUT_NS;
	struct mxlb_shared_msg *m = NULL;
	size_t n;

	if (!mxlb_ctl_client_waits(c, pid))
		goto abandon;
	do {
		while (m == NULL && rte_mempool_get(c->pool, (void **)&m) != 0) {
			m = NULL;
			if (mxlb_ctl_now_ns() > deadline || !mxlb_ctl_client_waits(c, pid))
				goto abandon;
			mxlb_ctl_pause();
		}
		n = len < MXLB_SHARED_MSG_TEXT ? len : MXLB_SHARED_MSG_TEXT;
		memset(m, 0, MXLB_SHARED_MSG_HDR);
		m->seq = seq;
		m->kind = MXLB_SHARED_MSG_REPLY;
		m->flags = n < len ? MXLB_SHARED_MSG_MORE : 0;
		m->pid = pid;
		m->status = status;
		m->len = (uint16_t)n;
		memcpy(m->text, text, n);
		while (rte_ring_enqueue(c->rsp, m) != 0) {
			if (mxlb_ctl_now_ns() > deadline || !mxlb_ctl_client_waits(c, pid)) {
				rte_mempool_put(c->pool, m);
				goto abandon;
			}
			mxlb_ctl_pause();
		}
		m = NULL;
		text += n;
		len -= n;
		deadline = mxlb_ctl_now_ns() + MXLB_CTL_SEND_TIMEOUT_NS;
	} while (len > 0);
	return;
abandon:
	printf("mxlbd: control: reply to request %" PRIu32 " of mxlbctl pid %" PRId32
	       " abandoned: the client stopped reading\n",
	       seq, pid);
	fflush(stdout);
}

/* One audit line: time, version, command, result. */
static void mxlb_ctl_audit(uint64_t version, int argc, const char *const *argv, bool accepted,
			   const char *msg)
{
	struct mxlb_text cmd = {0};
	char when[32];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	mxlb_text_words(&cmd, argc, argv);
	printf("mxlbd: audit %s version %" PRIu64 " %s %s: %s\n", when, version,
	       mxlb_text_str(&cmd), accepted ? "accepted" : "refused", msg);
	fflush(stdout);
	mxlb_text_free(&cmd);
}

/* Makes NEXT the image of the workers: pointer swap, grace period, then the
 * base patch of NEXT and the parts of the old image NEXT does not share are
 * freed. */
static void mxlb_ctl_publish(struct mxlb_ctl *c, struct mxlb_image *next)
{
	struct mxlb_image *old = c->img;

	mxlb_publish_set(next);
	mxlb_publish_sync();
	mxlb_image_commit(next);
	mxlb_image_retire(old, next);
	c->img = next;
	mxlb_stats_set_version(c->stats, next->version);
}

/* member, weight, drain, undrain, down, up. */
static int mxlb_ctl_change(struct mxlb_ctl *c, int argc, const char *const *argv)
{
	struct mxlb_image *cur = c->img, *next = NULL;
	char msg[MXLB_CTL_MSG];
	int rc;

	msg[0] = '\0';
	rc = mxlb_edit_apply(cur, argc, argv, &next, msg, sizeof(msg));
	if (rc < 0) {
		mxlb_ctl_audit(cur->version, argc, argv, false, msg);
		mxlb_text_printf(&c->reply, "refused: %s\n", msg);
		return MXLB_SHARED_STATUS_REFUSED;
	}
	if (rc == MXLB_EDIT_NOCHANGE) {
		char line[MXLB_CTL_MSG + 16];

		snprintf(line, sizeof(line), "unchanged: %s", msg);
		mxlb_ctl_audit(cur->version, argc, argv, true, line);
		mxlb_text_printf(&c->reply, "version %" PRIu64 ": %s\n", cur->version, line);
		return MXLB_SHARED_STATUS_OK;
	}
	if (c->journal != NULL) {
		rc = mxlb_journal_append(c->journal, argc, argv);
		if (rc < 0) {
			mxlb_image_discard(next, cur);
			snprintf(msg, sizeof(msg),
				 "cannot journal the change: %s: %s; nothing applied",
				 c->journal->path, strerror(-rc));
			mxlb_ctl_audit(cur->version, argc, argv, false, msg);
			mxlb_text_printf(&c->reply, "refused: %s\n", msg);
			return MXLB_SHARED_STATUS_REFUSED;
		}
	}
	mxlb_ctl_publish(c, next);
	mxlb_ctl_audit(next->version, argc, argv, true, msg);
	mxlb_text_printf(&c->reply, "%s\n", msg);
	return MXLB_SHARED_STATUS_OK;
}

/* Whether FILE names one of the --zone files: the same string, or the same
 * file after resolving both. */
static bool mxlb_ctl_is_zone(const struct mxlb_ctl *c, const char *file)
{
	char a[PATH_MAX], b[PATH_MAX];
	bool have = realpath(file, a) != NULL;
	size_t i;

	for (i = 0; i < c->nzones; i++) {
		if (strcmp(file, c->zones[i]) == 0)
			return true;
		if (have && realpath(c->zones[i], b) != NULL && strcmp(a, b) == 0)
			return true;
	}
	return false;
}

/* Zone-load notes of a reload go into its reply. */
static void mxlb_ctl_load_note(void *arg, const char *msg)
{
	struct mxlb_ctl *c = arg;

	mxlb_text_printf(&c->reply, "note: %s\n", msg);
}

static int mxlb_ctl_reload_refuse(struct mxlb_ctl *c, int argc, const char *const *argv,
				  const char *why)
{
	char msg[MXLB_CTL_MSG];

	snprintf(msg, sizeof(msg), "zone reload failed: %s; still serving version %" PRIu64, why,
		 c->img->version);
	mxlb_ctl_audit(c->img->version, argc, argv, false, msg);
	mxlb_text_reset(&c->reply);
	mxlb_text_printf(&c->reply, "%s\n", msg);
	return MXLB_SHARED_STATUS_REFUSED;
}

/* zone reload [FILE]: every --zone file again, then the journal over them.
 * The reloaded image is one new version. */
static int mxlb_ctl_reload(struct mxlb_ctl *c, int argc, const char *const *argv)
{
	struct mxlb_replay r = {0};
	struct mxlb_image_opts io = c->io;
	struct mxlb_image *fresh = NULL;
	char err[MXLB_CTL_MSG], msg[MXLB_CTL_MSG];
	uint64_t version = c->img->version + 1;
	uint32_t zones;
	int rc;

	if (argc < 2 || argc > 3 || strcmp(argv[1], "reload") != 0) {
		mxlb_text_printf(&c->reply, "usage: zone reload [FILE]\n");
		return MXLB_SHARED_STATUS_REFUSED;
	}
	if (argc == 3 && !mxlb_ctl_is_zone(c, argv[2])) {
		snprintf(err, sizeof(err),
			 "%s is not one of the --zone files mxlbd was started with", argv[2]);
		return mxlb_ctl_reload_refuse(c, argc, argv, err);
	}
	io.log = mxlb_ctl_load_note;
	io.log_arg = c;
	err[0] = '\0';
	rc = mxlb_image_load(&fresh, c->zones, c->nzones, &io, err, sizeof(err));
	if (rc < 0) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s", strerror(-rc));
		return mxlb_ctl_reload_refuse(c, argc, argv, err);
	}
	if (c->journal != NULL) {
		r.img = fresh;
		rc = mxlb_replay_again(&r, c->journal);
		fresh = r.img;
		if (rc < 0) {
			mxlb_image_free(fresh);
			rc = mxlb_ctl_reload_refuse(c, argc, argv, r.err);
			mxlb_replay_fini(&r);
			return rc;
		}
	}
	fresh->version = version;
	zones = mxlb_image_zone_count(fresh);
	snprintf(msg, sizeof(msg),
		 "version %" PRIu64 ": reloaded %u zone%s (%" PRIu64
		 " names, %u pools); journal: %s",
		 version, zones, zones == 1 ? "" : "s", mxlb_image_name_count(fresh),
		 mxlb_image_pool_count(fresh),
		 c->journal == NULL ? "none (changes made with mxlbctl since start are gone)" : "");
	if (c->journal != NULL)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			 "%" PRIu64 " change%s kept, %" PRIu64 " dropped", r.kept,
			 r.kept == 1 ? "" : "s", r.dropped);
	mxlb_ctl_publish(c, fresh);
	mxlb_ctl_audit(version, argc, argv, true, msg);
	/* The zone-load notes are in the reply already: the summary goes first. */
	{
		struct mxlb_text notes = c->reply;

		memset(&c->reply, 0, sizeof(c->reply));
		mxlb_text_printf(&c->reply, "%s\n", msg);
		mxlb_text_printf(&c->reply, "%s", mxlb_text_str(&notes));
		mxlb_text_free(&notes);
	}
	mxlb_text_printf(&c->reply, "%s", mxlb_text_str(&r.report));
	if (r.note[0] != '\0')
		mxlb_text_printf(&c->reply, "note: %s\n", r.note);
	mxlb_replay_fini(&r);
	return MXLB_SHARED_STATUS_OK;
}

/* Takes the "--json" words out of ARGV; returns whether there was one. */
static bool mxlb_ctl_json(int *argc, const char **argv)
{
	bool json = false;
	int i, o = 0;

	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			argv[o++] = argv[i];
	}
	*argc = o;
	return json;
}

static int mxlb_ctl_status(struct mxlb_ctl *c, int argc, const char **argv)
{
	bool json = mxlb_ctl_json(&argc, argv);
	struct mxlb_show_status s = {
	    .img = c->img,
	    .pid = c->stats->pid,
	    .uptime = (uint64_t)time(NULL) - c->stats->start_time,
	    .nworkers = c->nworkers,
	    .lcores = c->lcores,
	    .journal = c->journal != NULL ? c->journal->path : NULL,
	    .journal_records = c->journal != NULL ? c->journal->records : 0,
	};

	if (argc != 1) {
		mxlb_text_printf(&c->reply, "usage: status [--json]\n");
		return MXLB_SHARED_STATUS_REFUSED;
	}
	mxlb_show_status(&c->reply, &s, json);
	return MXLB_SHARED_STATUS_OK;
}

/* A read-only command's refusal: the reason alone in the reply, one line. */
static int mxlb_ctl_shown(struct mxlb_ctl *c, int rc)
{
	if (rc == 0)
		return MXLB_SHARED_STATUS_OK;
	mxlb_text_printf(&c->reply, "\n");
	return MXLB_SHARED_STATUS_REFUSED;
}

static int mxlb_ctl_dispatch(struct mxlb_ctl *c, int argc, const char **argv)
{
	bool json;

	if (strcmp(argv[0], "status") == 0)
		return mxlb_ctl_status(c, argc, argv);
	if (strcmp(argv[0], "pools") == 0) {
		json = mxlb_ctl_json(&argc, argv);
		return mxlb_ctl_shown(c,
				      mxlb_show_pools(&c->reply, c->img, argc - 1, argv + 1, json));
	}
	if (strcmp(argv[0], "preview") == 0) {
		json = mxlb_ctl_json(&argc, argv);
		return mxlb_ctl_shown(c, mxlb_show_preview(&c->reply, c->img, c->lcores,
							   c->nworkers, argc - 1, argv + 1, json));
	}
	if (strcmp(argv[0], "zone") == 0)
		return mxlb_ctl_reload(c, argc, argv);
	if (mxlb_edit_is_change(argc, argv))
		return mxlb_ctl_change(c, argc, argv);
	mxlb_text_printf(&c->reply, "unknown command '%s'\n", argv[0]);
	return MXLB_SHARED_STATUS_REFUSED;
}

/* The words of request M, copied into WORDS. Returns their number, or -1
 * when the request is malformed. */
static int mxlb_ctl_words(const struct mxlb_shared_msg *m, char *words, const char **argv)
{
	size_t off = 0, n;
	int argc = 0;

	if (m->kind != MXLB_SHARED_MSG_REQUEST || m->argc == 0 || m->argc > MXLB_SHARED_ARGS_MAX ||
	    m->len > MXLB_SHARED_MSG_TEXT)
		return -1;
	memcpy(words, m->text, m->len);
	while (off < m->len && argc < m->argc) {
		n = strnlen(words + off, m->len - off);
		if (off + n == m->len)
			return -1; /* no NUL */
		argv[argc++] = words + off;
		off += n + 1;
	}
	return argc == m->argc && off == m->len ? argc : -1;
}

/* Answers one request and gives its message back to the pool. */
static void mxlb_ctl_handle(struct mxlb_ctl *c, struct mxlb_shared_msg *m)
{
	static char words[MXLB_SHARED_MSG_TEXT];
	const char *argv[MXLB_SHARED_ARGS_MAX + 1];
	const uint32_t seq = m->seq;
	const int32_t pid = m->pid;
	int argc, status;

	argc = mxlb_ctl_words(m, words, argv);
	rte_mempool_put(c->pool, m);
	mxlb_text_reset(&c->reply);
	/* An mxlbctl that gave up waiting has told its user that mxlbd did not
	 * answer: its request is not carried out. */
	if (!mxlb_ctl_client_waits(c, pid)) {
		printf("mxlbd: control: request %" PRIu32 " of mxlbctl pid %" PRId32
		       " dropped: the client stopped waiting\n",
		       seq, pid);
		fflush(stdout);
		return;
	}
	if (argc < 0) {
		mxlb_text_printf(&c->reply, "malformed request (mxlbctl and mxlbd from "
					    "different builds?)\n");
		status = MXLB_SHARED_STATUS_REFUSED;
	} else {
		argv[argc] = NULL;
		status = mxlb_ctl_dispatch(c, argc, argv);
	}
	if (c->reply.oom) {
		mxlb_text_reset(&c->reply);
		mxlb_text_printf(&c->reply, "reply: %s\n", strerror(ENOMEM));
		if (c->reply.oom) {
			mxlb_ctl_send(c, seq, pid, status, "out of memory\n", 14);
			return;
		}
	}
	mxlb_ctl_send(c, seq, pid, status, mxlb_text_str(&c->reply), c->reply.len);
}

void mxlb_ctl_run(struct mxlb_ctl *c, const volatile bool *quit)
{
	unsigned idle = 0;
	void *m;

	while (!*quit) {
		if (rte_ring_dequeue(c->req, &m) != 0) {
			if (idle < MXLB_CTL_DOZE_AFTER)
				idle++;
			mxlb_ctl_sleep(idle < MXLB_CTL_DOZE_AFTER ? MXLB_CTL_POLL_NS
								  : MXLB_CTL_DOZE_NS);
			continue;
		}
		idle = 0;
		mxlb_ctl_handle(c, m);
	}
}

/* mxlbd's side of the XDP steering program, through libbpf (see xdp.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dns_steer.skel.h"
#include "xdp.h"

_Static_assert(MXLB_ADDR_MAX <= DNS_STEER_ADDRS_MAX, "dns_steer address maps hold every --ip");
_Static_assert(DNS_STEER_COUNTER_MAX <= MXLB_XDP_COUNTERS_MAX, "mxlb_xdp_shared holds them all");

static const char *const mxlb_xdp_counters[DNS_STEER_COUNTER_MAX] = DNS_STEER_COUNTER_NAMES;

const char *mxlb_xdp_counter_name(unsigned i)
{
	return i < DNS_STEER_COUNTER_MAX ? mxlb_xdp_counters[i] : "?";
}

static int mxlb_xdp_fail(const struct mxlb_xdp_port *p, const char *what, int err)
{
	if (p != NULL)
		fprintf(stderr, "mxlbd: xdp %s (%s): %s: %s\n", p->ifname, p->vdev, what,
			strerror(-err));
	else
		fprintf(stderr, "mxlbd: xdp: %s: %s\n", what, strerror(-err));
	return err;
}

/* --------------------------------------------------------------- arguments */

/* Value of KEY in the "name,key=value,..." devargs ARGS, copied into BUF of
 * LEN octets. Returns whether KEY is there. */
static bool mxlb_xdp_devarg(const char *args, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = strchr(args, ',');
	size_t n;

	while (p != NULL) {
		p++;
		n = strcspn(p, ",");
		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			if (buf != NULL)
				snprintf(buf, len, "%.*s", (int)(n - klen - 1), p + klen + 1);
			return true;
		}
		p = strchr(p, ',');
	}
	return false;
}

/* The --vdev value VAL (argument I of X->argv, behind PREFIX): records it
 * when it is a net_af_xdp device and adds xdp_prog=PROG where steering
 * applies. */
static int mxlb_xdp_vdev(struct mxlb_xdp *x, int i, const char *prefix, const char *val,
			 const char *prog)
{
	size_t name_len = strcspn(val, ",");
	struct mxlb_xdp_port *p;
	char *s;

	if (strncmp(val, MXLB_XDP_VDEV, strlen(MXLB_XDP_VDEV)) != 0)
		return 0;
	if (x->n >= MXLB_XDP_PORTS_MAX)
		return mxlb_xdp_fail(NULL, "too many net_af_xdp devices", -ENOSPC);
	p = &x->port[x->n];
	snprintf(p->vdev, sizeof(p->vdev), "%.*s", (int)name_len, val);
	if (!mxlb_xdp_devarg(val, "iface", p->ifname, sizeof(p->ifname)))
		return 0; /* the PMD says what is missing */
	x->n++;
	if (!x->on)
		return 0;
	if (mxlb_xdp_devarg(val, "xdp_prog", NULL, 0)) {
		printf("mxlbd: xdp %s (%s): its own xdp_prog is used; not steered by mxlbd\n",
		       p->ifname, p->vdev);
		return 0;
	}
	if (asprintf(&s, "%s%s,xdp_prog=%s", prefix, val, prog) < 0)
		return mxlb_xdp_fail(p, "asprintf", -ENOMEM);
	x->owned[i] = s;
	x->argv[i] = s;
	p->steer = true;
	return 0;
}

int mxlb_xdp_args(struct mxlb_xdp *x, bool on, int argc, char *const *argv, const char *prog)
{
	static const char opt[] = "--vdev";
	unsigned k;
	int i, ret = 0;

	memset(x, 0, sizeof(*x));
	x->obj_fd = -1;
	for (k = 0; k < MXLB_XDP_PORTS_MAX; k++) {
		struct mxlb_xdp_port *p = &x->port[k];

		p->prog_fd = p->cfg_fd = p->addr4_fd = p->addr6_fd = p->stats_fd = -1;
	}
	x->inited = true;
	x->on = on;
	x->argc = argc;
	x->argv = calloc((size_t)argc + 1, sizeof(*x->argv));
	x->owned = calloc((size_t)argc + 1, sizeof(*x->owned));
	if (x->argv == NULL || x->owned == NULL)
		return mxlb_xdp_fail(NULL, "arguments", -ENOMEM);
	memcpy(x->argv, argv, (size_t)argc * sizeof(*argv));
	/* EAL takes --vdev=VALUE and --vdev VALUE (getopt_long). */
	for (i = 1; ret == 0 && i < argc; i++) {
		if (strncmp(argv[i], opt, sizeof(opt) - 1) == 0 && argv[i][sizeof(opt) - 1] == '=')
			ret = mxlb_xdp_vdev(x, i, "--vdev=", argv[i] + sizeof(opt), prog);
		else if (strcmp(argv[i], opt) == 0 && i + 1 < argc) {
			i++;
			ret = mxlb_xdp_vdev(x, i, "", argv[i], prog);
		}
	}
	return ret;
}

/* ----------------------------------------------------------- kernel objects */

static int mxlb_xdp_prog_info(int fd, struct bpf_prog_info *info, uint32_t *map_ids, uint32_t nmaps)
{
	uint32_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (map_ids != NULL) {
		info->nr_map_ids = nmaps;
		info->map_ids = (uint64_t)(uintptr_t)map_ids;
	}
	return bpf_obj_get_info_by_fd(fd, info, &len) != 0 ? -errno : 0;
}

/* The programs attached to IFINDEX: in native (driver) mode and in generic
 * (skb) mode, with the flag that names the mode to bpf_xdp_detach. */
struct mxlb_xdp_attached {
	uint32_t id[2];
	uint32_t mode[2];
};

static int mxlb_xdp_attached(const struct mxlb_xdp_port *p, struct mxlb_xdp_attached *a)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ret;

	ret = bpf_xdp_query((int)p->ifindex, 0, &q);
	if (ret != 0)
		return mxlb_xdp_fail(p, "bpf_xdp_query", ret);
	a->id[0] = q.drv_prog_id;
	a->mode[0] = XDP_FLAGS_DRV_MODE;
	a->id[1] = q.skb_prog_id;
	a->mode[1] = XDP_FLAGS_SKB_MODE;
	return 0;
}

/* Detaches program FD (attached in MODE) from P's interface, unless another
 * one has replaced it meanwhile. */
static int mxlb_xdp_detach(const struct mxlb_xdp_port *p, int fd, uint32_t mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = fd);
	int ret;

	ret = bpf_xdp_detach((int)p->ifindex, mode | XDP_FLAGS_REPLACE, &o);
	return ret != 0 ? mxlb_xdp_fail(p, "bpf_xdp_detach", ret) : 0;
}

/* Whether the fdinfo text BUF of a file descriptor names a BPF program or
 * map of IDS (N of them), as "prog_id:\tID" or "map_id:\tID". */
static bool mxlb_xdp_fdinfo_has(const char *buf, const uint32_t *ids, uint32_t n)
{
	static const char *const keys[] = {"\nprog_id:\t", "\nmap_id:\t"};
	const char *p;
	unsigned long id;
	uint32_t i;
	unsigned k;

	for (k = 0; k < 2; k++) {
		p = strstr(buf, keys[k]);
		if (p == NULL)
			continue;
		id = strtoul(p + strlen(keys[k]), NULL, 10);
		for (i = 0; i < n; i++)
			if (id == ids[i])
				return true;
	}
	return false;
}

/* Whether a process holds a file descriptor of the program or of one of
 * the maps in IDS (N of them; the program's first). A program attached
 * through netlink and held by no descriptor has been left behind: libxdp,
 * for one, keeps both the program and its xsks_map open as long as one of
 * its AF_XDP sockets lives. (sock_diag could list the sockets, but not every
 * kernel is built with it.) */
static bool mxlb_xdp_held(const uint32_t *ids, uint32_t n)
{
	char path[64], self[16], buf[1024];
	struct dirent *pe, *fe;
	DIR *proc, *fds;
	bool held = false;
	ssize_t len;
	int fd;

	proc = opendir("/proc");
	if (proc == NULL)
		return true;				   /* cannot tell: take it as held */
	snprintf(self, sizeof(self), "%d", (int)getpid()); /* holds FD just now */
	while (!held && (pe = readdir(proc)) != NULL) {
		if (pe->d_name[0] < '1' || pe->d_name[0] > '9' || strcmp(pe->d_name, self) == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/fdinfo", pe->d_name);
		fds = opendir(path);
		if (fds == NULL)
			continue; /* gone meanwhile */
		while (!held && (fe = readdir(fds)) != NULL) {
			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%.16s/fdinfo/%.16s", pe->d_name,
				 fe->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			buf[0] = '\n';
			len = read(fd, buf + 1, sizeof(buf) - 2);
			close(fd);
			if (len <= 0)
				continue;
			buf[len + 1] = '\0';
			held = mxlb_xdp_fdinfo_has(buf, ids, n);
		}
		closedir(fds);
	}
	closedir(proc);
	return held;
}

/* Whether the program FD (INFO), attached to P's interface, was left behind
 * by a run that ended without detaching it (killed, crashed): dns_steer, or
 * libxdp's default XSK program, which the PMD attaches with --no-xdp-steer,
 * that no process holds any more. (A running mxlbd holds dns_steer and its
 * maps; libxdp holds its program as long as one of its sockets lives.) */
static bool mxlb_xdp_stale(int fd, const struct bpf_prog_info *info)
{
	uint32_t ids[1 + 16];
	struct bpf_prog_info mi;

	if (strcmp(info->name, DNS_STEER_PROG_NAME) != 0 &&
	    strcmp(info->name, MXLB_XDP_LIBXDP_PROG) != 0)
		return false;
	ids[0] = info->id;
	if (mxlb_xdp_prog_info(fd, &mi, ids + 1, 16) != 0)
		return false;
	return !mxlb_xdp_held(ids, 1 + (mi.nr_map_ids < 16 ? mi.nr_map_ids : 16));
}

/* A program left on P's interface by an earlier run (mxlb_xdp_stale) is
 * detached: the PMD only attaches to an interface without one. Another
 * program is left alone, but steering cannot start beside it. */
static int mxlb_xdp_clear(const struct mxlb_xdp *x, const struct mxlb_xdp_port *p)
{
	struct mxlb_xdp_attached a;
	struct bpf_prog_info info;
	unsigned k;
	int fd, ret;

	ret = mxlb_xdp_attached(p, &a);
	for (k = 0; ret == 0 && k < 2; k++) {
		if (a.id[k] == 0)
			continue;
		fd = bpf_prog_get_fd_by_id(a.id[k]);
		if (fd < 0)
			return mxlb_xdp_fail(p, "bpf_prog_get_fd_by_id", -errno);
		ret = mxlb_xdp_prog_info(fd, &info, NULL, 0);
		if (ret != 0) {
			mxlb_xdp_fail(p, "bpf_obj_get_info_by_fd", ret);
		} else if (mxlb_xdp_stale(fd, &info)) {
			ret = mxlb_xdp_detach(p, fd, a.mode[k]);
			if (ret == 0)
				printf("mxlbd: xdp %s (%s): detached %s (prog id %u) left by an "
				       "earlier run\n",
				       p->ifname, p->vdev, info.name, a.id[k]);
		} else if (x->on && p->steer) {
			fprintf(stderr,
				"mxlbd: xdp %s (%s): XDP program %s (prog id %u) is attached%s; "
				"the af_xdp PMD attaches %s only to an interface without one: "
				"remove it (ip link set dev %s xdp off) or give --no-xdp-steer\n",
				p->ifname, p->vdev, info.name, a.id[k],
				strcmp(info.name, DNS_STEER_PROG_NAME) == 0 ||
					strcmp(info.name, MXLB_XDP_LIBXDP_PROG) == 0
				    ? " and held by a running process"
				    : "",
				DNS_STEER_PROG_NAME, p->ifname);
			ret = -EBUSY;
		}
		close(fd);
	}
	return ret;
}

/* The program object, as the skeleton carries it, in a memfd that the PMD
 * opens by its /proc path. */
static int mxlb_xdp_object(int *fd)
{
	size_t len, off = 0;
	const char *elf = dns_steer_bpf__elf_bytes(&len);
	ssize_t n;

	*fd = memfd_create("dns_steer.bpf.o", MFD_CLOEXEC);
	if (*fd < 0)
		return mxlb_xdp_fail(NULL, "memfd_create", -errno);
	while (off < len) {
		n = write(*fd, elf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return mxlb_xdp_fail(NULL, "writing the program object",
					     n < 0 ? -errno : -EIO);
		off += (size_t)n;
	}
	return 0;
}

int mxlb_xdp_init(struct mxlb_xdp *x, bool on, int argc, char *const *argv)
{
	char path[sizeof(x->obj_path)] = "";
	int fd = -1;
	unsigned i;
	int ret = 0;

	if (on) {
		ret = mxlb_xdp_object(&fd);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ret == 0)
		ret = mxlb_xdp_args(x, on, argc, argv, path);
	else
		memset(x, 0, sizeof(*x));
	x->obj_fd = fd;
	x->inited = true;
	snprintf(x->obj_path, sizeof(x->obj_path), "%s", path);
	for (i = 0; ret == 0 && i < x->n; i++) {
		struct mxlb_xdp_port *p = &x->port[i];

		p->ifindex = if_nametoindex(p->ifname);
		if (p->ifindex == 0)
			return mxlb_xdp_fail(p, "no such interface", -ENODEV);
		ret = mxlb_xdp_clear(x, p);
	}
	return ret;
}

/* ------------------------------------------------------------- the program */

/* Keeps FD in the slot of P that the map name NAME calls for; closes it if
 * none does. */
static void mxlb_xdp_keep_map(struct mxlb_xdp_port *p, const char *name, int fd)
{
	static const char *const names[] = {DNS_STEER_MAP_CFG, DNS_STEER_MAP_ADDR4,
					    DNS_STEER_MAP_ADDR6, DNS_STEER_MAP_STATS};
	int *slots[] = {&p->cfg_fd, &p->addr4_fd, &p->addr6_fd, &p->stats_fd};
	unsigned k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strcmp(name, names[k]) == 0 && *slots[k] < 0) {
			*slots[k] = fd;
			return;
		}
	}
	close(fd);
}

/* Finds the maps of the program PROG_FD by their names. */
static int mxlb_xdp_maps(struct mxlb_xdp_port *p)
{
	uint32_t ids[16];
	struct bpf_prog_info info;
	struct bpf_map_info mi;
	uint32_t k, len;
	int fd, ret;

	ret = mxlb_xdp_prog_info(p->prog_fd, &info, ids, 16);
	if (ret != 0)
		return mxlb_xdp_fail(p, "bpf_obj_get_info_by_fd", ret);
	for (k = 0; k < info.nr_map_ids && k < 16; k++) {
		fd = bpf_map_get_fd_by_id(ids[k]);
		if (fd < 0)
			return mxlb_xdp_fail(p, "bpf_map_get_fd_by_id", -errno);
		memset(&mi, 0, sizeof(mi));
		len = sizeof(mi);
		if (bpf_obj_get_info_by_fd(fd, &mi, &len) != 0) {
			ret = -errno;
			close(fd);
			return mxlb_xdp_fail(p, "bpf_obj_get_info_by_fd (map)", ret);
		}
		mxlb_xdp_keep_map(p, mi.name, fd);
		if (strcmp(mi.name, DNS_STEER_MAP_STATS) == 0)
			p->stats_map_id = mi.id;
	}
	if (p->cfg_fd < 0 || p->addr4_fd < 0 || p->addr6_fd < 0 || p->stats_fd < 0)
		return mxlb_xdp_fail(p, "the attached " DNS_STEER_PROG_NAME " lacks its maps",
				     -ENOENT);
	return 0;
}

/* Finds dns_steer on P's interface, where the PMD attached it. */
static int mxlb_xdp_find(struct mxlb_xdp_port *p, const char **mode)
{
	struct mxlb_xdp_attached a;
	struct bpf_prog_info info;
	unsigned k;
	int fd, ret;

	ret = mxlb_xdp_attached(p, &a);
	for (k = 0; ret == 0 && k < 2; k++) {
		if (a.id[k] == 0)
			continue;
		fd = bpf_prog_get_fd_by_id(a.id[k]);
		if (fd < 0)
			return mxlb_xdp_fail(p, "bpf_prog_get_fd_by_id", -errno);
		if (mxlb_xdp_prog_info(fd, &info, NULL, 0) == 0 &&
		    strcmp(info.name, DNS_STEER_PROG_NAME) == 0) {
			p->prog_fd = fd;
			p->prog_id = a.id[k];
			*mode = a.mode[k] == XDP_FLAGS_DRV_MODE ? "native" : "generic";
			return mxlb_xdp_maps(p);
		}
		close(fd);
	}
	return ret != 0 ? ret : mxlb_xdp_fail(p, DNS_STEER_PROG_NAME " is not attached", -ENOENT);
}

static int mxlb_xdp_update(const struct mxlb_xdp_port *p, int fd, const void *key, const void *val)
{
	return bpf_map_update_elem(fd, key, val, BPF_ANY) != 0
		   ? mxlb_xdp_fail(p, "bpf_map_update_elem", -errno)
		   : 0;
}

/* Addresses first, the port last: the port turns steering on. */
static int mxlb_xdp_configure(const struct mxlb_xdp_port *p, const struct mxlb_addr *addrs,
			      size_t n, uint16_t port)
{
	struct dns_steer_cfg cfg = {.port = htons(port)};
	struct dns_steer_addr6 a6;
	const uint8_t one = 1;
	const uint32_t zero = 0;
	uint32_t a4;
	size_t i;
	int ret = 0;

	for (i = 0; ret == 0 && i < n; i++) {
		if (addrs[i].family == AF_INET) {
			memcpy(&a4, addrs[i].v4, sizeof(a4));
			ret = mxlb_xdp_update(p, p->addr4_fd, &a4, &one);
		} else {
			memcpy(a6.a, addrs[i].v6, sizeof(a6.a));
			ret = mxlb_xdp_update(p, p->addr6_fd, &a6, &one);
		}
	}
	return ret == 0 ? mxlb_xdp_update(p, p->cfg_fd, &zero, &cfg) : ret;
}

int mxlb_xdp_start(struct mxlb_xdp *x, const struct mxlb_addr *addrs, size_t n, uint16_t port)
{
	const char *mode = "";
	unsigned i;
	int ret;

	for (i = 0; i < x->n; i++) {
		struct mxlb_xdp_port *p = &x->port[i];

		if (!p->steer)
			continue;
		ret = mxlb_xdp_find(p, &mode);
		if (ret == 0)
			ret = mxlb_xdp_configure(p, addrs, n, port);
		if (ret != 0)
			return ret;
		printf("mxlbd: xdp %s (%s): %s prog id %u in %s mode steers UDP port %u of %zu "
		       "address(es); the rest goes to the kernel\n",
		       p->ifname, p->vdev, DNS_STEER_PROG_NAME, p->prog_id, mode, port, n);
	}
	return 0;
}

/* ---------------------------------------------------------------- counters */

/* Fills the DNS_STEER_COUNTER_MAX counters C from the per-CPU map FD. */
static int mxlb_xdp_read_fd(int fd, uint64_t *c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;
	uint32_t k;
	int i, ret = 0;

	if (ncpu <= 0)
		return ncpu < 0 ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (k = 0; k < DNS_STEER_COUNTER_MAX; k++) {
		c[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, v) != 0) {
			ret = -errno;
			break;
		}
		for (i = 0; i < ncpu; i++)
			c[k] += v[i];
	}
	free(v);
	return ret;
}

int mxlb_xdp_read(const struct mxlb_xdp_port *p, uint64_t *c)
{
	return p->stats_fd < 0 ? -ENOENT : mxlb_xdp_read_fd(p->stats_fd, c);
}

bool mxlb_xdp_port_steers(const struct mxlb_xdp *x, const char *name)
{
	unsigned i;

	if (!x->inited)
		return false;
	for (i = 0; i < x->n; i++)
		if (x->port[i].steer && strcmp(x->port[i].vdev, name) == 0)
			return true;
	return false;
}

void mxlb_xdp_share(const struct mxlb_xdp *x, struct mxlb_xdp_shared *out, uint32_t *n)
{
	unsigned i;

	*n = 0;
	for (i = 0; i < x->n; i++) {
		const struct mxlb_xdp_port *p = &x->port[i];
		struct mxlb_xdp_shared *s = &out[*n];

		if (p->stats_map_id == 0)
			continue;
		memset(s, 0, sizeof(*s));
		snprintf(s->ifname, sizeof(s->ifname), "%s", p->ifname);
		snprintf(s->vdev, sizeof(s->vdev), "%s", p->vdev);
		s->stats_map_id = p->stats_map_id;
		s->ncounters = DNS_STEER_COUNTER_MAX;
		(*n)++;
	}
}

void mxlb_xdp_read_shared(struct mxlb_xdp_shared *s, uint32_t n)
{
	uint32_t i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = bpf_map_get_fd_by_id(s[i].stats_map_id);
		if (fd < 0 || mxlb_xdp_read_fd(fd, s[i].c) != 0) {
			fprintf(stderr, "mxlbctl: xdp %.16s (%.64s): counter map id %u: %s\n",
				s[i].ifname, s[i].vdev, s[i].stats_map_id, strerror(errno));
			s[i].ncounters = 0;
		} else {
			s[i].ncounters = DNS_STEER_COUNTER_MAX;
		}
		if (fd >= 0)
			close(fd);
	}
}

void mxlb_xdp_print_shared(FILE *out, const struct mxlb_xdp_shared *s, uint32_t n,
			   enum mxlb_xdp_format format)
{
	uint32_t i, k;

	if (format == MXLB_XDP_PROMETHEUS && n > 0)
		fprintf(out, "# HELP mxlb_xdp_frames_total Frames the XDP program dns_steer saw on "
			     "a net_af_xdp port, by what became of them.\n"
			     "# TYPE mxlb_xdp_frames_total counter\n");
	for (i = 0; i < n; i++) {
		const struct mxlb_xdp_shared *p = &s[i];
		uint32_t nc =
		    p->ncounters < DNS_STEER_COUNTER_MAX ? p->ncounters : DNS_STEER_COUNTER_MAX;

		switch (format) {
		case MXLB_XDP_JSON:
			fprintf(out, "%s{\"iface\":\"%.16s\",\"vdev\":\"%.64s\"", i ? "," : "",
				p->ifname, p->vdev);
			for (k = 0; k < nc; k++)
				fprintf(out, ",\"%s\":%" PRIu64, mxlb_xdp_counters[k], p->c[k]);
			fprintf(out, "}");
			break;
		case MXLB_XDP_PROMETHEUS:
			for (k = 0; k < nc; k++)
				fprintf(out,
					"mxlb_xdp_frames_total{iface=\"%.16s\",vdev=\"%.64s\","
					"verdict=\"%s\"} %" PRIu64 "\n",
					p->ifname, p->vdev, mxlb_xdp_counters[k], p->c[k]);
			break;
		default:
			fprintf(out, "xdp %.16s (%.64s):", p->ifname, p->vdev);
			for (k = 0; k < nc; k++)
				fprintf(out, " %s %" PRIu64, mxlb_xdp_counters[k], p->c[k]);
			fprintf(out, nc == 0 ? " counters unreadable\n" : "\n");
			break;
		}
	}
}

void mxlb_xdp_print(FILE *out, const struct mxlb_xdp *x)
{
	struct mxlb_xdp_shared s;
	unsigned i;

	for (i = 0; i < x->n; i++) {
		const struct mxlb_xdp_port *p = &x->port[i];

		memset(&s, 0, sizeof(s));
		if (mxlb_xdp_read(p, s.c) != 0)
			continue;
		snprintf(s.ifname, sizeof(s.ifname), "%s", p->ifname);
		snprintf(s.vdev, sizeof(s.vdev), "%s", p->vdev);
		s.ncounters = DNS_STEER_COUNTER_MAX;
		fprintf(out, "mxlbd: ");
		mxlb_xdp_print_shared(out, &s, 1, MXLB_XDP_TEXT);
	}
}

/* ------------------------------------------------------------------- exit */

static void mxlb_xdp_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void mxlb_xdp_fini(struct mxlb_xdp *x)
{
	struct mxlb_xdp_attached a;
	unsigned i, k;
	int i_arg;

	if (!x->inited)
		return;
	for (i = 0; i < x->n; i++) {
		struct mxlb_xdp_port *p = &x->port[i];

		/* The PMD detaches it when it closes the port; this covers a
		 * port that failed before that. */
		if (p->prog_fd >= 0 && mxlb_xdp_attached(p, &a) == 0)
			for (k = 0; k < 2; k++)
				if (a.id[k] == p->prog_id)
					mxlb_xdp_detach(p, p->prog_fd, a.mode[k]);
		mxlb_xdp_close(&p->prog_fd);
		mxlb_xdp_close(&p->cfg_fd);
		mxlb_xdp_close(&p->addr4_fd);
		mxlb_xdp_close(&p->addr6_fd);
		mxlb_xdp_close(&p->stats_fd);
		p->prog_id = 0;
		p->stats_map_id = 0;
	}
	if (x->owned != NULL)
		for (i_arg = 0; i_arg < x->argc; i_arg++)
			free(x->owned[i_arg]);
	free(x->owned);
	free(x->argv);
	x->owned = NULL;
	x->argv = NULL;
	mxlb_xdp_close(&x->obj_fd);
	x->n = 0;
	x->inited = false;
}

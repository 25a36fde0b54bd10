#!/usr/bin/env python3
"""Change-latency driver (bench/ctl-latency): runs querier.py in the test
host's namespace, then drains and undrains HOST through mxlbctl, alternately,
CHANGES times. For each change it takes CLOCK_MONOTONIC just before starting
mxlbctl (t0) and when mxlbctl has exited (t1); the querier stamps, with the
same clock on the same machine, the first answer that shows the new state
(tv). Latency = tv - t0. Prints BENCH lines and writes KEY=VALUE results to
--out for run.sh.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def pct(values, p):
    """Nearest-rank percentile P (0-100) of VALUES."""
    v = sorted(values)
    k = max(0, min(len(v) - 1, -(-len(v) * p // 100) - 1))
    return v[int(k)]


def ms(ns):
    return ns / 1e6


class Querier:
    """querier.py in the namespace; collects its state transitions."""

    def __init__(self, netns, script, server, name, host):
        self.cv = threading.Condition()
        self.events = []  # (t_ns, state)
        self.summary = None
        self.ready = False
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", netns, sys.executable, script, server, name, host],
            stdout=subprocess.PIPE, text=True, bufsize=1)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            w = line.split()
            with self.cv:
                if w and w[0] == "R":
                    self.ready = True
                elif w and w[0] == "T":
                    self.events.append((int(w[1]), int(w[2])))
                elif w and w[0] == "S":
                    self.summary = [int(x) for x in w[1:]]
                self.cv.notify_all()
        with self.cv:
            self.cv.notify_all()

    def wait(self, pred, timeout):
        with self.cv:
            return self.cv.wait_for(pred, timeout)

    def state(self):
        with self.cv:
            return self.events[-1][1] if self.events else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(5)


def run_ctl(ctl, prefix, args):
    t0 = time.monotonic_ns()
    try:
        p = subprocess.run([ctl, "-p", prefix] + args, capture_output=True, text=True)
    except OSError as e:
        p = subprocess.CompletedProcess([ctl] + args, 126, "", "cannot run %s: %s" % (ctl, e))
    t1 = time.monotonic_ns()
    return t0, t1, p


def strace_breakdown(ctl, prefix, host, n):
    """Where the time of a change call goes, from N calls under strace that
    traces only execve, the sleeps of mxlbctl's reply poll and exit_group
    (filtered in the kernel, so the rest runs at full speed): start ->
    first poll (process start, EAL secondary init, attach, request sent),
    first -> last poll (mxlbd: apply, journal, publish, grace period,
    reply), last poll -> exit. Median ms of each, or None without strace."""
    if not shutil.which("strace"):
        return None
    parts = ([], [], [])
    for i in range(n):
        fd, path = tempfile.mkstemp(prefix="mxlb-bench-strace.")
        os.close(fd)
        try:
            p = subprocess.run(
                ["strace", "-f", "-ttt", "--seccomp-bpf", "-o", path, "-e",
                 "trace=execve,clock_nanosleep,nanosleep,exit_group", ctl, "-p", prefix,
                 "undrain" if i % 2 else "drain", host], capture_output=True, text=True)
            with open(path) as f:
                lines = [l.split(None, 2) for l in f if l.strip()]
        finally:
            os.unlink(path)
        if p.returncode != 0 or not lines:
            continue
        main_pid = lines[0][0]
        start = end = None
        polls = []
        for pid, ts, call in lines:
            if pid != main_pid:
                continue
            if call.startswith("execve(") and start is None:
                start = float(ts)
            elif "nanosleep(" in call:
                polls.append(float(ts))
            elif call.startswith("exit_group("):
                end = float(ts)
        if start is None or end is None or not polls:
            continue
        parts[0].append(polls[0] - start)
        parts[1].append(polls[-1] - polls[0])
        parts[2].append(end - polls[-1])
    if not parts[0]:
        return None
    return tuple(1e3 * statistics.median(x) for x in parts) + (len(parts[0]),)


def plugin_count():
    """Driver plugins that EAL loads at each start of a shared DPDK build."""
    try:
        libdir = subprocess.run(["pkg-config", "--variable=libdir", "libdpdk"],
                                capture_output=True, text=True).stdout.strip()
        d = os.path.join(libdir, "dpdk")
        sub = [x for x in os.listdir(d) if x.startswith("pmds-")]
        pd = os.path.join(d, sub[0])
        return len({os.path.realpath(os.path.join(pd, x)) for x in os.listdir(pd)
                    if ".so" in x}), pd
    except (OSError, IndexError):
        return None, None


def fdatasync_cost(directory, n=20):
    """Median ns of appending 64 octets and fdatasync, as the journal does."""
    fd, path = tempfile.mkstemp(dir=directory, prefix="mxlb-bench-sync.")
    try:
        out = []
        for _ in range(n):
            t0 = time.monotonic_ns()
            os.write(fd, b"x" * 64)
            os.fdatasync(fd)
            out.append(time.monotonic_ns() - t0)
        return statistics.median(out)
    finally:
        os.close(fd)
        os.unlink(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mxlbctl", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--netns", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--changes", type=int, default=200)
    ap.add_argument("--status-every", type=int, default=5)
    ap.add_argument("--strace-calls", type=int, default=20)
    ap.add_argument("--journal-dir", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    q = Querier(a.netns, os.path.join(here, "querier.py"), a.server, a.name, a.host)
    failures = []
    try:
        if not q.wait(lambda: q.events, 10):
            print("bench-ctl: the querier got no answer in 10 s", file=sys.stderr)
            return 1
        if q.state() != 0:
            print("bench-ctl: %s is not listed up at the start (state %s)" % (a.host, q.state()),
                  file=sys.stderr)
            return 1

        lat, proc, after_exit, status_ns = [], [], [], []
        for i in range(a.changes):
            want = 1 if i % 2 == 0 else 0
            cmd = ["drain" if want else "undrain", a.host]
            with q.cv:
                seen = len(q.events)
            t0, t1, p = run_ctl(a.mxlbctl, a.prefix, cmd)
            if p.returncode != 0 or not p.stdout.startswith("version "):
                failures.append("change %d (%s): exit %d: %s %s" % (
                    i + 1, " ".join(cmd), p.returncode, p.stdout.strip(), p.stderr.strip()))
                break
            if not q.wait(lambda: len(q.events) > seen, 5):
                failures.append("change %d (%s): no answer showed it within 5 s of mxlbctl's exit"
                                % (i + 1, " ".join(cmd)))
                break
            with q.cv:
                tv, st = q.events[seen]
                extra = q.events[seen + 1:]
            if st != want or extra:
                failures.append("change %d (%s): answers went to state %d%s" % (
                    i + 1, " ".join(cmd), st,
                    (" then " + " ".join(str(s) for _, s in extra)) if extra else ""))
                break
            if tv < t0:
                failures.append("change %d (%s): shown %.3f ms before mxlbctl started"
                                % (i + 1, " ".join(cmd), ms(t0 - tv)))
                break
            lat.append(tv - t0)
            proc.append(t1 - t0)
            after_exit.append(tv - t1)
            if i % a.status_every == 0:
                # mxlbctl without a change, interleaved so that it meets the
                # same machine load: EAL secondary init, one request, exit.
                t0, t1, p = run_ctl(a.mxlbctl, a.prefix, ["status"])
                if p.returncode != 0:
                    failures.append("mxlbctl status: exit %d: %s" % (p.returncode,
                                                                    p.stderr.strip()))
                    break
                status_ns.append(t1 - t0)
            time.sleep(0.005)
    finally:
        q.stop()

    for f in failures:
        print("bench-ctl: FAILED: " + f, file=sys.stderr)
    if not lat or not status_ns:
        return 1

    answers, lost, bad, elapsed = q.summary or (0, 0, 0, 1)
    sync = fdatasync_cost(a.journal_dir)
    split = strace_breakdown(a.mxlbctl, a.prefix, a.host, a.strace_calls)
    nplug, plugdir = plugin_count()
    r = {
        "changes": len(lat),
        "ctl_latency_p50_ms": ms(statistics.median(lat)),
        "ctl_latency_p99_ms": ms(pct(lat, 99)),
        "ctl_latency_min_ms": ms(min(lat)),
        "ctl_latency_max_ms": ms(max(lat)),
        "mxlbctl_change_p50_ms": ms(statistics.median(proc)),
        "mxlbctl_change_p99_ms": ms(pct(proc, 99)),
        "mxlbctl_status_p50_ms": ms(statistics.median(status_ns)),
        "visible_before_exit_p50_ms": ms(-statistics.median(after_exit)),
        "fdatasync_p50_ms": ms(sync),
        "querier_qps": answers / (elapsed / 1e9),
        "querier_lost": lost,
        "querier_bad": bad,
    }
    lines = [
        "BENCH ctl_latency_p50 %.2f ms" % r["ctl_latency_p50_ms"],
        "BENCH ctl_latency_p99 %.2f ms" % r["ctl_latency_p99_ms"],
        "BENCH mxlbctl_time_p50 %.2f ms" % r["mxlbctl_change_p50_ms"],
        "BENCH mxlbctl_status_time_p50 %.2f ms" % r["mxlbctl_status_p50_ms"],
    ]
    notes = [
        "%d changes (drain/undrain of %s, alternately), one worker; querier %.0f MX "
        "answers/s back to back (%d lost, %d bad)" % (len(lat), a.host, r["querier_qps"], lost, bad),
        "latency min %.2f, max %.2f ms; mxlbctl change call p99 %.2f ms; the change shows in "
        "answers %.2f ms (median) before mxlbctl has exited" % (
            r["ctl_latency_min_ms"], r["ctl_latency_max_ms"], r["mxlbctl_change_p99_ms"],
            r["visible_before_exit_p50_ms"]),
        "fdatasync of a 64-octet append next to the journal: %.2f ms (median)" % r["fdatasync_p50_ms"],
    ]
    if split:
        notes.append(
            "inside a change call (median of %d under strace, execve/sleep/exit only): start to "
            "request sent (process start, EAL secondary init, attach) %.1f ms; waiting for mxlbd "
            "(apply, journal, publish, grace period, reply) %.1f ms; reply to exit %.1f ms"
            % (split[3], split[0], split[1], split[2]))
    if nplug:
        notes.append("EAL of this shared DPDK build loads %d driver plugins from %s at every "
                     "start, mxlbctl's included" % (nplug, plugdir))
    if split and split[0] >= split[1] + split[2]:
        dom = ("EAL secondary init of each mxlbctl call: %.0f%% of a change call happens "
               "before the request is sent" % (100 * split[0] / sum(split[:3])))
    elif split:
        dom = "mxlbd's side: %.1f ms waiting for the reply against %.1f ms of mxlbctl start" % (
            split[1], split[0])
    elif r["mxlbctl_status_p50_ms"] >= 0.5 * r["ctl_latency_p50_ms"]:
        dom = ("mxlbctl's own start: a status call alone (EAL secondary init, one request, "
               "exit) takes %.1f ms" % r["mxlbctl_status_p50_ms"])
    else:
        dom = "not mxlbctl's start (status call %.1f ms)" % r["mxlbctl_status_p50_ms"]
    notes.append("dominated by " + dom)
    for l in lines:
        print(l)
    for n in notes:
        print("bench-ctl: " + n)
    with open(a.out, "w") as f:
        for l in lines:
            f.write(l + "\n")
        for n in notes:
            f.write("note " + n + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

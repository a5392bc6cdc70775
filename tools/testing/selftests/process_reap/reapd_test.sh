#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The samples at work: reap (the command line tool) and reapd (the
# low-memory killer) under scripted pressure in a memory cgroup.  memload
# makes the pressure; reap_wrap reaches the error paths (another user, a
# call made to fail through seccomp).  reapd, reap, memload and reap-demo
# must be on PATH (the harness installs them from samples/process_reap).

ksft_skip=4
cd "$(dirname "$0")" || exit 1
PATH=$PATH:$(pwd)
cg=/sys/fs/cgroup/reapd-test
dir=$(mktemp -d) || exit 1
n=0
failed=0
bg_pids=

cleanup() {
	for p in $bg_pids; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rmdir "$cg" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

echo "TAP version 13"
for p in reapd reap memload reap-demo reap_wrap; do
	if ! command -v "$p" > /dev/null; then
		echo "1..0 # SKIP $p is not installed (samples/process_reap)"
		exit "$ksft_skip"
	fi
done
reap --no-kill 1 > /dev/null 2>&1
if [ $? = 5 ]; then
	echo "1..1"
	echo "ok 1 reapd_test # SKIP try_reap_dying_process() is not available"
	exit "$ksft_skip"
fi
echo "1..21"

# "COMMAND; expect $? WHY" notes a failure; "result NAME" says ok if
# nothing failed since the last result.
bad=
expect() {
	if [ "$1" != 0 ]; then
		echo "# FAIL: $2"
		bad=1
	fi
}
result() {
	n=$((n + 1))
	if [ -z "$bad" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		failed=$((failed + 1))
	fi
	bad=
}

# A process of DIR's own to aim the CLI at: pid in $victim.
spawn() {
	sleep 600 &
	victim=$!
	bg_pids="$bg_pids $victim"
}

alive() {
	kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status"
}

# start_load LOG WORKER ARGS...: memload ARGS in the background, pid in
# $load_pid, once WORKER holds its memory.
start_load() {
	log=$1 worker=$2
	shift 2
	memload "$@" > "$log" 2>&1 &
	load_pid=$!
	bg_pids="$bg_pids $load_pid"
	for _ in $(seq 100); do
		grep -q "^memload: $worker (pid" "$log" && return 0
		sleep 0.1
	done
}

# pid_of WORKER LOG: the pid memload gave WORKER.
pid_of() {
	sed -n "s/^memload: $1 (pid \([0-9]*\)).*/\1/p" "$2" | head -n 1
}

# ---- reap, the CLI: one exit code per failure, and the bytes it freed.
reap > /dev/null 2>&1; r1=$?
reap --max lots 1 > /dev/null 2>&1; r2=$?
reap 0 > /dev/null 2>&1; r3=$?
[ "$r1$r2$r3" = 222 ]
expect $? "usage errors exit 2 (got $r1 $r2 $r3)"
result "reap: usage errors exit 2"

sleep 0 &
gone=$!
wait "$gone"
reap "$gone" 2> "$dir/err"; r=$?
[ "$r" = 3 ]
expect $? "a process that is gone: exit $r, want 3"
grep -q "no such process" "$dir/err"
expect $? "message: $(cat "$dir/err")"
result "reap: no such process exits 3"

spawn
reap_wrap -u 65534 reap "$victim" 2> "$dir/err"; r=$?
[ "$r" = 4 ]
expect $? "nobody reaping root's process: exit $r, want 4"
grep -q "permission denied" "$dir/err"
expect $? "message: $(cat "$dir/err")"
alive "$victim"
expect $? "the target was killed"
result "reap: permission denied exits 4"

reap_wrap -f try_reap_dying_process:NOSYS reap "$victim" 2> "$dir/err"; r=$?
[ "$r" = 5 ]
expect $? "without the syscall: exit $r, want 5"
grep -q "not available" "$dir/err"
expect $? "message: $(cat "$dir/err")"
alive "$victim"
expect $? "the target was killed without a way to reap it"
result "reap: no syscall exits 5, before killing"

reap --no-kill "$victim" 2> "$dir/err"; r=$?
[ "$r" = 7 ]
expect $? "--no-kill on a live process: exit $r, want 7"
grep -q "not dying" "$dir/err"
expect $? "message: $(cat "$dir/err")"
alive "$victim"
expect $? "--no-kill killed it"
result "reap: --no-kill on a live process exits 7"

# EAGAIN for NOWAIT calls: only --nowait's calls fail.
reap_wrap -F try_reap_dying_process:EAGAIN reap --no-kill --max 0 "$victim" 2> /dev/null
r=$?
[ "$r" = 7 ]
expect $? "without --nowait the call went through to the kernel: exit $r, want 7"
reap_wrap -F try_reap_dying_process:EAGAIN reap --nowait "$victim" 2> "$dir/err"; r=$?
[ "$r" = 6 ]
expect $? "--nowait, lock busy: exit $r, want 6"
grep -q "busy" "$dir/err"
expect $? "message: $(cat "$dir/err")"
sleep 0.2
! alive "$victim"
expect $? "the target was not killed"
result "reap: --nowait on a busy target exits 6"

# A 64 MiB victim of small pages, starved on CPU 1: with --max the figure
# is exact (the budget is never overshot with small pages); then the rest,
# with --no-kill as it is dying now.  The two never add up to more than it
# had.  How much the second call finds depends on how much the woken
# victim freed itself meanwhile, which a loaded host can make most of it.
start_load "$dir/load" h -c 1 -H 60 v:64:0:bg h:1:0:fg
load=$load_pid
v=$(pid_of v "$dir/load")
taskset -c 0 reap --max 16M --step 4M "$v" > "$dir/out" 2>&1; r1=$?
taskset -c 0 reap --no-kill "$v" >> "$dir/out" 2>&1; r2=$?
kill -9 "$load"
wait "$load" 2>/dev/null
sed 's/^/# /' "$dir/out"
b1=$(sed -n '1s/.*freed \([0-9]*\) bytes.* in \([0-9]*\) calls.*/\1 \2/p' "$dir/out")
b2=$(sed -n '2s/.*freed \([0-9]*\) bytes.*/\1/p' "$dir/out")
[ "$r1$r2" = 00 ]
expect $? "reap exited $r1, then $r2"
[ "${b1% *}" = $((16 << 20)) ] && [ "${b1#* }" -ge 4 ]
expect $? "--max 16M --step 4M: freed and calls '$b1', want $((16 << 20)) in 4 or more"
total=$(( $(echo "$b1" | cut -d' ' -f1) + ${b2:-0} ))
[ "$total" -le $((66 << 20)) ]
expect $? "freed $total in all, want at most 66 MiB"
result "reap: bytes freed, within --max, never more than it had"

# ---- reapd under pressure, in a 256 MiB cgroup.
mkdir -p "$cg" && echo 256M > "$cg/memory.max" || exit 1
# A device without swap: the guest's zram would change the scenario.
[ ! -e "$cg/memory.swap.max" ] || echo 0 > "$cg/memory.swap.max"

# start_reapd LOG ARGS...: returns once it runs, pid in $rpid.
start_reapd() {
	log=$1
	shift
	taskset -c 0 "$@" > "$log" 2>&1 &
	rpid=$!
	for _ in $(seq 100); do
		grep -q '^reapd: mode' "$log" && return 0
		kill -0 "$rpid" 2>/dev/null || break
		sleep 0.1
	done
	echo "# reapd did not start:"
	sed 's/^/# /' "$log"
	return 1
}

stop_reapd() {
	kill -TERM "$rpid"
	wait "$rpid"
}

load() {
	# shellcheck disable=SC2016
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec memload "$@"' sh "$cg" "$@"
}

# Victims in order: adj 500 the largest first, then the other 500, then
# 300, then the foreground (adj 0); the largest, sysd, is protected.
start_reapd "$dir/a.log" reapd --cgroup "$cg" --mode reap
status=$(cat "/proc/$rpid/status")
load -c 1 -r 16 -H 1 sysd:96:-1000:sys a:32:500:bg b:48:500:bg c:40:300:bg \
	fg:160:0:fg > "$dir/a.load" 2>&1
events=$(cat "$cg/memory.events")
stop_reapd; r=$?
sed 's/^/# /' "$dir/a.log" "$dir/a.load"

for c in CapEff CapPrm CapBnd; do
	echo "$status" | grep -q "^$c:[[:space:]]*0*20$"
	expect $? "$c is not CAP_KILL alone: $(echo "$status" | grep "^$c")"
done
for c in CapInh CapAmb; do
	echo "$status" | grep -q "^$c:[[:space:]]*0*$"
	expect $? "$c is not empty"
done
echo "$status" | grep -q "^NoNewPrivs:[[:space:]]*1"
expect $? "no_new_privs is not set"
echo "$status" | grep -q "^Uid:[[:space:]]*65534[[:space:]]"
expect $? "not running as nobody: $(echo "$status" | grep "^Uid")"
result "reapd: keeps CAP_KILL alone, no_new_privs, runs as nobody"

# In the order of the kills, not of the log lines: a victim is logged once
# it is freed, and one that frees slowly is logged after the next kill's.
order=$(sed -n 's/^reapd: kill pid [0-9]* (\([a-z]*\)).*, killed at \([0-9.]*\) ms$/\2 \1/p' \
	"$dir/a.log" | sort -n | cut -d' ' -f2 | tr '\n' ' ')
[ "$order" = "b a c fg " ]
expect $? "kill order '$order', want 'b a c fg '"
result "reapd: kills by oom_score_adj, then RSS"

! grep -q "(sysd)" "$dir/a.log"
expect $? "it killed sysd"
grep -q "sysd (pid [0-9]*): alive at the end" "$dir/a.load"
expect $? "sysd did not survive"
result "reapd: never kills oom_score_adj -1000"

# The victims' memory came back through reapd (a victim the scheduler lets
# run may free part of it itself), never more than each had, and the
# kernel's OOM killer never had to kill: reapd kept the cgroup at its
# limit at worst.  fg grows by 16 MiB/s, less than the 25.6 MiB reapd acts
# at, so even a victim that holds up its reaping (it got the CPU, took its
# mmap_lock in exit_mmap() and was preempted) for reapd's 1 s kill timeout
# leaves time for the next kill.  On an emulated 16K-page kernel, the
# victims have freed up to half of it themselves.
kib=$(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps)
want=60
[ "${kib:-4}" -gt 4 ] && want=40
total=0
for w in a:32 b:48 c:40; do
	mib=$(sed -n "s/^reapd: kill .* (${w%:*}) .*reaped \([0-9.]*\)M in.*/\1/p" "$dir/a.log")
	awk -v m="${mib:-0}" -v w="${w#*:}" 'BEGIN { exit !(m > 0 && m <= w + 1) }'
	expect $? "${w%:*} reaped ${mib:-nothing} MiB, want up to ${w#*:}"
	total=$(awk -v t="$total" -v m="${mib:-0}" 'BEGIN { print t + m }')
done
awk -v t="$total" -v w="$want" 'BEGIN { exit !(t >= w) }'
expect $? "reaped $total MiB in all of 120 MiB, want $want"
# One line per victim: a drained victim, still dying with the few pages
# its robust futex list needs, is not taken up again.
dup=$(sed -n 's/^reapd: [a-z (]*[a-z)] pid \([0-9]*\) .*/\1/p' "$dir/a.log" | sort | uniq -d)
[ -z "$dup" ]
expect $? "victims reported more than once: $dup"
echo "$events" | grep -q "^oom_kill 0$"
expect $? "the kernel OOM killer killed: $(echo "$events" | tr '\n' ' ')"
result "reapd: reaps each victim's memory, no kernel OOM kill"

[ "$r" = 0 ]
expect $? "reapd exited $r on SIGTERM"
grep -q "^reapd: stopping: 4 kills" "$dir/a.log"
expect $? "no closing line"
result "reapd: stops cleanly on SIGTERM"

# A victim that exits on its own between the choice and the kill.
# The victims run at normal priority so that a SIGTERM ends one at once;
# reapd acts below 51 MiB, more than fg grows (16 MiB/s) in the 2 s delay,
# so the kernel's OOM killer does not take the next one first.
start_reapd "$dir/b.log" reapd --cgroup "$cg" --low 20% --target 25% --kill-delay 2000
load -r 16 -H 3 a:48:500:sys b:48:400:sys c:48:300:sys fg:120:0:fg > "$dir/b.load" 2>&1 &
load_pid=$!
first=
for _ in $(seq 200); do
	first=$(sed -n 's/^reapd: chose pid \([0-9]*\).*/\1/p' "$dir/b.log" | head -n 1)
	[ -n "$first" ] && break
	sleep 0.05
done
[ -z "$first" ] || kill -TERM "$first"
wait "$load_pid"
kill -0 "$rpid"
expect $? "reapd died"
stop_reapd
sed 's/^/# /' "$dir/b.log"
[ -n "$first" ]
expect $? "reapd chose nobody"
grep -q "pid $first (a) exited on its own before the kill" "$dir/b.log"
expect $? "no word of the victim that went away"
# The next victim may go the same way (the kernel's OOM killer may take it
# during the delay): some other process must be killed after it.
sed -n "/pid $first (a) exited on its own/,\$p" "$dir/b.log" |
	grep -q "^reapd: kill pid [0-9]* ([bc])"
expect $? "no kill after it"
result "reapd: goes on when a victim exits before the kill"

# Fallbacks: the mode it says at start-up is the one it kills in.
for fb in "mrelease:process_mrelease()" "kill-only:kill only"; do
	if [ "${fb%%:*}" = mrelease ]; then
		set -- -f try_reap_dying_process:NOSYS
	else
		set -- -f try_reap_dying_process:NOSYS -f process_mrelease:NOSYS
	fi
	start_reapd "$dir/c.log" reap_wrap "$@" reapd --cgroup "$cg"
	load -r 32 -H 1 a:48:500:bg fg:200:0:fg > "$dir/c.load" 2>&1
	stop_reapd
	sed 's/^/# /' "$dir/c.log"
	grep -q "falling back to ${fb#*:}" "$dir/c.log"
	expect $? "no fallback message"
	grep -q "^reapd: mode ${fb%%:*}" "$dir/c.log"
	expect $? "not in mode ${fb%%:*}"
	grep -q "^reapd: kill pid [0-9]* (a) .*, mode ${fb%%:*}, " "$dir/c.log"
	expect $? "no kill of a in mode ${fb%%:*}"
	result "reapd: falls back to ${fb#*:} and kills"
done

timeout 20 reap_wrap -f capset:0 reapd --cgroup "$cg" > "$dir/c.log" 2>&1; r=$?
[ "$r" = 1 ]
expect $? "exit $r with its capabilities kept, want 1"
grep -q "refusing to run" "$dir/c.log"
expect $? "$(cat "$dir/c.log")"
result "reapd: refuses to run with more than CAP_KILL"

reapd --help > /dev/null; r1=$?
reapd --step 0 > /dev/null 2>&1; r2=$?
reapd extra > /dev/null 2>&1; r3=$?
[ "$r1$r2$r3" = 012 ]
expect $? "--help, a bad value, a stray argument: $r1 $r2 $r3, want 0 1 2"
result "reapd: --help and bad arguments"

# System-wide, dry run: the system's MemAvailable and PSI file, and the
# victim named but alive.
start_load "$dir/d.load" y -H 30 x:8:1000:bg y:1:0:fg
x=$(pid_of x "$dir/d.load")
start_reapd "$dir/d.log" reapd --dry-run --low 100% --target 100%
sleep 1
stop_reapd
sed 's/^/# /' "$dir/d.log"
grep -q "watching the system" "$dir/d.log"
expect $? "not system-wide"
grep -q "^reapd: would kill pid $x (x) adj 1000" "$dir/d.log"
expect $? "did not name x ($x)"
alive "$x"
expect $? "the dry run killed x"
! grep -q "^reapd: kill" "$dir/d.log"
expect $? "the dry run killed"
result "reapd: system-wide dry run names the victim, kills nobody"
kill -9 "$load_pid" 2>/dev/null

# The demonstration, small: reap mode needs no more kills than kill-only
# for the same pressure, and the kernel's OOM killer alone kills too.
reap-demo -m 256 reap kill-only oom > "$dir/demo" 2>&1
r=$?
sed 's/^/# /' "$dir/demo"
# Processes killed in all, by reapd and by the kernel.
kr=$(awk -F'|' '$2 == "reap" { print $8 }' "$dir/demo")
kk=$(awk -F'|' '$2 == "kill-only" { print $8 }' "$dir/demo")
ko=$(awk -F'|' '$2 == "oom" { print $8 }' "$dir/demo")
[ "$r" = 0 ] && [ -n "$kr" ] && [ -n "$kk" ] && [ -n "$ko" ]
expect $? "reap-demo failed ($r)"
[ "${kr:-0}" -ge 1 ] && [ "${kr:-0}" -le "${kk:-0}" ]
expect $? "kills: reap $kr, kill-only $kk"
result "reapd: reap mode needs no more kills than kill-only ($kr vs $kk)"
awk -F'|' '$2 == "reap" { split($7, o, "/"); exit !($9 == "survived" && o[2] == 0) }' "$dir/demo"
expect $? "reap mode: the foreground died or the kernel OOM killer killed"
result "reapd: reap mode keeps the foreground, no kernel OOM kill"
[ "${ko:-0}" -ge 1 ]
expect $? "the kernel alone made $ko kills"
result "reap-demo: the kernel OOM killer alone fires ($ko kills)"

[ "$failed" = 0 ]

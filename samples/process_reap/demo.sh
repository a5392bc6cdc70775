#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The same workload several times: under reapd reaping, under reapd
# killing only, under Debian's earlyoom (a real killer that kills without
# reaping), and with the kernel's OOM killer alone; then a table of how
# each went.  The workload: four cached background apps (SCHED_IDLE,
# oom_score_adj 900..600), a protected daemon (-1000), and a busy
# foreground app that grows until memory runs short, all on CPU 1, so a
# killed background app is starved as it exits.  The killer runs on CPU 0.
# reapd and the kernel get a memory cgroup of LIMIT_MIB; earlyoom, which
# reads only /proc/meminfo, gets the whole machine with all but LIMIT_MIB
# of its available memory locked away.
#
#   demo.sh [-m LIMIT_MIB] [-k] [MODE]...
#
# MODE is reap, kill-only, mrelease, earlyoom or oom (default: reap
# kill-only earlyoom oom; earlyoom only where the guest has it).  -k keeps
# the logs in /tmp/reap-demo.  Needs root, cgroup v2 with the memory
# controller, two CPUs, and reapd and memload on PATH.  The last lines,
# "demo|MODE|killer's kills|reaped MiB|worst ms|PSI peak|OOM events/kills|
# killed in all|fg", are for scripts.
set -u

limit=512
keep=
while getopts m:k opt; do
	case "$opt" in
	m) limit=$OPTARG ;;
	k) keep=1 ;;
	*) echo "usage: demo.sh [-m LIMIT_MIB] [-k] [MODE]..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# = 0 ]; then
	set -- reap kill-only
	! command -v earlyoom > /dev/null || set -- "$@" earlyoom
	set -- "$@" oom
fi

cgroot=/sys/fs/cgroup
dir=/tmp/reap-demo
rm -rf "$dir"
mkdir -p "$dir" || exit 1
[ -n "$keep" ] || trap 'rm -rf "$dir"' EXIT

bg=$((limit * 3 / 16))
# The foreground needs about two background apps' worth more than is left.
fg=$((limit * 5 / 8))
sys=$((limit / 32))
rate=$((limit / 8))

# Peak of "some avg10" in FILE, sampled every 0.2 s until killed.
psi_peak() {
	peak=0
	trap 'echo "$peak"; exit 0' TERM
	while :; do
		v=$(sed -n 's/^some avg10=\([0-9.]*\) .*/\1/p' "$1")
		peak=$(echo "$v $peak" | awk '{ print ($1 > $2) ? $1 : $2 }')
		sleep 0.2
	done
}

# start_killer LOG READY_PATTERN CMD...: the killer on CPU 0, once it
# runs; its pid in $rpid.
start_killer() {
	klog=$1 ready=$2
	shift 2
	taskset -c 0 "$@" > "$klog" 2>&1 &
	rpid=$!
	while ! grep -q "$ready" "$klog"; do
		kill -0 "$rpid" 2>/dev/null || { cat "$klog"; return 1; }
		sleep 0.1
	done
}

run() {
	mode=$1 cg=$cgroot/reap-demo-$1 log=$dir/$1 pin=
	rmdir "$cg" 2>/dev/null
	mkdir "$cg" || return 1
	# A device without swap: with it, the same pressure would swap first.
	[ ! -e "$cg/memory.swap.max" ] || echo 0 > "$cg/memory.swap.max"
	if [ "$mode" = earlyoom ]; then
		# As much memory as the others' cgroup: the rest is locked away.
		pin=$(awk -v l="$limit" '/^MemAvailable:/ { print int($2 / 1024) - l }' \
			/proc/meminfo)
		printf -- '---- %s: %s MiB available (%s MiB locked), ' "$mode" "$limit" "$pin"
	else
		echo "${limit}M" > "$cg/memory.max"
		printf -- '---- %s: %s MiB cgroup, ' "$mode" "$limit"
	fi
	printf '4 x %s MiB background, %s MiB protected, %s MiB foreground\n' \
		"$bg" "$sys" "$fg"
	rpid=
	case "$mode" in
	oom) ;;
	earlyoom)
		# Its threshold in KiB, as reapd's --low: 10% of the limit; and
		# free swap counts as short (the workload has none).
		start_killer "$log.killer" '^mem total' earlyoom -r 0 \
			-M "$((limit * 1024 / 10))" -s 100 || return 1 ;;
	*)
		start_killer "$log.killer" '^reapd: mode' reapd --cgroup "$cg" \
			--mode "$mode" || return 1 ;;
	esac
	# The kernel's OOM reports (warnings) would drown the demo's lines;
	# "Killed process" (an error) still shows.
	read -r level rest < /proc/sys/kernel/printk
	echo 4 > /proc/sys/kernel/printk
	psi_peak "$cg/memory.pressure" > "$log.psi" &
	ppid=$!
	# shellcheck disable=SC2016
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		memload -c 1 -r "$rate" -H 2 ${pin:+pin:"$pin":-1000:pin} \
		bg1:"$bg":900:bg bg2:"$bg":800:bg \
		bg3:"$bg":700:bg bg4:"$bg":600:bg sysd:"$sys":-1000:sys \
		fg:"$fg":0:fg > "$log.memload" 2>&1
	kill "$ppid"
	wait "$ppid"
	echo "$level" > /proc/sys/kernel/printk
	if [ -n "$rpid" ]; then
		kill -TERM "$rpid"
		wait "$rpid"
		grep -E '^(reapd: kill|sending|process exited|escalating)' \
			"$log.killer" | sed 's/^/    /'
	fi
	grep -E 'killed|survived' "$log.memload" | grep -v '^memload: pin' |
		sed 's/^/    /'
	ooms=$(awk '$1 == "oom" { o = $2 } $1 == "oom_kill" { k = $2 }
		END { print o "/" k }' "$cg/memory.events")
	rmdir "$cg"

	awk -v mode="$mode" -v oom="$ooms" -v psi="$(cat "$log.psi")" '
		FILENAME ~ /killer$/ && /^sending SIG[A-Z]+ to process / {
			if (!($5 in sent))
				kills++
			sent[$5] = 1
		}
		FILENAME ~ /killer$/ && /^(process exited|escalating to SIGKILL) after/ {
			t = $(NF - 1) * 1000
			if (t > worst)
				worst = t
		}
		FILENAME ~ /killer$/ && /^reapd: (kill|reap) / {
			kills += $2 == "kill"
			r = $0; sub(/.*reaped /, "", r); sub(/ .*/, "", r)
			u = substr(r, length(r)); v = r + 0
			reaped += u == "G" ? v * 1024 : u == "M" ? v : u == "K" ? v / 1024 : 0
			t = $0; sub(/.*freed in /, "", t); sub(/ ms.*/, "", t)
			later = t ~ /^>/; sub(/^>/, "", t)
			if (t + 0 > worst) { worst = t + 0; wlater = later }
		}
		FILENAME ~ /memload$/ && /^memload: foreground/ { fg = $3 }
		END {
			reaped = mode == "reap" ? sprintf("%.0f", reaped) : "-"
			worst = (wlater ? ">" : "") sprintf("%.0f", worst)
			split(oom, o, "/")
			if (mode == "oom")
				worst = "-"
			printf "demo|%s|%d|%s|%s|%s|%s|%d|%s\n", mode, kills, reaped,
				worst, psi, oom, kills + o[2], fg
		}' "$log.killer" "$log.memload" 2>/dev/null >> "$dir/table"
}

: > "$dir/table"
touch "$dir/oom.killer"
for m in "$@"; do
	run "$m" || exit 1
done

echo
awk -F'|' '
	{ for (i = 2; i <= NF; i++) cell[NR, i] = $i; n = NR }
	END {
		n_labels = split("mode|kills by the killer|MiB reaped|" \
			"worst kill to freed (ms)|PSI some avg10 peak|" \
			"kernel OOM events/kills|processes killed in all|" \
			"foreground app", label, "|")
		for (i = 2; i <= n_labels + 1; i++) {
			printf "%-26s", label[i - 1]
			for (r = 1; r <= n; r++)
				printf " %12s", cell[r, i]
			printf "\n"
		}
	}' "$dir/table"
cat "$dir/table"

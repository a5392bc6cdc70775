#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The same workload three times in a memory cgroup: under reapd reaping,
# under reapd killing only, and with the kernel's OOM killer alone; then a
# table of how each went.  The workload: four cached background apps
# (SCHED_IDLE, oom_score_adj 900..600), a protected daemon (-1000), and a
# busy foreground app that grows until the cgroup runs short, all on CPU 1,
# so a killed background app is starved as it exits.  reapd runs on CPU 0.
#
#   demo.sh [-m LIMIT_MIB] [-k] [MODE]...
#
# MODE is reap, kill-only, mrelease or oom (default: reap kill-only oom).
# -k keeps the logs in /tmp/reap-demo.  Needs root, cgroup v2 with the
# memory controller, two CPUs, and reapd and memload on PATH.  The last
# lines, "demo|MODE|reapd kills|reaped MiB|worst ms|PSI peak|OOM events/kills|
# killed in all|fg", are
# for scripts.
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
[ $# -gt 0 ] || set -- reap kill-only oom

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

run() {
	mode=$1 cg=$cgroot/reap-demo-$1 log=$dir/$1
	rmdir "$cg" 2>/dev/null
	mkdir "$cg" || return 1
	echo "${limit}M" > "$cg/memory.max"
	# A device without swap: with it, the same pressure would swap first.
	[ ! -e "$cg/memory.swap.max" ] || echo 0 > "$cg/memory.swap.max"
	printf -- '---- %s: %s MiB cgroup, 4 x %s MiB background, ' "$mode" "$limit" "$bg"
	printf '%s MiB protected, %s MiB foreground\n' "$sys" "$fg"
	rpid=
	if [ "$mode" != oom ]; then
		taskset -c 0 reapd --cgroup "$cg" --mode "$mode" > "$log.reapd" 2>&1 &
		rpid=$!
		while ! grep -q '^reapd: mode' "$log.reapd"; do
			kill -0 "$rpid" 2>/dev/null || { cat "$log.reapd"; return 1; }
			sleep 0.1
		done
	fi
	# The kernel's OOM reports (warnings) would drown the demo's lines;
	# "Killed process" (an error) still shows.
	read -r level rest < /proc/sys/kernel/printk
	echo 4 > /proc/sys/kernel/printk
	psi_peak "$cg/memory.pressure" > "$log.psi" &
	ppid=$!
	# shellcheck disable=SC2016
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		memload -c 1 -r "$rate" -H 2 bg1:"$bg":900:bg bg2:"$bg":800:bg \
		bg3:"$bg":700:bg bg4:"$bg":600:bg sysd:"$sys":-1000:sys \
		fg:"$fg":0:fg > "$log.memload" 2>&1
	kill "$ppid"
	wait "$ppid"
	echo "$level" > /proc/sys/kernel/printk
	if [ -n "$rpid" ]; then
		kill -TERM "$rpid"
		wait "$rpid"
		grep '^reapd: kill' "$log.reapd" | sed 's/^/    /'
	fi
	grep -E 'killed|survived' "$log.memload" | sed 's/^/    /'
	ooms=$(awk '$1 == "oom" { o = $2 } $1 == "oom_kill" { k = $2 }
		END { print o "/" k }' "$cg/memory.events")
	rmdir "$cg"

	awk -v mode="$mode" -v oom="$ooms" -v psi="$(cat "$log.psi")" '
		FILENAME ~ /reapd$/ && /^reapd: (kill|reap) / {
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
		}' "$log.reapd" "$log.memload" 2>/dev/null >> "$dir/table"
}

: > "$dir/table"
touch "$dir/oom.reapd"
for m in "$@"; do
	run "$m" || exit 1
done

echo
awk -F'|' '
	{ for (i = 2; i <= NF; i++) cell[NR, i] = $i; n = NR }
	END {
		n_labels = split("mode|kills by reapd|MiB reaped by reapd|" \
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

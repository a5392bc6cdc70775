# SPDX-License-Identifier: GPL-2.0
# Memory still charged to the victim after SIGKILL, one curve per strategy,
# from reap_bench's bench-curves.csv:
#   gnuplot -e "data='bench-curves.csv'; out='bench.png'" bench.gp
set terminal pngcairo size 1200,700 font "sans,11"
set output out
set datafile separator comma
set title "Starved victim: memory still charged after SIGKILL (median run of each strategy, one boot, TCG)"
set xlabel "time since SIGKILL (ms, log scale)"
set ylabel "victim memory.current (MiB)"
set logscale x
set xrange [1:*]
set yrange [0:*]
set grid
set key bottom left box opaque

# Rows of one strategy are contiguous, so selecting by name draws one curve.
sel(k) = strcol(1) eq k ? $3 : NaN
plot data using 2:(sel("idle_kill")) with lines lw 2 lc rgb "#000000" title "kill only (idle-starved)", \
     data using 2:(sel("idle_mrelease")) with lines lw 2 lc rgb "#1f77b4" title "kill + process\\_mrelease", \
     data using 2:(sel("idle_reap")) with lines lw 2 lc rgb "#d62728" title "kill + try\\_reap\\_dying\\_process", \
     data using 2:(sel("idle_loop64")) with lines lw 2 lc rgb "#ff7f0e" title "kill + try\\_reap loop, 64 MiB steps", \
     data using 2:(sel("fifo_kill")) with lines lw 2 dt 3 lc rgb "#555555" title "kill only (FIFO-starved)", \
     data using 2:(sel("fifo_late_mrelease")) with lines lw 2 dt 2 lc rgb "#1f77b4" title "process\\_mrelease 100 ms late (FIFO-starved)", \
     data using 2:(sel("fifo_late_reap")) with lines lw 2 dt 2 lc rgb "#d62728" title "try\\_reap 100 ms late (FIFO-starved)"

# Latency distribution plot of make bench-memif (run.sh sets datafile,
# outfile, echo_title, mxlbd_title and xmax). Data: one block per system
# (index 0 the echo, index 1 mxlbd), lines "upper_edge_us count fraction
# cumulative" of a histogram with 10 ns buckets below 100 us.
if (!exists("xmax")) xmax = 50
set terminal pngcairo size 1200,500 font "sans,10"
set output outfile
set multiplot layout 1,2 title "bench-memif: query to answer latency over net\\_memif (one generator core, one responder core)"

binw = xmax / 200.0
bin(x) = binw * ceil(x / binw)
set title "distribution (up to 4 x the larger p90)"
set xlabel "latency (us)"
set ylabel "fraction of answers per bin"
set xrange [0:xmax]
set yrange [0:*]
set grid
set key top right
plot datafile index 0 using (bin($1)):3 smooth frequency with steps lw 2 title echo_title, \
     datafile index 1 using (bin($1)):3 smooth frequency with steps lw 2 title mxlbd_title

set title "tail: fraction of answers slower than x"
set ylabel "1 - CDF"
set logscale xy
set xrange [*:*]
set yrange [1e-7:1]
set format y "10^{%L}"
set key bottom left
plot datafile index 0 using 1:(1 - $4 + 1e-9) with steps lw 2 title echo_title, \
     datafile index 1 using 1:(1 - $4 + 1e-9) with steps lw 2 title mxlbd_title
unset multiplot

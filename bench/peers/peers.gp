# bench-peers plot: throughput and latency per system, from the data file
# that bench/peers/run.sh writes (bench/peers/peers.dat):
#   system dnsperf_qps kxdpgun_replies_per_s lat_avg_ms p50_ms p99_ms
#
#   gnuplot -e "datafile='bench/peers/peers.dat'; outfile='bench/peers.png'; rate='10000'" bench/peers/peers.gp
if (!exists("datafile")) datafile = 'bench/peers/peers.dat'
if (!exists("outfile")) outfile = 'bench/peers.png'
if (!exists("rate")) rate = '?'

set terminal pngcairo size 1300,520 font ',10'
set output outfile
set multiplot layout 1,2 title 'mxlbd and its peers over veth: same zone, same queries, medians over rounds' font ',11'
set tmargin 5

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside top center horizontal
set xtics rotate by -20 noenhanced
set yrange [0:*]

set title 'throughput'
set ylabel 'answers per second'
set format y '%.0s%c'
plot datafile using 2:xtic(1) title 'dnsperf (1 thread, 200 outstanding)' lc rgb '#3366aa', \
     '' using 3 title 'kxdpgun replies (XDP client)' lc rgb '#dd8833', \
     '' using 0:2:(sprintf('%.0fk', $2/1000)) with labels offset -2.2,0.6 font ',8' notitle, \
     '' using 0:3:(sprintf('%.0fk', $3/1000)) with labels offset 2.2,0.6 font ',8' notitle

set title sprintf('latency, dnsperf at a fixed %s qps', rate)
set ylabel 'ms'
set format y '%g'
set logscale y
set yrange [0.01:*]
plot datafile using 4:xtic(1) title 'average' lc rgb '#3366aa', \
     '' using 5 title 'p50' lc rgb '#66aa66', \
     '' using 6 title 'p99' lc rgb '#cc4444'

unset multiplot

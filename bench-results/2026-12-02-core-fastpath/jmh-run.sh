#!/bin/bash
# usage: jmh-run.sh JAR OUTDIR
# The rows issue 11 names, each with the whole-file locks in the same run (ratios, not digits:
# the machine is shared with other builds). Every fork: -Xms1g -Xmx1g -XX:+AlwaysPreTouch (@Fork).
JAR=$1; OUT=$2
mkdir -p $OUT
J="nice java -cp $JAR org.openjdk.jmh.Main -f 1 -wi 2 -w 1s -i 3 -r 1s"
step() { # TAG ARGS...
  local tag=$1; shift
  echo "$tag start $(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $OUT/loadavg.txt
  $J "$@" -rf json -rff $OUT/$tag.json > $OUT/$tag-jmh.txt 2>&1
  echo "$tag end   $(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $OUT/loadavg.txt
}
step uncontended 'UncontendedBench' -p impl=rangelock-rw,rwlock,stamped -prof gc
step uncontended-parallelgc 'UncontendedParallelGcBench' -p impl=rangelock-rw,stamped -prof gc
step hold 'HoldBench' -prof gc
step overlapping-t2 'OverlappingBench' -p readShare=90 -p size=1,16 -p impl=rangelock-rw,rwlock,stamped -t 2
step overlapping-t8 'OverlappingBench' -p readShare=90 -p size=1 -p impl=rangelock-rw,rwlock,stamped -t 8
step held 'HeldBench' -p held=1,10000 -p impl=rangelock-rw,rwlock,stamped

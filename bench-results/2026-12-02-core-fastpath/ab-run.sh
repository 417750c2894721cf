#!/bin/bash
# usage: ab-run.sh JAR OUTDIR CLASSES_A CLASSES_B
# Before/after on the same machine minutes apart, A B A B: each variant's core classes (javac
# --release 17 of rangelock-core/src/main/java at that commit) put ahead of the shaded bench jar
# on the class path (JMH forks inherit it). Many short iterations: on a shared, loaded machine the
# minimum iteration is the figure least disturbed by other processes; medians are in the JSON too.
JAR=$1; OUT=$2; A=$3; B=$4
mkdir -p $OUT
run() { # TAG CLASSES
  local tag=$1 cp=$2
  echo "$tag start $(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $OUT/ab-loadavg.txt
  nice java -cp $cp:$JAR org.openjdk.jmh.Main -f 1 -wi 3 -w 500ms -i 15 -r 200ms \
    'HeldBench|HoldBench.handle|UncontendedBench.exclusive' \
    -p held=1,10000 -p impl=rangelock-rw,stamped -prof gc \
    -rf json -rff $OUT/$tag.json > $OUT/$tag-jmh.txt 2>&1
  echo "$tag end   $(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $OUT/ab-loadavg.txt
}
run ab-before-1 $A
run ab-after-1 $B
run ab-before-2 $A
run ab-after-2 $B

#!/bin/bash
# usage: ab-run.sh JAR OUTDIR CLASSES_BEFORE CLASSES_AFTER [ROUNDS]
# Before/after A B A B on one machine minutes apart: each variant's core classes (javac --release 17
# of rangelock-core/src/main/java at that commit) ahead of the shaded bench jar on the class path
# (JMH forks inherit it). rwlock and stamped run in every step: they are the same code in both
# variants, so their spread across steps is the run's noise gauge.
JAR=$1; OUT=$2; A=$3; B=$4; ROUNDS=${5:-2}
mkdir -p $OUT
run() { # TAG CLASSES
  local tag=$1 cp=$2
  echo "$tag start $(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $OUT/loadavg.txt
  for t in 2 8; do
    java -cp $cp:$JAR org.openjdk.jmh.Main -f 1 -wi 3 -w 500ms -i 10 -r 300ms -t $t \
      'OverlappingBench' -p size=1,16 -p readShare=90 -p impl=rangelock-rw,rwlock,stamped \
      -rf json -rff $OUT/$tag-overlapping-t$t.json > $OUT/$tag-overlapping-t$t.txt 2>&1
  done
  java -cp $cp:$JAR org.openjdk.jmh.Main -f 1 -wi 3 -w 500ms -i 10 -r 300ms \
    'UncontendedBench.exclusive|HoldBench.handle|HeldBench' -p held=1,10000 \
    -p impl=rangelock-rw,stamped -prof gc \
    -rf json -rff $OUT/$tag-single.json > $OUT/$tag-single.txt 2>&1
  echo "$tag end   $(date -u +%H:%M:%S) $(cat /proc/loadavg)" >> $OUT/loadavg.txt
}
for i in $(seq 1 $ROUNDS); do
  run before-$i $A
  run after-$i $B
done

#!/bin/bash
# usage: jmh-run.sh JAR OUTDIR TAG
JAR=$1; OUT=$2; TAG=$3
mkdir -p $OUT
J="java -cp $JAR org.openjdk.jmh.Main -f 1 -wi 2 -w 1s -i 3 -r 1s"
uptime > $OUT/$TAG-uptime-start.txt
$J 'UncontendedBench.exclusive|UncontendedParallelGcBench.exclusive' -p impl=rangelock-rw,stamped -prof gc -rf json -rff $OUT/$TAG-uncontended.json > $OUT/$TAG-uncontended.log 2>&1
$J 'DisjointBench.disjoint|DisjointParallelGcBench.disjoint' -p impl=rangelock-rw,stamped -t 1 -rf json -rff $OUT/$TAG-disjoint-t1.json > $OUT/$TAG-disjoint-t1.log 2>&1
$J 'DisjointBench.disjoint|DisjointParallelGcBench.disjoint' -p impl=rangelock-rw,stamped -t 2 -rf json -rff $OUT/$TAG-disjoint-t2.json > $OUT/$TAG-disjoint-t2.log 2>&1
uptime > $OUT/$TAG-uptime-end.txt

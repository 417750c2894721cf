package org.rangelock.bench.jmh;

import org.openjdk.jmh.annotations.Fork;

/** {@link UncontendedBench} under ParallelGC (see {@link DisjointParallelGcBench}). */
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-XX:+UseParallelGC"})
public class UncontendedParallelGcBench extends UncontendedBench {}

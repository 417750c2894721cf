package org.rangelock.bench.jmh;

import org.openjdk.jmh.annotations.Fork;

/**
 * {@link DisjointBench} under ParallelGC, whose unconditional card marking makes two threads that
 * store references into nearby objects (a zone word holding a request, say) contend on the card
 * table even when their objects share no cache line (issue 11). The JDK's default on these machines
 * is G1; this row shows the other collector a user may run.
 */
@Fork(jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-XX:+UseParallelGC"})
public class DisjointParallelGcBench extends DisjointBench {}

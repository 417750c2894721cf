package org.rangelock.bench.report;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;

/**
 * What the numbers were measured on, as measured: the processors this JVM sees, the OS, and the JDK
 * and JVM flags of JMH's forks as JMH recorded them in the results (not as configured here).
 */
record Machine(int cpus, String os, String jdk, String vm, List<String> jvmArgs) {
  static Machine of(Collection<RunResult> results) {
    String jdk = System.getProperty("java.runtime.version");
    String vm = System.getProperty("java.vm.name");
    List<String> args = List.of();
    for (RunResult rr : results) {
      BenchmarkParams p = rr.getParams();
      jdk = p.getJdkVersion();
      vm = p.getVmName() + " " + p.getVmVersion();
      args = List.copyOf(p.getJvmArgs());
      break;
    }
    return new Machine(
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"),
        jdk,
        vm,
        args);
  }

  /** The JVM flags of the forks, without the report's own side-file property. */
  String flags() {
    StringBuilder b = new StringBuilder();
    for (String a : jvmArgs) {
      if (!a.startsWith("-Drangelock.bench.waitlog=")) {
        b.append(b.length() == 0 ? "" : " ").append(a);
      }
    }
    return b.length() == 0 ? "(JMH defaults)" : b.toString();
  }

  /** One line for the foot of every chart: which run, on what. */
  String stamp(String profile, String run) {
    return String.format(
        Locale.ROOT,
        "run %s (%s), %d CPUs, JDK %s, %s, flags: %s",
        run,
        profile,
        cpus,
        jdk,
        vm,
        flags());
  }
}

package org.rangelock.bench.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code --version}: this jar's version (from its manifest) and the JVM that runs it. */
public final class JarVersion implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = JarVersion.class.getPackage().getImplementationVersion();
    return new String[] {
      "rangelock-bench " + (v == null ? "(not from the packaged jar)" : v),
      "JVM: "
          + System.getProperty("java.vm.name")
          + " "
          + System.getProperty("java.runtime.version")
          + " ("
          + System.getProperty("java.home")
          + ")"
    };
  }
}

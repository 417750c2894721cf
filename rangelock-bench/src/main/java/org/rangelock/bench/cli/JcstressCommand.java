package org.rangelock.bench.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code jcstress [jcstress arguments]}: runs {@code rangelock-jcstress.jar} in a child JVM with
 * these arguments. The jcstress tests live in a jar of their own because jcstress 0.16 and JMH 1.37
 * need two incompatible versions of jopt-simple; this command only finds that jar (beside this one,
 * or in the source tree's {@code rangelock-bench/jcstress/target}) and passes its exit status on.
 */
@Command(
    name = "jcstress",
    description = {
      "Run rangelock-jcstress.jar with these arguments (jcstress -h for its options).",
      "Example: jcstress -m quick -t org.rangelock.bench.jcstress"
    })
public final class JcstressCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws IOException, InterruptedException {
    Path jar = locate();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.addAll(args);
    return new ProcessBuilder(cmd).inheritIO().start().waitFor();
  }

  private Path locate() {
    List<Path> tried = new ArrayList<>();
    try {
      Path here =
          Path.of(
              JcstressCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path dir = Files.isDirectory(here) ? here : here.getParent();
      tried.add(dir.resolve("rangelock-jcstress.jar"));
      // From rangelock-bench/target (or target/classes) to rangelock-bench/jcstress/target.
      for (Path d = dir; d != null && tried.size() < 4; d = d.getParent()) {
        tried.add(d.resolve("jcstress").resolve("target").resolve("rangelock-jcstress.jar"));
      }
    } catch (URISyntaxException | RuntimeException e) {
      // fall through to the message below with what was tried
    }
    for (Path p : tried) {
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new ParameterException(
        spec.commandLine(),
        "jcstress: rangelock-jcstress.jar not found (looked at "
            + tried
            + "); build it with mvn -B -pl rangelock-bench/jcstress -am package -Dharness.skip, or run it"
            + " directly: java -jar rangelock-bench/jcstress/target/rangelock-jcstress.jar");
  }
}

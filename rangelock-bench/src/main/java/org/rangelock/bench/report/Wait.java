package org.rangelock.bench.report;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.rangelock.bench.jmh.MappingMixBench;

/**
 * One mapping-mix run's page-killer wait percentiles, as {@link MappingMixBench} appends them to
 * the side file (a CSV record per lock, k and thread count).
 */
record Wait(
    String impl,
    int k,
    int threads,
    long samples,
    double p50Us,
    double p99Us,
    double p999Us,
    double maxUs) {

  /**
   * The records of the forks' side file (headerless, columns {@link MappingMixBench#WAIT_COLUMNS}).
   */
  static List<Wait> read(Path file) throws IOException {
    List<Wait> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    CSVFormat f = CSVFormat.DEFAULT.builder().setHeader(MappingMixBench.WAIT_COLUMNS).get();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (CSVRecord c : f.parse(r)) {
        out.add(
            new Wait(
                c.get("impl"),
                Integer.parseInt(c.get("k")),
                Integer.parseInt(c.get("threads")),
                Long.parseLong(c.get("samples")),
                Double.parseDouble(c.get("p50Us")),
                Double.parseDouble(c.get("p99Us")),
                Double.parseDouble(c.get("p999Us")),
                Double.parseDouble(c.get("maxUs"))));
      }
    }
    return out;
  }

  /** Writes the report's {@code killer-waits.csv}, with a header line. */
  static void write(List<Wait> waits, Path file) throws IOException {
    CSVFormat f =
        CSVFormat.DEFAULT
            .builder()
            .setHeader(MappingMixBench.WAIT_COLUMNS)
            .setRecordSeparator("\n")
            .get();
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        CSVPrinter p = new CSVPrinter(w, f)) {
      for (Wait x : waits) {
        p.printRecord(x.impl, x.k, x.threads, x.samples, x.p50Us, x.p99Us, x.p999Us, x.maxUs);
      }
    }
  }
}

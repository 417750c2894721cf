/**
 * rangelock-mmap: a memory-mapped file on a real file whose every access path takes {@link
 * org.rangelock.ModeTable#mapping() the mapping table} on the bytes it touches, so that a truncate,
 * hole punch or direct write never crashes or misleads a mapped reader. See {@link
 * org.rangelock.mmap.MappedFile}.
 *
 * <p>On JDK 22 and later the multi-release jar adds hole punching, zero/collapse/insert range,
 * preallocation and the allocated size through the FFM API ({@code fallocate}, {@code fstat});
 * grant it native access with {@code --enable-native-access=org.rangelock.mmap} (or {@code
 * ALL-UNNAMED} on the class path) to silence the JDK's warning.
 */
module org.rangelock.mmap {
  requires transitive org.rangelock;
  // com.sun.nio.file.ExtendedOpenOption.DIRECT (O_DIRECT), part of every JDK.
  requires jdk.unsupported;

  exports org.rangelock.mmap;
}

package org.rangelock.sim.kernel;

/**
 * A mapping of a file range into an address space: pages {@code [startVpn, startVpn + pages)} map
 * file pages {@code [pgoff, pgoff + pages)}, shared (stores reach the file) or private (stores copy
 * on write into anonymous frames).
 */
public record Vma(
    AddressSpace mm, long startVpn, long pages, Inode inode, long pgoff, boolean shared) {
  /** The virtual address of byte {@code fileOffset} of the file. */
  public long address(long fileOffset) {
    return (startVpn + (fileOffset / PhysicalMemory.PAGE - pgoff)) * PhysicalMemory.PAGE
        + fileOffset % PhysicalMemory.PAGE;
  }

  boolean contains(long vpn) {
    return vpn >= startVpn && vpn < startVpn + pages;
  }

  long indexOf(long vpn) {
    return pgoff + (vpn - startVpn);
  }
}

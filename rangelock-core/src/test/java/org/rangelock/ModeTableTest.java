package org.rangelock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ModeTableTest {

  /** docs/design.md §3, cell by cell, written out independently of ModeTable.mapping(). */
  @Test
  void mappingTableIsTheDesignTable() {
    MappingMode f = MappingMode.FAULT;
    MappingMode r = MappingMode.READ;
    MappingMode w = MappingMode.WRITE;
    MappingMode d = MappingMode.DIRECT;
    MappingMode wb = MappingMode.WRITEBACK;
    MappingMode inv = MappingMode.INVALIDATE;
    Set<String> yes =
        Set.of(
            "FAULT/FAULT",
            "FAULT/READ",
            "FAULT/WRITEBACK",
            "READ/READ",
            "READ/WRITE",
            "READ/WRITEBACK",
            "WRITE/WRITE",
            "WRITE/WRITEBACK",
            "DIRECT/DIRECT",
            "DIRECT/WRITEBACK",
            "WRITEBACK/WRITEBACK");
    ModeTable<MappingMode> t = ModeTable.mapping();
    for (MappingMode a : MappingMode.values()) {
      for (MappingMode b : MappingMode.values()) {
        boolean expected = yes.contains(a + "/" + b) || yes.contains(b + "/" + a);
        assertEquals(expected, t.compatible(a, b), a + " vs " + b);
      }
    }
    assertFalse(t.compatible(inv, inv));
    assertTrue(t.compatible(d, wb));
    assertFalse(t.compatible(f, w));
    assertTrue(t.compatible(r, w));
  }

  @Test
  void dlmTableIsTheClassicVmsMatrix() {
    ModeTable<DlmMode> t = ModeTable.dlm();
    // rows of the classic matrix, NL CR CW PR PW EX
    String[] rows = {"111111", "111110", "111000", "110100", "110000", "100000"};
    DlmMode[] m = DlmMode.values();
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m.length; j++) {
        assertEquals(rows[i].charAt(j) == '1', t.compatible(m[i], m[j]), m[i] + " vs " + m[j]);
      }
    }
  }

  @Test
  void readWriteAndTwoState() {
    assertTrue(ModeTable.readWrite().compatible(ReadWriteMode.SHARED, ReadWriteMode.SHARED));
    assertFalse(ModeTable.readWrite().compatible(ReadWriteMode.SHARED, ReadWriteMode.EXCLUSIVE));
    assertFalse(ModeTable.readWrite().compatible(ReadWriteMode.EXCLUSIVE, ReadWriteMode.EXCLUSIVE));
    assertTrue(ModeTable.twoState().compatible(TwoStateMode.ADD, TwoStateMode.ADD));
    assertTrue(ModeTable.twoState().compatible(TwoStateMode.BLOCK, TwoStateMode.BLOCK));
    assertFalse(ModeTable.twoState().compatible(TwoStateMode.ADD, TwoStateMode.BLOCK));
  }

  @Test
  void weakerModes() {
    ModeTable<MappingMode> t = ModeTable.mapping();
    assertTrue(t.isWeaker(MappingMode.FAULT, MappingMode.INVALIDATE));
    assertTrue(t.isWeaker(MappingMode.WRITEBACK, MappingMode.FAULT));
    assertFalse(t.isWeaker(MappingMode.INVALIDATE, MappingMode.FAULT));
    assertFalse(t.isWeaker(MappingMode.FAULT, MappingMode.FAULT), "not strictly weaker");
    assertFalse(t.isWeaker(MappingMode.WRITE, MappingMode.FAULT), "incomparable");
    assertTrue(ModeTable.readWrite().isWeaker(ReadWriteMode.SHARED, ReadWriteMode.EXCLUSIVE));
    assertTrue(ModeTable.dlm().isWeaker(DlmMode.NL, DlmMode.EX));
    assertTrue(ModeTable.dlm().isWeaker(DlmMode.PR, DlmMode.PW));
    assertFalse(ModeTable.dlm().isWeaker(DlmMode.CW, DlmMode.PR));
  }

  enum Abc {
    A,
    B,
    C
  }

  @Test
  void builderRejectsAsymmetricTableNamingThePair() {
    var b = ModeTable.builder(Abc.class).row(Abc.A, Abc.B).row(Abc.B).row(Abc.C, Abc.C);
    var e = assertThrows(IllegalArgumentException.class, b::build);
    assertTrue(e.getMessage().contains("(A, B)"), e.getMessage());
    assertTrue(e.getMessage().contains("asymmetric"), e.getMessage());
  }

  @Test
  void builderRejectsIncompleteTableNamingThePair() {
    var b = ModeTable.builder(Abc.class).row(Abc.A, Abc.A).row(Abc.B).compatible(Abc.C, Abc.C);
    var e = assertThrows(IllegalArgumentException.class, b::build);
    assertTrue(e.getMessage().contains("(C, A)"), e.getMessage());
    assertTrue(e.getMessage().contains("not declared"), e.getMessage());
  }

  @Test
  void builderRejectsContradictionAndKeepsFirstDeclaration() {
    var b = ModeTable.builder(Abc.class).compatible(Abc.A, Abc.B);
    var e = assertThrows(IllegalArgumentException.class, () -> b.incompatible(Abc.A, Abc.B));
    assertTrue(e.getMessage().contains("(A, B)"), e.getMessage());
    ModeTable<Abc> t =
        b.row(Abc.A, Abc.B)
            .row(Abc.B, Abc.A)
            .incompatible(Abc.C, Abc.C)
            .incompatible(Abc.C, Abc.A)
            .incompatible(Abc.C, Abc.B)
            .build();
    assertTrue(t.compatible(Abc.A, Abc.B));
    assertFalse(t.compatible(Abc.A, Abc.A));
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void modeOfAnotherTableIsRejected() {
    ModeTable raw = ModeTable.readWrite();
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> raw.compatible(ReadWriteMode.SHARED, MappingMode.FAULT));
    assertTrue(e.getMessage().contains("FAULT"), e.getMessage());
    assertThrows(NullPointerException.class, () -> raw.compatible(null, ReadWriteMode.SHARED));
    assertThrows(NullPointerException.class, () -> ModeTable.builder(null));
  }
}

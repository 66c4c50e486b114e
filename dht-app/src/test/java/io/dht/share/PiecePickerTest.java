package io.dht.share;

import static org.assertj.core.api.Assertions.assertThat;

import io.dht.id.Endpoint;
import java.net.InetAddress;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PiecePickerTest {
  private static final InetAddress A = Endpoint.parseAddress("127.0.0.1");
  private static final InetAddress B = Endpoint.parseAddress("127.0.0.2");

  /** 10 pieces of 32 KiB (2 blocks each), the last one 20 000 bytes (2 blocks: 16384 + 3616). */
  private static Torrent torrent() {
    long total = 9L * 32 * 1024 + 20_000;
    return Torrent.of("t", 32 * 1024, new byte[200],
        List.of(new TorrentFile(List.of("t"), total, 0)), false);
  }

  private static BitSet bits(int... pieces) {
    BitSet b = new BitSet();
    for (int p : pieces) {
      b.set(p);
    }
    return b;
  }

  @Test
  void picksRarestPieceFirstAndFinishesItBeforeStartingAnother() {
    PiecePicker picker = new PiecePicker(torrent(), new BitSet(), new SplittableRandom(1));
    picker.addAvailability(bits(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
    picker.addAvailability(bits(0, 1, 2, 3, 4, 5, 6, 8, 9));
    picker.addAvailability(bits(0, 1, 2, 3, 4, 5, 6, 8, 9)); // piece 7: only one peer
    List<Long> first = picker.pick(bits(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 2, Set.of());
    assertThat(first).containsExactly(PiecePicker.key(7, 0), PiecePicker.key(7, 16384));
    List<Long> next = picker.pick(bits(7, 9), 4, Set.of());
    assertThat(next).containsExactly(PiecePicker.key(9, 0), PiecePicker.key(9, 16384));
    assertThat(picker.blockLength(PiecePicker.key(9, 16384))).isEqualTo(20_000 - 16384);
  }

  @Test
  void releasedBlocksArePickedAgainAndCompletePiecesReportOnce() {
    PiecePicker picker = new PiecePicker(torrent(), new BitSet(), new SplittableRandom(2));
    BitSet only0 = bits(0);
    picker.addAvailability(only0);
    List<Long> got = picker.pick(only0, 16, Set.of());
    assertThat(got).hasSize(2);
    picker.release(got.get(1));
    assertThat(picker.pick(only0, 16, Set.of(got.get(0)))).containsExactly(got.get(1));
    assertThat(picker.received(got.get(0), A)).isEqualTo(PiecePicker.Received.BLOCK);
    assertThat(picker.received(got.get(0), A)).isEqualTo(PiecePicker.Received.DUPLICATE);
    assertThat(picker.received(got.get(1), B)).isEqualTo(PiecePicker.Received.PIECE_COMPLETE);
    assertThat(picker.failed(0)).containsExactlyInAnyOrder(A, B);
    assertThat(picker.pick(only0, 16, Set.of())).hasSize(2); // the failed piece is fetched again
  }

  @Test
  void endGameRequestsAStragglingBlockFromASecondPeerOnly() {
    BitSet have = new BitSet();
    have.set(0, 9);
    PiecePicker picker = new PiecePicker(torrent(), have, new SplittableRandom(3));
    BitSet nine = bits(9);
    picker.addAvailability(nine);
    picker.addAvailability(nine);
    Set<Long> peer1 = new HashSet<>(picker.pick(nine, 16, Set.of()));
    assertThat(peer1).hasSize(2);
    assertThat(picker.endGame()).isTrue();
    Set<Long> peer2 = new HashSet<>(picker.pick(nine, 16, Set.of()));
    assertThat(peer2).isEqualTo(peer1); // duplicates, at most one extra request per block
    assertThat(picker.pick(nine, 16, Set.of())).isEmpty();
    for (long k : peer1) {
      picker.received(k, A);
    }
    picker.verified(9);
    assertThat(picker.complete()).isTrue();
    assertThat(picker.verifiedBytes()).isEqualTo(9L * 32 * 1024 + 20_000);
  }

  @Test
  void interestFollowsWhatWeLack() {
    BitSet have = bits(0, 1);
    PiecePicker picker = new PiecePicker(torrent(), have, new SplittableRandom(4));
    assertThat(picker.interesting(bits(0, 1))).isFalse();
    assertThat(picker.interesting(bits(1, 2))).isTrue();
  }
}

package io.perfmetrics.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HashesTest {
  @Test
  void sha256IsTheStandardDigestEveryTime() {
    // FIPS 180-2 test vectors; twice each, so state left over from a call would show
    for (int i = 0; i < 2; i++) {
      assertThat(HexFormat.of().formatHex(Hashes.sha256("abc")))
          .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      assertThat(HexFormat.of().formatHex(Hashes.sha256("")))
          .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
  }

  @Test
  void concurrentCallersEachGetTheirOwnDigest() throws Exception {
    List<String> inputs = IntStream.range(0, 64).mapToObj(i -> "pm1." + i + ".secret").toList();
    List<String> expected = inputs.stream().map(s -> hex(Hashes.sha256(s))).toList();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Callable<List<String>>> tasks =
          IntStream.range(0, 8)
              .<Callable<List<String>>>mapToObj(
                  t ->
                      () -> {
                        List<String> out = inputs;
                        for (int round = 0; round < 200; round++) {
                          out = inputs.stream().map(s -> hex(Hashes.sha256(s))).toList();
                          if (!out.equals(expected)) {
                            return out;
                          }
                        }
                        return out;
                      })
              .toList();
      for (Future<List<String>> f : pool.invokeAll(tasks)) {
        assertThat(f.get()).isEqualTo(expected);
      }
    }
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}

package io.perfmetrics.targets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
  final SecretBox box = new SecretBox(new SecretKeySpec(new byte[32], "AES"));

  @Test
  void sealsAndOpens() {
    byte[] sealed = box.seal("hunter2", "credentials/a/secret");

    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("hunter2");
    assertThat(box.open(sealed, "credentials/a/secret")).isEqualTo("hunter2");
  }

  @Test
  void aFreshNonceEachTime() {
    assertThat(box.seal("same", "x")).isNotEqualTo(box.seal("same", "x"));
  }

  @Test
  void refusesAnotherKeyAnotherPurposeAndTampering() {
    byte[] sealed = box.seal("hunter2", "credentials/a/secret");
    byte[] other = new byte[32];
    other[0] = 1;

    assertThatThrownBy(
            () ->
                new SecretBox(new SecretKeySpec(other, "AES")).open(sealed, "credentials/a/secret"))
        .hasMessageContaining("wrong master key");
    assertThatThrownBy(() -> box.open(sealed, "credentials/b/secret"))
        .hasMessageContaining("tampered");
    sealed[sealed.length - 1] ^= 1;
    assertThatThrownBy(() -> box.open(sealed, "credentials/a/secret"))
        .isInstanceOf(IllegalStateException.class);
  }
}

package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {
  final PasswordHasher hasher = new PasswordHasher();

  @Test
  void aHashVerifiesItsPasswordAndNoOther() {
    String h = hasher.hash("correct horse battery staple");

    assertThat(hasher.verify("correct horse battery staple", h)).isTrue();
    assertThat(hasher.verify("correct horse battery stapl", h)).isFalse();
    assertThat(hasher.verify("", h)).isFalse();
    assertThat(h).doesNotContain("correct");
  }

  @Test
  void theStoredFormNamesSchemeIterationsSaltAndHash() {
    String[] p = hasher.hash("pw").split("\\$");

    assertThat(p).hasSize(4);
    assertThat(p[0]).isEqualTo("pbkdf2-sha256");
    assertThat(Integer.parseInt(p[1]))
        .isGreaterThanOrEqualTo(310_000)
        .isEqualTo(PasswordHasher.DEFAULT_ITERATIONS);
    assertThat(java.util.Base64.getDecoder().decode(p[2])).hasSize(16);
    assertThat(java.util.Base64.getDecoder().decode(p[3])).hasSize(32);
  }

  @Test
  void theSamePasswordGetsAnotherSaltEachTime() {
    assertThat(hasher.hash("same")).isNotEqualTo(hasher.hash("same"));
  }

  @Test
  void malformedOrWeakStoredValuesNeverVerify() {
    String weak =
        "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assertThat(hasher.verify("x", weak)).isFalse();
    assertThat(hasher.verify("x", "plain")).isFalse();
    assertThat(hasher.verify("x", "md5$1$2$3")).isFalse();
    assertThat(hasher.verify("x", "pbkdf2-sha256$abc$%%$%%")).isFalse();
    assertThat(hasher.verify(null, hasher.hash("x"))).isFalse();
  }

  @Test
  void aHasherRefusesFewerIterationsThanTheFloor() {
    assertThatThrownBy(() -> new PasswordHasher(new SecureRandom(), 100_000))
        .hasMessageContaining("310000");
  }

  @Test
  void hashesWithFewerIterationsThanNowAskToBeRedone() {
    PasswordHasher stronger =
        new PasswordHasher(new SecureRandom(), PasswordHasher.DEFAULT_ITERATIONS + 1);
    String h = hasher.hash("pw");

    assertThat(stronger.needsRehash(h)).isTrue();
    assertThat(stronger.verify("pw", h)).as("old hashes still verify").isTrue();
    assertThat(hasher.needsRehash(h)).isFalse();
  }

  @Test
  void generatedPasswordsAreLongAndDiffer() {
    assertThat(hasher.randomPassword()).hasSize(20).isNotEqualTo(hasher.randomPassword());
  }
}

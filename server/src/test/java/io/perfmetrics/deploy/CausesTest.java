package io.perfmetrics.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class CausesTest {
  @Test
  void theRootIsTheInnermostCause() {
    ConnectException refused = new ConnectException("Connection refused");
    IOException e = new IOException("wrapped", new IOException(refused));
    assertThat(Causes.root(e)).isSameAs(refused);
    assertThat(Causes.root(refused)).isSameAs(refused);
  }

  @Test
  void findTakesTheOutermostOfTheType() {
    UnknownHostException unknown = new UnknownHostException("web1.invalid");
    IOException e = new IOException("connect", unknown);
    assertThat(Causes.find(e, UnknownHostException.class)).containsSame(unknown);
    assertThat(Causes.find(e, ConnectException.class)).isEmpty();
  }

  @Test
  void theInnermostMessageSkipsBlankOnes() {
    IOException e =
        new IOException(
            "outer",
            new ConnectException(null) {
              {
                initCause(new IOException("Connection refused", new IOException(" ")));
              }
            });
    assertThat(Causes.innermostMessage(e)).isEqualTo("Connection refused");
    assertThat(Causes.innermostMessage(new ConnectException())).isNull();
  }

  @Test
  void aChainThatLoopsEnds() {
    IOException a = new IOException("a");
    IOException b = new IOException("b", a);
    a.initCause(b);
    assertThat(Causes.chain(a)).containsExactly(a, b);
    assertThat(Causes.root(a)).isSameAs(b);
    assertThat(Causes.find(a, ConnectException.class)).isEmpty();
    assertThat(Causes.innermostMessage(a)).isEqualTo("b");
  }
}

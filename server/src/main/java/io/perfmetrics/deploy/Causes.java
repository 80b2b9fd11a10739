package io.perfmetrics.deploy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An exception's chain of causes, where the reason a connection failed usually is: SSHJ, jcifs-ng
 * and the JDK's HTTP client wrap the socket's own error ("Connection refused", a timeout, a name
 * that does not resolve) in exceptions of their own. A chain can loop back on itself, so a cause
 * already seen ends it.
 */
public final class Causes {
  private Causes() {}

  /** {@code e} and its causes, outermost first, each once. */
  public static List<Throwable> chain(Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  /** The innermost cause, or {@code e} itself when it has none. */
  public static Throwable root(Throwable e) {
    List<Throwable> chain = chain(e);
    return chain.get(chain.size() - 1);
  }

  /** The first of {@code e} and its causes that is a {@code type}. */
  public static <T extends Throwable> Optional<T> find(Throwable e, Class<T> type) {
    return chain(e).stream().filter(type::isInstance).map(type::cast).findFirst();
  }

  /** The innermost message that says something, or null when none does. */
  public static @Nullable String innermostMessage(Throwable e) {
    List<Throwable> chain = chain(e);
    for (int i = chain.size() - 1; i >= 0; i--) {
      String m = chain.get(i).getMessage();
      if (m != null && !m.isBlank()) {
        return m;
      }
    }
    return null;
  }
}

package io.perfmetrics.deploy;

import java.util.Collections;
import java.util.IdentityHashMap;
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

  /** The innermost cause, or {@code e} itself when it has none. */
  public static Throwable root(Throwable e) {
    Throwable root = e;
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      root = t;
    }
    return root;
  }

  /** The first of {@code e} and its causes that is a {@code type}. */
  public static <T extends Throwable> Optional<T> find(Throwable e, Class<T> type) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      if (type.isInstance(t)) {
        return Optional.of(type.cast(t));
      }
    }
    return Optional.empty();
  }

  /** The innermost message that says something, or null when none does. */
  public static @Nullable String innermostMessage(Throwable e) {
    String why = null;
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank()) {
        why = m;
      }
    }
    return why;
  }
}

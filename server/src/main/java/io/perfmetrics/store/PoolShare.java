package io.perfmetrics.store;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * At most {@code connections} of a pool's connections held at once through this share; the rest of
 * the pool stays for everyone else. A deploy at 32 hosts at once wants more connections than the
 * appliance's pool has, and a request that waits on a dry pool gives up after 2 s: collectors'
 * uploads got 503 while a deploy held the pool, and its retries ({@code Persistently}) kept it dry.
 * Through a share the deploy waits on its own permits instead, never on the connections kept back.
 */
public final class PoolShare implements DataSource {
  private final DataSource pool;
  private final Semaphore permits;
  private final int connections;
  private final Duration wait;

  public PoolShare(DataSource pool, int connections, Duration wait) {
    if (connections < 1) {
      throw new IllegalArgumentException("a share of at least one connection");
    }
    this.pool = pool;
    this.connections = connections;
    this.permits = new Semaphore(connections, true);
    this.wait = wait;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return take(pool::getConnection);
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    return take(() -> pool.getConnection(user, password));
  }

  private interface Opener {
    Connection open() throws SQLException;
  }

  private Connection take(Opener opener) throws SQLException {
    try {
      // like the pool's own wait: a caller gets an error it can retry, not a hang
      if (!permits.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new SQLTransientConnectionException(
            "all "
                + connections
                + " database connections this work may hold are in use (the rest of the pool is"
                + " kept for collectors and the API); waited "
                + wait.toMillis()
                + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLTransientConnectionException("interrupted while waiting for a connection", e);
    }
    Connection c;
    try {
      c = opener.open();
    } catch (SQLException | RuntimeException e) {
      permits.release();
      throw e;
    }
    return released(c);
  }

  /** The connection, whose first close gives the permit back (a second close gives nothing). */
  private Connection released(Connection c) {
    AtomicBoolean closed = new AtomicBoolean();
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close") && method.getParameterCount() == 0) {
                try {
                  c.close();
                } finally {
                  if (closed.compareAndSet(false, true)) {
                    permits.release();
                  }
                }
                return null;
              }
              if (method.getName().equals("unwrap") && args[0] == Connection.class) {
                return proxy;
              }
              try {
                return method.invoke(c, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return pool.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    pool.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    pool.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return pool.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return pool.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    return pool.unwrap(type);
  }

  @Override
  public boolean isWrapperFor(Class<?> type) throws SQLException {
    return type.isInstance(this) || pool.isWrapperFor(type);
  }
}

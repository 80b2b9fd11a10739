package io.perfmetrics.store;

/**
 * The database cannot be reached or did not commit in time. Collectors get 503 for it and keep
 * their spool; nothing of the request has been stored.
 */
public final class StorageUnavailableException extends RuntimeException {
  public StorageUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageUnavailableException(String message) {
    super(message);
  }
}

package io.perfmetrics.ingest;

/** A request body that does not follow the protocol; the message names the line and why. */
public final class MalformedSamplesException extends Exception {
  public MalformedSamplesException(String message) {
    super(message, null, false, false);
  }
}

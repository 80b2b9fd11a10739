package io.perfmetrics.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Reads request bodies with a hard size limit, so an oversized upload costs us nothing. */
public final class Bodies {
  /** The body's bytes; the valid length is {@link #length}. */
  public record Body(byte[] bytes, int length) {}

  private Bodies() {}

  /**
   * Bodies up to this size are read and dropped before a 413, so the client gets to read the
   * answer.
   */
  static final long DRAIN_LIMIT = 16L << 20;

  public static Body read(Context ctx, int limit) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      // If we answered before the client finished sending, the server would close the connection
      // under it and the client would see a reset instead of the 413 that says why.
      if (declared <= DRAIN_LIMIT) {
        drain(ctx);
      } else {
        ctx.header("Connection", "close");
      }
      throw tooLarge(declared, limit);
    }
    try (InputStream in = ctx.req().getInputStream()) {
      if (declared >= 0) {
        // straight into one array of the declared size (readNBytes(int) gathers 8 kB chunks and
        // copies them once more)
        byte[] b = new byte[(int) declared];
        return new Body(b, in.readNBytes(b, 0, b.length));
      }
      // chunked: read until the limit is passed, never further
      byte[] buf = new byte[8192];
      int n = 0;
      while (true) {
        if (n == buf.length) {
          buf = Arrays.copyOf(buf, Math.min(buf.length * 2, limit + 1));
        }
        int r = in.read(buf, n, buf.length - n);
        if (r < 0) {
          return new Body(buf, n);
        }
        n += r;
        if (n > limit) {
          drain(ctx);
          throw tooLarge(n, limit);
        }
      }
    } catch (IOException e) {
      throw new ApiException(
          400, "bad request", "could not read the request body: " + e.getMessage());
    }
  }

  private static void drain(Context ctx) {
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] sink = new byte[64 * 1024];
      long total = 0;
      int r;
      while ((r = in.read(sink)) >= 0 && (total += r) <= DRAIN_LIMIT) {
        // discard
      }
    } catch (IOException e) {
      // the client went away; there is nobody to answer
    }
  }

  private static ApiException tooLarge(long size, int limit) {
    return new ApiException(
        413,
        "payload too large",
        "body is "
            + (size > limit ? "over " + limit : String.valueOf(size))
            + " bytes; the limit is "
            + limit
            + " bytes ("
            + (limit >> 20)
            + " MiB): upload the spool in smaller parts");
  }
}

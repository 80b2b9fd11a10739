package io.perfmetrics.web;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Reads request bodies with a hard size limit, so an oversized upload costs us nothing. */
public final class Bodies {
  /** The body's bytes; the valid length is {@link #length}. */
  public record Body(byte[] bytes, int length) {}

  private Bodies() {}

  public static Body read(Context ctx, int limit) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > limit) {
      throw tooLarge(declared, limit);
    }
    try (InputStream in = ctx.req().getInputStream()) {
      if (declared >= 0) {
        byte[] b = in.readNBytes((int) declared);
        return new Body(b, b.length);
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
          throw tooLarge(n, limit);
        }
      }
    } catch (IOException e) {
      throw new ApiException(400, "bad request", "could not read the request body: " + e.getMessage());
    }
  }

  private static ApiException tooLarge(long size, int limit) {
    return new ApiException(
        413,
        "payload too large",
        "body is " + (size > limit ? "over " + limit : String.valueOf(size)) + " bytes; the limit is " + limit
            + " bytes (" + (limit >> 20) + " MiB): upload the spool in smaller parts");
  }
}

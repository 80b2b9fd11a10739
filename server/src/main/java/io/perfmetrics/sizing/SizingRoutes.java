package io.perfmetrics.sizing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;
import io.javalin.http.Context;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.ingest.HostLookup;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Admin routes for sizing reports: validate the parameters, ask the service, answer JSON or CSV.
 */
public final class SizingRoutes {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  public static final List<String> RATINGS = List.of("high", "medium", "low", "insufficient");

  private final SizingService service;
  private final ObjectMapper json;
  private final HostLookup hosts;

  /**
   * A fleet report's JSON, kept as long as the service keeps the report (weak keys: the report's
   * identity): a cached 1,000-host report is megabytes of JSON, and writing it again on every hit
   * cost more than finding it.
   */
  private final Cache<FleetReport, byte[]> rendered =
      Caffeine.newBuilder().weakKeys().maximumSize(64).build();

  public SizingRoutes(SizingService service, ObjectMapper json, HostLookup hosts) {
    this.service = service;
    this.json = json;
    this.hosts = hosts;
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/v1/sizing", this::fleet);
    routes.get("/api/v1/sizing/{host}", this::host);
  }

  private void fleet(Context ctx) {
    FleetReport r = service.fleet(query(ctx));
    Set<String> ratings = confidence(ctx);
    if (ratings != null) {
      r = r.withConfidence(ratings);
    }
    if (csv(ctx)) {
      ctx.contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=\"sizing.csv\"")
          .result(SizingCsv.fleet(r));
    } else if (ratings != null) {
      ctx.json(r);
    } else {
      ctx.contentType(ContentType.APPLICATION_JSON).result(rendered.get(r, this::render));
    }
  }

  private byte[] render(FleetReport r) {
    try {
      return json.writeValueAsBytes(r);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write a sizing report as JSON", e);
    }
  }

  private void host(Context ctx) {
    SizingQuery q = query(ctx);
    String key = ctx.pathParam("host");
    int id = hosts.resolve(key);
    Host host =
        service
            .hostById(id)
            .orElseThrow(() -> ApiException.notFound("no host with collector id " + id));
    HostSizing s = service.host(host, q);
    if (csv(ctx)) {
      ctx.contentType("text/csv; charset=utf-8")
          .header("Content-Disposition", "attachment; filename=\"sizing-" + host.id() + ".csv\"")
          .result(SizingCsv.host(s));
    } else {
      ctx.json(s);
    }
  }

  /**
   * {@code confidence=high,medium}: only hosts so rated (the report is filtered, not recomputed);
   * null: all.
   */
  public static Set<String> confidence(Context ctx) {
    // one comma-separated value, or the parameter repeated (a form's checkboxes)
    Set<String> out = new LinkedHashSet<>();
    for (String value : ctx.queryParams("confidence")) {
      for (String s : value.split(",", -1)) {
        String r = s.trim().toLowerCase(Locale.ROOT);
        if (r.isEmpty()) {
          continue;
        }
        if (!RATINGS.contains(r)) {
          throw ApiException.badRequest(
              "confidence must be a comma-separated list of "
                  + String.join(", ", RATINGS)
                  + "; got '"
                  + String.join(",", ctx.queryParams("confidence"))
                  + "'");
        }
        out.add(r);
      }
    }
    return out.isEmpty() ? null : out;
  }

  private static boolean csv(Context ctx) {
    String f = ctx.queryParam("format");
    if (f == null || f.equals("json")) {
      return false;
    }
    if (f.equals("csv")) {
      return true;
    }
    throw ApiException.badRequest("format must be json or csv, got '" + f + "'");
  }

  public static SizingQuery query(Context ctx) {
    String provider = name(ctx, "provider");
    if (provider != null) {
      provider = provider.toLowerCase(Locale.ROOT);
      if (!List.of("aws", "azure", "gcp").contains(provider)) {
        throw ApiException.badRequest("provider must be aws, azure or gcp, got '" + provider + "'");
      }
    }
    String region = name(ctx, "region");
    OsLicence os = null;
    // a console form sends its empty fields: empty means the default, as absent does
    String o = blankToNull(ctx.queryParam("os"));
    if (o != null) {
      os = OsLicence.parse(o);
      if (os == null) {
        throw ApiException.badRequest("os must be linux or windows, got '" + o + "'");
      }
    }
    PricingModel pricing = PricingModel.ON_DEMAND;
    String p = blankToNull(ctx.queryParam("pricing"));
    if (p != null) {
      pricing = PricingModel.parse(p);
      if (pricing == null) {
        throw ApiException.badRequest(
            "pricing must be on_demand, commit_1y or commit_3y, got '" + p + "'");
      }
    }
    double percentile = number(ctx, "percentile", SizingQuery.DEFAULT_PERCENTILE, 1, 100);
    double headroom = number(ctx, "headroom", SizingQuery.DEFAULT_HEADROOM, 1, 10);
    int lookback = (int) number(ctx, "lookback_days", SizingQuery.DEFAULT_LOOKBACK_DAYS, 1, 400);
    if (lookback != number(ctx, "lookback_days", SizingQuery.DEFAULT_LOOKBACK_DAYS, 1, 400)) {
      throw ApiException.badRequest("lookback_days must be a whole number of days");
    }
    List<String> families = new ArrayList<>();
    String f = blankToNull(ctx.queryParam("family"));
    if (f != null) {
      // limit 0 drops the empty field a trailing comma leaves (family=m5,), which is accepted
      for (String s : f.split(",", 0)) {
        if (!NAME.matcher(s.trim()).matches()) {
          throw ApiException.badRequest(
              "family must be a comma-separated list of families or categories, got '" + f + "'");
        }
        families.add(s.trim());
      }
    }
    String arch = name(ctx, "arch");
    if (arch != null
        && !arch.equals("x86_64")
        && !arch.equals("arm64")
        && !arch.equals(SizingQuery.ANY_ARCH)) {
      throw ApiException.badRequest("arch must be x86_64, arm64 or any, got '" + arch + "'");
    }
    double h = number(ctx, "horizon_months", 0, 0, SizingQuery.MAX_HORIZON_MONTHS);
    if (h != Math.rint(h)) {
      throw ApiException.badRequest("horizon_months must be a whole number of months");
    }
    String storageSize = blankToNull(ctx.queryParam("storage_size"));
    if (storageSize != null
        && !storageSize.equals(SizingQuery.SIZE_USED)
        && !storageSize.equals(SizingQuery.SIZE_PROVISIONED)) {
      throw ApiException.badRequest(
          "storage_size must be used or provisioned, got '" + storageSize + "'");
    }
    return new SizingQuery(
        provider,
        region,
        os,
        pricing,
        percentile,
        headroom,
        lookback,
        families,
        arch,
        (int) h,
        storageSize);
  }

  private static String name(Context ctx, String param) {
    String v = ctx.queryParam(param);
    if (v == null || v.isBlank()) {
      return null;
    }
    if (!NAME.matcher(v).matches()) {
      throw ApiException.badRequest(param + " has characters no " + param + " has: '" + v + "'");
    }
    return v;
  }

  private static double number(Context ctx, String param, double dflt, double min, double max) {
    String v = blankToNull(ctx.queryParam(param));
    if (v == null) {
      return dflt;
    }
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      d = Double.NaN;
    }
    if (!(d >= min && d <= max)) {
      throw ApiException.badRequest(
          param + " must be a number from " + num(min) + " to " + num(max) + ", got '" + v + "'");
    }
    return d;
  }

  private static String blankToNull(String v) {
    return v == null || v.isBlank() ? null : v;
  }

  private static String num(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
  }
}

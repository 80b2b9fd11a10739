package io.perfmetrics.sizing;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The sizing of one host. {@code status}: {@code sized}; {@code no_fit} (bigger than any type
 * allowed); {@code insufficient_data} (listed, not sized); {@code no_target} (no provider or region
 * known for it, or none in the catalog).
 *
 * @param current the type it runs as now, priced; null when unknown or not in the catalog
 * @param monthlySavings current minus recommended, per month of 730 hours; null unless both known
 * @param trends per metric (CPU, memory, storage) over the window; host reports only
 * @param otherArch the cheapest fit on another architecture when it costs less than the
 *     recommendation: a saving only if the host's software runs there, so an option, not the pick
 * @param storage per disk: the disk offering chosen, its demand and price
 * @param storageMonthly the disks' monthly price; null when a disk has none (no fit, no offerings)
 * @param totalMonthly the recommended type plus storage, per month; null unless both are known
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HostSizing(
    int hostId,
    String hostname,
    String status,
    String provider,
    String region,
    String os,
    String pricing,
    String currentType,
    Candidate current,
    Candidate recommended,
    Double monthlySavings,
    Demand demand,
    Confidence confidence,
    List<Candidate> candidates,
    List<Candidate> rejected,
    List<String> notes,
    Candidate otherArch,
    List<Trend> trends,
    Series series,
    List<StorageLine> storage,
    Double storageMonthly,
    Double totalMonthly) {

  public static final String SIZED = "sized";
  public static final String NO_FIT = "no_fit";
  public static final String INSUFFICIENT = "insufficient_data";
  public static final String NO_TARGET = "no_target";

  /** Without the per-host detail, for the fleet list. */
  public HostSizing summary() {
    return withDetail(null, null, null, null)
        .withStorage(
            storage == null ? null : storage.stream().map(StorageLine::summary).toList(),
            storageMonthly,
            notes);
  }

  /** With the storage lines and their price; the total is compute plus storage. */
  public HostSizing withStorage(List<StorageLine> lines, Double monthly, List<String> allNotes) {
    Double total =
        recommended == null || monthly == null
            ? null
            : Sizer.round2(recommended.monthly() + monthly);
    return new HostSizing(
        hostId,
        hostname,
        status,
        provider,
        region,
        os,
        pricing,
        currentType,
        current,
        recommended,
        monthlySavings,
        demand,
        confidence,
        candidates,
        rejected,
        allNotes,
        otherArch,
        trends,
        series,
        lines,
        monthly,
        total);
  }

  public HostSizing withSeries(Series s) {
    return withDetail(candidates, rejected, trends, s);
  }

  public HostSizing withTrends(List<Trend> t) {
    return withDetail(candidates, rejected, t, series);
  }

  /** The same sizing with other per-host detail: the one place that copies every field. */
  private HostSizing withDetail(List<Candidate> c, List<Candidate> r, List<Trend> t, Series s) {
    return new HostSizing(
        hostId,
        hostname,
        status,
        provider,
        region,
        os,
        pricing,
        currentType,
        current,
        recommended,
        monthlySavings,
        demand,
        confidence,
        c,
        r,
        notes,
        otherArch,
        t,
        s,
        storage,
        storageMonthly,
        totalMonthly);
  }
}

package io.perfmetrics.sizing;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CPU credit check of one host's sizing: reads the host's hourly CPU once, on the first
 * burstable type that otherwise fits, and remembers each type's outcome for the report's words.
 */
final class CreditCheck {
  private final Usage usage;
  private final Demand demand;
  private final double headroom;
  private final Map<String, CpuCredits.Outcome> outcomes = new HashMap<>();
  private CpuHours hours;
  private boolean read;

  CreditCheck(Usage usage, Demand demand, double headroom) {
    this.usage = usage;
    this.demand = demand;
    this.headroom = headroom;
  }

  /** Why a type that fits by size cannot carry the load on credits; null when it can. */
  String shortfall(InstanceType t) {
    if (t.burstableUnchecked()) {
      return "burstable, and the catalog has no cpu_baseline_pct for it: its CPU credits cannot be"
          + " checked";
    }
    if (!t.earnsCredits()) {
      return null;
    }
    if (!read) {
      hours = usage.cpuHours().get();
      read = true;
    }
    if (hours == null || demand.cpuCount() == null) {
      return "burstable, and there is no hourly CPU to check its credits against";
    }
    CpuCredits.Outcome o = CpuCredits.simulate(t, hours, demand.cpuCount(), headroom);
    outcomes.put(t.type(), o);
    if (o.holds()) {
      return null;
    }
    return String.format(
        Locale.ROOT,
        "credits would run out on %s: it uses %.2f vCPU on average (with headroom), the type"
            + " sustains %.2f",
        o.runsOutOn(),
        o.meanVcpu(),
        o.baselineVcpu());
  }

  /** A clause for the chosen type's reason when it runs on credits, else empty. */
  String statement(InstanceType t) {
    CpuCredits.Outcome o = t == null ? null : outcomes.get(t.type());
    if (o == null) {
      return "";
    }
    return String.format(
        Locale.ROOT,
        "; CPU credits hold: %.2f vCPU used on average (with headroom), %.2f sustained",
        o.meanVcpu(),
        o.baselineVcpu());
  }
}

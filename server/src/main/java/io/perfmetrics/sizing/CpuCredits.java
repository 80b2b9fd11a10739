package io.perfmetrics.sizing;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Whether a burstable type's CPU credits last under a host's load, in the providers' standard (not
 * unlimited) mode: a type earns {@code baseline x vCPUs x 60} credits an hour (one credit is one
 * vCPU busy for a minute), banks at most a day of earnings, and spends what the host uses. AWS
 * T3/T4g and Azure B-series both count this way.
 *
 * <p>The balance starts full and the window is replayed until it settles, so the answer is the
 * steady state of a load that repeats the observed fortnight: a migration rarely starts on the
 * window's first hour, and a load that only fits thanks to an initial bank would fail a week later.
 */
final class CpuCredits {
  /** Banked credits are capped at 24 hours of earnings (AWS and Azure alike). */
  static final int BANK_HOURS = 24;

  /** A load that neither settles nor runs dry within this many replays is taken to hold. */
  static final int MAX_REPLAYS = 500;

  /**
   * @param runsOutOn UTC date the balance first goes below zero; null when the credits hold
   * @param meanVcpu the host's mean use in vCPUs (with headroom) over the hours with samples
   * @param baselineVcpu what the type sustains, in vCPUs
   */
  record Outcome(LocalDate runsOutOn, double meanVcpu, double baselineVcpu) {
    boolean holds() {
      return runsOutOn == null;
    }
  }

  private CpuCredits() {}

  /**
   * @param cpuCount the host's CPUs: busy % of the host times this is the vCPUs it uses
   * @param headroom the report's headroom factor, applied to every hour as to the percentile
   */
  static Outcome simulate(InstanceType t, CpuHours hours, double cpuCount, double headroom) {
    double baseline = t.cpuBaselinePct() / 100.0 * t.vcpu();
    double earn = baseline * 60;
    double bank = earn * BANK_HOURS;
    double[] spend = new double[hours.busyPct().length];
    double sum = 0;
    int counted = 0;
    for (int i = 0; i < spend.length; i++) {
      double pct = hours.busyPct()[i];
      if (Double.isNaN(pct)) {
        // no samples: neither earn nor spend, rather than guess the load
        spend[i] = Double.NaN;
        continue;
      }
      double vcpu = Math.min(t.vcpu(), cpuCount * pct / 100.0 * headroom);
      spend[i] = vcpu * 60;
      sum += vcpu;
      counted++;
    }
    double mean = counted == 0 ? 0 : sum / counted;
    double balance = bank;
    for (int replay = 0; replay < MAX_REPLAYS; replay++) {
      double start = balance;
      for (int i = 0; i < spend.length; i++) {
        if (Double.isNaN(spend[i])) {
          continue;
        }
        balance = Math.min(bank, balance + earn - spend[i]);
        if (balance < -1e-9) {
          long hour = hours.firstHour() + (long) replay * spend.length + i;
          LocalDate day = Instant.ofEpochSecond(hour * 3600).atZone(ZoneOffset.UTC).toLocalDate();
          return new Outcome(day, mean, baseline);
        }
      }
      if (balance >= start - 1e-9) {
        break;
      }
    }
    return new Outcome(null, mean, baseline);
  }
}

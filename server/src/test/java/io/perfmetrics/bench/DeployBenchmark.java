package io.perfmetrics.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.perfmetrics.config.Config;
import io.perfmetrics.testing.TestAppliance;
import io.perfmetrics.testing.TestPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * scripts/bench-deploy: the appliance deploys the shell collector to N real sshd hosts (set up by
 * the script, each in its own mount and PID namespaces with a private /var/tmp); in the same run
 * Ansible (forks, pipelining) and a plain OpenSSH fan-out (xargs -P, one exec per host) do the same
 * three steps (status, install, start and confirm) with the very script the appliance rendered.
 * Prints each run, the medians and the ratios; every collector started is stopped between runs.
 */
public final class DeployBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String TOOLS = "/var/tmp/perfmetrics/tools";

  /**
   * A host: its address, sshd port and the pid of the {@code unshare} that holds its namespaces
   * (whose /proc root shows its /var/tmp and its own /proc). Pids in a host's files are its own PID
   * namespace's.
   */
  record Host(String address, int port, long unsharePid) {
    Path tools() {
      return Path.of("/proc/" + unsharePid + "/root" + TOOLS);
    }

    /** The host's own view of one of its processes. */
    Path proc(long pid) {
      return Path.of("/proc/" + unsharePid + "/root/proc/" + pid);
    }

    /** The PID namespace the host's processes live in. */
    String pidNamespace() throws IOException {
      return Files.readSymbolicLink(Path.of("/proc/" + unsharePid + "/ns/pid_for_children"))
          .toString();
    }
  }

  /**
   * One tool's run; for the appliance its process CPU, and the part of it spent by the JIT
   * compiler's threads and by the garbage collector's and VM threads.
   */
  record Run(
      double seconds,
      int started,
      double cpuSeconds,
      double jitSeconds,
      double gcSeconds,
      double userSeconds,
      double systemSeconds,
      double watcherSeconds,
      double machineSeconds,
      double hostsSeconds) {
    /**
     * The process CPU less the JIT compiler, GC and VM threads and the benchmark's own watching of
     * the job (a JDBC query every 50 ms on the main thread): the code's own work.
     */
    double ownSeconds() {
      return cpuSeconds - jitSeconds - gcSeconds - watcherSeconds;
    }

    /**
     * The same run with the whole machine's busy CPU seconds over it, and those of the hosts'
     * processes (-1: not measured).
     */
    Run onMachine(double busySeconds, double hostSeconds) {
      return new Run(
          seconds,
          started,
          cpuSeconds,
          jitSeconds,
          gcSeconds,
          userSeconds,
          systemSeconds,
          watcherSeconds,
          busySeconds,
          hostSeconds);
    }

    /** The machine's CPU less the hosts': the tool's side. */
    double toolSideSeconds() {
      return machineSeconds - hostsSeconds;
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = parse(args);
    List<Host> hosts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(a.get("hosts-file")))) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 3) {
        hosts.add(new Host(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2])));
      }
    }
    Path key = Path.of(a.get("key"));
    String user = a.get("user");
    Path work = Path.of(a.get("work"));
    // the cgroup file that accounts the CPU of every host's processes (set by bench-deploy)
    Path hostsCpu = a.containsKey("hosts-cpu") ? Path.of(a.get("hosts-cpu")) : null;
    int runs = Integer.parseInt(a.getOrDefault("runs", "3"));
    int forks = Integer.parseInt(a.getOrDefault("forks", "25"));
    List<String> tools = List.of(a.getOrDefault("tools", "appliance,ansible,openssh").split(","));
    // off: the collectors are told an address where nothing listens, so the figure is the deploy's
    // own CPU; on: they report to the appliance, whose serving of their first uploads then counts
    // (and differs between builds: HTTPS with sockets snapshots now, plain HTTP before issue 15)
    boolean uploads = "on".equals(a.getOrDefault("uploads", "off"));
    // deploys before the measured runs, not counted: the runs then measure a compiled appliance
    // (a fleet's hosts after its first few dozen), not the JIT compiler's work
    int warmup = Integer.parseInt(a.getOrDefault("warmup", "0"));
    // on: each appliance deploy waits for its turn ("go" on stdin), so that bench-deploy can take
    // turns with the baseline's appliance, run by run, and the machine's noise fall on both alike
    boolean paced = "on".equals(a.getOrDefault("paced", "off"));
    Config.Collectors d = Config.Collectors.defaults();
    int nowhere = freePort();
    int concurrency =
        Integer.parseInt(a.getOrDefault("concurrency", String.valueOf(d.parallelHosts())));
    // the constructor, not a wither: the same class measures older builds (--baseline)
    Config.Collectors collectors =
        new Config.Collectors(
            d.interval(),
            d.upload(),
            d.ttl(),
            d.spoolMaxBytes(),
            // the "hosts" share this machine's network: the default, 169.254.169.254, would go
            // out through its gateway; a closed loopback port is an on-premises host's answer
            "http://127.0.0.1:" + nowhere,
            d.unixToolsDir(),
            d.hostTimeout(),
            concurrency);
    System.out.printf(
        "bench-deploy: %d hosts, %d run(s), appliance %d hosts at a time, Ansible forks=%d,"
            + " OpenSSH xargs -P %d%n",
        hosts.size(), runs, concurrency, forks, concurrency);
    System.out.println(
        uploads
            ? "bench-deploy: the collectors report to the appliance; serving their uploads counts"
                + " as appliance CPU"
            : "bench-deploy: the collectors report to a port where nothing listens; the appliance"
                + " CPU is the deploy's own (--uploads=on to count their first uploads too)");

    Map<String, List<Run>> results = new LinkedHashMap<>();
    try (TestPostgres pg = new TestPostgres();
        TestAppliance app =
            new TestAppliance(
                pg.jdbcUrl(),
                c -> {
                  Config withCollectors = c.withCollectors(collectors);
                  return uploads ? withCollectors : reportingTo(withCollectors, nowhere);
                })) {
      String privateKey = Files.readString(key);
      JsonNode cred =
          body(
              app.admin(
                  "POST",
                  "/api/v1/credentials",
                  JSON.writeValueAsString(
                      Map.of(
                          "name",
                          "bench",
                          "kind",
                          "ssh_key",
                          "username",
                          user,
                          "private_key",
                          privateKey))),
              201);
      for (Host h : hosts) {
        body(
            app.admin(
                "POST",
                "/api/v1/targets",
                JSON.writeValueAsString(
                    Map.of(
                        "address",
                        h.address(),
                        "port",
                        h.port(),
                        "os_family",
                        "unix",
                        "credential_id",
                        cred.get("id").asLong()))),
            201);
      }
      Path script = work.resolve("collector.sh");
      if (!tools.contains("appliance")) {
        // the others install the script the appliance renders: one unmeasured deploy to get it
        appliance(app, pg.jdbcUrl(), hosts, null);
        Files.writeString(script, Files.readString(hosts.get(0).tools().resolve("collector.sh")));
      }
      for (int w = 0; w < warmup && tools.contains("appliance"); w++) {
        reset(hosts);
        turn(paced, "warm-up " + (w + 1));
        Run run = appliance(app, pg.jdbcUrl(), hosts, null);
        System.out.printf(
            "warm-up %d appliance %7.2f s, CPU %.1f ms per host (not counted)  (%s)%n",
            w + 1, run.seconds(), run.cpuSeconds() * 1000 / hosts.size(), load());
      }
      for (int r = 0; r < runs; r++) {
        reset(hosts);
        if (tools.contains("appliance")) {
          turn(paced, "run " + (r + 1));
          measured(
              "appliance",
              r,
              results,
              hosts.size(),
              hostsCpu,
              window -> appliance(app, pg.jdbcUrl(), hosts, window));
          if (!Files.exists(script)) {
            // the very script the appliance rendered (host 1's token) for the others to install
            Files.writeString(
                script, Files.readString(hosts.get(0).tools().resolve("collector.sh")));
          }
          reset(hosts);
        }
        if (tools.contains("ansible")) {
          measured(
              "ansible",
              r,
              results,
              hosts.size(),
              hostsCpu,
              window -> ansible(hosts, key, user, work, script, forks));
          reset(hosts);
        }
        if (tools.contains("openssh")) {
          measured(
              "openssh",
              r,
              results,
              hosts.size(),
              hostsCpu,
              window -> openssh(hosts, key, user, work, script, concurrency));
          reset(hosts);
        }
      }
    }
    System.out.println();
    Map<String, Double> med = new LinkedHashMap<>();
    // per tool, the median CPU per host of the machine less the hosts' processes
    Map<String, Double> toolSide = new LinkedHashMap<>();
    for (var e : results.entrySet()) {
      double m = median(e.getValue().stream().mapToDouble(Run::seconds).toArray());
      med.put(e.getKey(), m);
      int allStarted = (int) e.getValue().stream().filter(x -> x.started() == hosts.size()).count();
      double machine = median(e.getValue().stream().mapToDouble(Run::machineSeconds).toArray());
      System.out.printf(
          "median %-9s %7.2f s  %6.1f hosts/s  (%d of %d runs started every host); machine CPU %.0f"
              + " ms per host (the tool and the hosts, which share this machine's cores)%n",
          e.getKey(),
          m,
          hosts.size() / m,
          allStarted,
          e.getValue().size(),
          machine * 1000 / hosts.size());
      if (e.getValue().stream().allMatch(x -> x.hostsSeconds() >= 0)) {
        double hostsSecs = median(e.getValue().stream().mapToDouble(Run::hostsSeconds).toArray());
        double rest = median(e.getValue().stream().mapToDouble(Run::toolSideSeconds).toArray());
        toolSide.put(e.getKey(), rest * 1000 / hosts.size());
        System.out.printf(
            "median %-9s of it the hosts' processes %.0f ms per host, the rest of the machine %.0f"
                + " ms per host (the tool%s)%n",
            e.getKey(),
            hostsSecs * 1000 / hosts.size(),
            rest * 1000 / hosts.size(),
            e.getKey().equals("appliance") ? " and its PostgreSQL" : "");
        System.out.printf(
            "RESULT %s_hosts_cpu_ms_per_host=%.1f%n", e.getKey(), hostsSecs * 1000 / hosts.size());
        System.out.printf(
            "RESULT %s_rest_cpu_ms_per_host=%.1f%n", e.getKey(), rest * 1000 / hosts.size());
      }
      if (e.getKey().equals("appliance")) {
        double cpu = median(e.getValue().stream().mapToDouble(Run::cpuSeconds).toArray());
        double own = median(e.getValue().stream().mapToDouble(Run::ownSeconds).toArray());
        double usr = median(e.getValue().stream().mapToDouble(Run::userSeconds).toArray());
        double sy = median(e.getValue().stream().mapToDouble(Run::systemSeconds).toArray());
        double jit = median(e.getValue().stream().mapToDouble(Run::jitSeconds).toArray());
        System.out.printf(
            "median appliance CPU %.1f ms per host (user %.1f, system %.1f ms per host; JIT"
                + " compiler threads %.2f s per run = %.1f ms per host); without the JIT compiler,"
                + " GC and VM threads and the benchmark's job watcher %.1f ms per host%n",
            cpu * 1000 / hosts.size(),
            usr * 1000 / hosts.size(),
            sy * 1000 / hosts.size(),
            jit,
            jit * 1000 / hosts.size(),
            own * 1000 / hosts.size());
        // the figure issue 14 was filed with: 100 hosts, the collectors reporting to the appliance
        System.out.printf(
            "ratio: appliance CPU per host %.1f ms against the issue's 97 ms (before issue 14, 100"
                + " hosts, uploads counted) = %.2f (goal <= 0.5)%s%n",
            cpu * 1000 / hosts.size(),
            cpu * 1000 / hosts.size() / 97,
            uploads ? "" : "; uploads are not counted here, so not like for like");
        System.out.printf("RESULT appliance_cpu_ms_per_host=%.1f%n", cpu * 1000 / hosts.size());
        System.out.printf("RESULT appliance_own_cpu_ms_per_host=%.1f%n", own * 1000 / hosts.size());
        System.out.printf("RESULT appliance_user_ms_per_host=%.1f%n", usr * 1000 / hosts.size());
        System.out.printf("RESULT appliance_system_ms_per_host=%.1f%n", sy * 1000 / hosts.size());
        System.out.printf("RESULT appliance_jit_ms_per_host=%.1f%n", jit * 1000 / hosts.size());
      }
      System.out.printf("RESULT %s_seconds=%.2f%n", e.getKey(), m);
    }
    if (med.containsKey("appliance") && med.containsKey("ansible")) {
      System.out.printf(
          "ratio: appliance is %.1fx as fast as Ansible (goal >= 10x)%n",
          med.get("ansible") / med.get("appliance"));
    }
    if (toolSide.containsKey("appliance") && toolSide.containsKey("ansible")) {
      // what bounds a deploy when each host has CPUs of its own, as on a real fleet
      System.out.printf(
          "ratio: CPU per host outside the hosts' processes: Ansible %.0f ms, the appliance %.0f ms"
              + " = %.1fx%n",
          toolSide.get("ansible"),
          toolSide.get("appliance"),
          toolSide.get("ansible") / toolSide.get("appliance"));
    }
    if (med.containsKey("appliance") && med.containsKey("openssh")) {
      System.out.printf(
          "ratio: appliance is %.2fx as fast as the OpenSSH fan-out (goal >= 0.9x)%n",
          med.get("openssh") / med.get("appliance"));
    }
  }

  /**
   * One appliance deploy to every host. Its CPU runs from the request to the job's end, plus what
   * the JIT compiler still spends afterwards on the code the job made hot (its queue drains after
   * the job ends on this 2-core machine): those compilations are this run's, so they are added to
   * it, not left to the next run's window or to nobody.
   */
  private static Run appliance(
      TestAppliance app, String jdbcUrl, List<Host> hosts, MachineWindow window) throws Exception {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double secs;
    double cpu;
    double jit;
    double gc;
    double user;
    double sys;
    double watcher;
    long id;
    var threads = ManagementFactory.getThreadMXBean();
    // the benchmark shares the appliance's process: it watches the job's row over one JDBC
    // connection, not through the API, whose client, server and 100-host JSON every 50 ms would
    // count as the appliance's CPU
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        PreparedStatement state =
            c.prepareStatement("SELECT state FROM deploy_jobs WHERE id = ?")) {
      double[] vm0 = jitAndGcSeconds();
      double[] us0 = userAndSystemSeconds();
      long watch0 = threads.getCurrentThreadCpuTime();
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      JsonNode job = body(app.admin("POST", "/api/v1/deployments", "{\"action\":\"deploy\"}"), 202);
      id = job.get("id").asLong();
      state.setLong(1, id);
      for (String s = job.get("state").asText(); !"done".equals(s); ) {
        Thread.sleep(50);
        try (ResultSet rs = state.executeQuery()) {
          s = rs.next() ? rs.getString(1) : "gone";
        }
      }
      secs = (System.nanoTime() - t0) / 1e9;
      cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
      watcher = (threads.getCurrentThreadCpuTime() - watch0) / 1e9;
      double[] us1 = userAndSystemSeconds();
      user = us1[0] - us0[0];
      sys = us1[1] - us0[1];
      double[] vm1 = jitAndGcSeconds();
      jit = vm1[0] - vm0[0];
      gc = vm1[1] - vm0[1];
    }
    if (window != null) {
      window.close();
    }
    double tail = settleJit();
    cpu += tail;
    jit += tail;
    user += tail;
    JsonNode job = body(app.admin("GET", "/api/v1/deployments/" + id, null), 200);
    int started = 0;
    JsonNode failed = null;
    for (JsonNode h : job.get("hosts")) {
      if (List.of("started", "restarted").contains(h.get("outcome").asText())) {
        started++;
      } else if (failed == null) {
        failed = h;
      }
    }
    if (failed != null) {
      System.out.println("  not started, e.g.: " + failed);
    }
    return new Run(secs, Math.min(started, running(hosts)), cpu, jit, gc, user, sys, watcher, 0, 0);
  }

  /**
   * The configuration with the URL rendered into collectors moved to another port of the same host.
   * Through the record's canonical constructor: the same class measures older builds (--baseline),
   * whose Config has other components and no wither for it.
   */
  static Config reportingTo(Config c, int port) {
    try {
      java.lang.reflect.RecordComponent[] rc = Config.class.getRecordComponents();
      Class<?>[] types = new Class<?>[rc.length];
      Object[] values = new Object[rc.length];
      for (int i = 0; i < rc.length; i++) {
        types[i] = rc[i].getType();
        values[i] = rc[i].getAccessor().invoke(c);
        if (rc[i].getName().equals("publicUrl")) {
          java.net.URI u = c.publicUrl();
          values[i] = java.net.URI.create(u.getScheme() + "://" + u.getHost() + ":" + port);
        }
      }
      return Config.class.getDeclaredConstructor(types).newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot rebuild the Config: " + e, e);
    }
  }

  /** A loopback port nothing listens on (bound, then closed): collectors get refused at once. */
  static int freePort() throws IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Run ansible(
      List<Host> hosts, Path key, String user, Path work, Path script, int forks) throws Exception {
    Path inv = work.resolve("inventory.ini");
    StringBuilder s = new StringBuilder("[targets]\n");
    for (int i = 0; i < hosts.size(); i++) {
      Host h = hosts.get(i);
      s.append("h")
          .append(i)
          .append(" ansible_host=")
          .append(h.address())
          .append(" ansible_port=")
          .append(h.port())
          .append('\n');
    }
    Files.writeString(inv, s);
    Path cp = work.resolve("cp");
    Files.createDirectories(cp);
    Files.writeString(
        work.resolve("ansible.cfg"),
        String.join(
            "\n",
            "[defaults]",
            "forks = " + forks,
            "host_key_checking = False",
            "gathering = explicit",
            "interpreter_python = /usr/bin/python3",
            "remote_tmp = /tmp/.ansible-${USER}",
            "[ssh_connection]",
            "pipelining = True",
            "control_path_dir = " + cp,
            "ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null",
            ""));
    // status, install, start-and-confirm: the appliance's three steps, Ansible's usual modules
    Files.writeString(
        work.resolve("deploy.yml"),
        String.join(
            "\n",
            "- hosts: targets",
            "  gather_facts: false",
            "  tasks:",
            "    - name: status",
            "      ansible.builtin.shell: d="
                + TOOLS
                + "; p=$(cat $d/collector.pid 2>/dev/null); if [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null; then echo running; elif [ -f $d/collector.sh ]; then echo stopped; else echo absent; fi",
            "      register: st",
            "      changed_when: false",
            "    - name: install (folder)",
            "      ansible.builtin.file:",
            "        path: " + TOOLS,
            "        state: directory",
            "        mode: '0700'",
            "      when: st.stdout != 'running'",
            "    - name: install",
            "      ansible.builtin.copy:",
            "        src: " + script,
            "        dest: " + TOOLS + "/collector.sh",
            "        mode: '0700'",
            "      when: st.stdout != 'running'",
            "    - name: start",
            "      ansible.builtin.shell: cd "
                + TOOLS
                + " && (setsid nohup sh ./collector.sh </dev/null >/dev/null 2>&1 &); i=0; while [ $i -lt 200 ]; do p=$(cat collector.pid 2>/dev/null); [ -n \"$p\" ] && grep -q collector.sh /proc/$p/cmdline 2>/dev/null && exit 0; sleep 0.05; i=$((i+1)); done; exit 1",
            "      when: st.stdout != 'running'",
            ""));
    long t0 = System.nanoTime();
    int rc =
        exec(
            work,
            Map.of("ANSIBLE_CONFIG", work.resolve("ansible.cfg").toString()),
            "ansible-playbook",
            "-i",
            inv.toString(),
            "-u",
            user,
            "--private-key",
            key.toString(),
            work.resolve("deploy.yml").toString());
    double secs = (System.nanoTime() - t0) / 1e9;
    if (rc != 0) {
      List<String> log = Files.readAllLines(work.resolve("tool.log"));
      System.out.println("  ansible-playbook exited " + rc + "; its last lines:");
      log.subList(Math.max(0, log.size() - 12), log.size())
          .forEach(l -> System.out.println("    " + l));
    }
    // ControlPersist keeps a master per host: end each by its socket so nothing is left running
    try (var socks = Files.list(cp)) {
      for (Path sock : socks.toList()) {
        exec(work, Map.of(), "ssh", "-o", "ControlPath=" + sock, "-O", "exit", "x");
      }
    }
    return new Run(secs, running(hosts), 0, 0, 0, 0, 0, 0, 0, 0);
  }

  private static Run openssh(
      List<Host> hosts, Path key, String user, Path work, Path script, int parallel)
      throws Exception {
    Path list = work.resolve("hosts.txt");
    StringBuilder s = new StringBuilder();
    hosts.forEach(h -> s.append(h.address()).append(' ').append(h.port()).append('\n'));
    Files.writeString(list, s);
    // by reflection: the same class measures older builds (--baseline), which lack it
    Files.writeString(
        work.resolve("command.txt"),
        (String)
            Class.forName("io.perfmetrics.deploy.ssh.SshTransport")
                .getMethod("deployCommand", String.class)
                .invoke(null, TOOLS));
    // the appliance's own one-exec program, fed "go gzip" and the script compressed once, as the
    // appliance sends it (every host here has gzip), one ssh per host
    Path packed = work.resolve("collector.sh.gz");
    try (var gz =
        new java.util.zip.GZIPOutputStream(Files.newOutputStream(packed)) {
          {
            def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
          }
        }) {
      gz.write(Files.readAllBytes(script));
    }
    Path one = work.resolve("one.sh");
    Files.writeString(
        one,
        String.join(
            "\n",
            "#!/bin/sh",
            "{ echo go gzip; cat "
                + packed
                + "; } | ssh -T -i "
                + key
                + " -o BatchMode=yes -o StrictHostKeyChecking=no"
                + " -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p \"$2\" "
                + user
                + "@\"$1\" \"$(cat "
                + work.resolve("command.txt")
                + ")\""
                + " | grep -q '^result=started'",
            ""));
    one.toFile().setExecutable(true);
    long t0 = System.nanoTime();
    exec(
        work,
        Map.of(),
        "xargs",
        "-P",
        String.valueOf(parallel),
        "-L",
        "1",
        "-a",
        list.toString(),
        one.toString());
    double secs = (System.nanoTime() - t0) / 1e9;
    return new Run(secs, running(hosts), 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /** Hosts whose pidfile names a live collector. */
  static int running(List<Host> hosts) {
    int n = 0;
    for (Host h : hosts) {
      if (collectorPid(h) > 0) {
        n++;
      }
    }
    return n;
  }

  /** The pid, in the host's PID namespace, of the collector its pidfile names; -1 for none. */
  private static long collectorPid(Host h) {
    try {
      long pid = Long.parseLong(Files.readString(h.tools().resolve("collector.pid")).trim());
      String cmd = Files.readString(h.proc(pid).resolve("cmdline"));
      return cmd.contains("collector.sh") ? pid : -1;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Stops each host's collector by its pid and removes its tools folder: the next run starts from
   * nothing. A collector asleep in {@code sleep 60} takes its TERM only when the sleep ends, so all
   * are signalled first, given one grace period together, then killed.
   */
  static void reset(List<Host> hosts) throws Exception {
    List<ProcessHandle> running = new ArrayList<>();
    Map<String, Long> outer = outerPids();
    for (Host h : hosts) {
      long pid = collectorPid(h);
      Long mine = pid > 0 ? outer.get(h.pidNamespace() + " " + pid) : null;
      if (pid > 0 && mine == null) {
        throw new IllegalStateException(
            "host " + h.address() + ": its collector (pid " + pid + " there) is not in /proc here");
      }
      if (mine != null) {
        ProcessHandle.of(mine)
            .ifPresent(
                p -> {
                  p.destroy();
                  running.add(p);
                });
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    for (ProcessHandle p : running) {
      while (p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
    for (Host h : hosts) {
      Path dir = h.tools().getParent();
      if (Files.exists(dir)) {
        new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
      }
    }
    // the reset's own Java code (reading /proc, splitting its lines, starting rm) queues
    // compilations of its own; done before the next run, they are not counted as the appliance's
    settleJit();
  }

  /**
   * Waits, at most 30 s, until the JIT compiler threads have used no CPU for half a second; returns
   * the seconds they used meanwhile.
   */
  static double settleJit() throws InterruptedException {
    double start = jitAndGcSeconds()[0];
    double last = start;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int quiet = 0; quiet < 2 && System.nanoTime() < deadline; ) {
      Thread.sleep(250);
      double now = jitAndGcSeconds()[0];
      // /proc counts in clock ticks (10 ms): no tick in 250 ms is quiet
      quiet = now - last < 0.5 / TICKS ? quiet + 1 : 0;
      last = now;
    }
    return last - start;
  }

  /**
   * Every process in a child PID namespace, keyed by "namespace pid-in-it", to its pid here: a
   * host's pidfile holds the former, signals need the latter.
   */
  static Map<String, Long> outerPids() {
    Map<String, Long> byInner = new HashMap<>();
    try (var procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        try {
          for (String line : Files.readAllLines(p.resolve("status"))) {
            if (line.startsWith("NSpid:")) {
              String[] f = line.substring(6).trim().split("\\s+");
              if (f.length == 2) {
                String ns = Files.readSymbolicLink(p.resolve("ns/pid")).toString();
                byInner.put(ns + " " + f[1], Long.parseLong(f[0]));
              }
              break;
            }
          }
        } catch (IOException | RuntimeException gone) {
          // exited while we looked
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return byInner;
  }

  private static int exec(Path work, Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("tool.log").toFile()));
    pb.environment().putAll(env);
    return pb.start().waitFor();
  }

  /** Clock ticks per second of /proc's thread times. */
  private static final double TICKS = clockTicks();

  private static double clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      p.waitFor();
      return Double.parseDouble(out);
    } catch (IOException | NumberFormatException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }

  /**
   * User and system CPU seconds so far of this whole process (/proc/self/stat: threads that ended,
   * such as an SSH connection's reader, included): system time is the sockets' system calls, the
   * kernel's loopback TCP and thread start-ups and wake-ups, which JFR's samples do not see.
   */
  static double[] userAndSystemSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = fields(stat.substring(stat.lastIndexOf(')') + 2));
      return new double[] {Long.parseLong(f[11]) / TICKS, Long.parseLong(f[12]) / TICKS};
    } catch (IOException | RuntimeException e) {
      return new double[] {0, 0};
    }
  }

  /**
   * CPU seconds so far of this process's JIT compiler threads and of its GC and VM threads, from
   * /proc/self/task (HotSpot names them "C2 CompilerThread0", "GC Thread#0", "G1 Refine#0", "VM
   * Thread"...). They live as long as the JVM, so the difference over a run is theirs; threads that
   * ended (an SSH connection's reader) are in the process total only, so the code's own CPU is
   * taken as the total less these.
   */
  static double[] jitAndGcSeconds() {
    double jit = 0;
    double gc = 0;
    try (var tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path t : tasks) {
        String stat;
        try {
          stat = Files.readString(t.resolve("stat"));
        } catch (IOException e) {
          continue; // the thread ended meanwhile
        }
        int close = stat.lastIndexOf(')');
        String name = stat.substring(stat.indexOf('(') + 1, close);
        // after "(name) ": state is field 3 of stat(5); utime and stime are fields 14 and 15
        String[] f = fields(stat.substring(close + 2));
        double secs = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
        if (name.contains("CompilerThre")) {
          jit += secs;
        } else if (name.startsWith("GC Thread")
            || name.startsWith("G1 ")
            || name.startsWith("VM Thread")
            || name.startsWith("VM Periodic")) {
          gc += secs;
        }
      }
    } catch (IOException e) {
      return new double[] {0, 0};
    }
    return new double[] {jit, gc};
  }

  private static String[] fields(String line) {
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int sp = line.indexOf(' '); sp >= 0; sp = line.indexOf(' ', from)) {
      out.add(line.substring(from, sp));
      from = sp + 1;
    }
    out.add(line.substring(from).trim());
    return out.toArray(new String[0]);
  }

  /**
   * Busy CPU seconds of the whole machine so far (/proc/stat: user, nice, system, irq, softirq; not
   * steal, the time the hypervisor gave to other guests): over a run, the tool's own CPU and that
   * of the hosts it deploys to (sshd, the remote programs, the collectors it started), which share
   * this machine's cores.
   */
  static double machineBusySeconds() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7}) {
        busy += Long.parseLong(f[i]);
      }
      return busy / TICKS;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * CPU seconds of every host's processes so far, from their cgroup's accounting (v1 {@code
   * cpuacct.usage} in ns, v2 {@code cpu.stat} usage_usec), exited processes included; -1 without
   * one.
   */
  static double hostsBusySeconds(Path file) {
    if (file == null) {
      return -1;
    }
    try {
      if (file.getFileName().toString().equals("cpu.stat")) {
        for (String line : Files.readAllLines(file)) {
          if (line.startsWith("usage_usec ")) {
            return Long.parseLong(line.substring(11).trim()) / 1e6;
          }
        }
        return -1;
      }
      return Long.parseLong(Files.readString(file).trim()) / 1e9;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** The load average (1, 5, 15 min) as uptime prints it: the machine is shared. */
  static String load() {
    try {
      // "0.52 0.58 0.59 1/234 5678": the first three fields
      String l = Files.readString(Path.of("/proc/loadavg"));
      return "load " + l.substring(0, l.indexOf(' ', l.indexOf(' ', l.indexOf(' ') + 1) + 1));
    } catch (IOException e) {
      return "load unknown";
    }
  }

  /**
   * One tool's run with the whole machine's busy CPU over it (the tool's and the hosts'), recorded
   * under the tool's name and printed.
   */
  /** A tool's run, given the machine's window to close when the tool is done. */
  interface Deploy {
    Run run(MachineWindow window) throws Exception;
  }

  /**
   * The whole machine's busy CPU seconds, and those of the hosts' processes, from a run's start to
   * the moment its tool is done: a tool that goes on measuring itself afterwards closes it first.
   */
  static final class MachineWindow {
    private final Path hostsCpu;
    private final double busy0 = machineBusySeconds();
    private final double hosts0;
    private double busy = Double.NaN;
    private double hosts;

    MachineWindow(Path hostsCpu) {
      this.hostsCpu = hostsCpu;
      this.hosts0 = hostsBusySeconds(hostsCpu);
    }

    void close() {
      if (Double.isNaN(busy)) {
        double hostsNow = hostsBusySeconds(hostsCpu);
        busy = machineBusySeconds() - busy0;
        hosts = hosts0 < 0 || hostsNow < 0 ? -1 : hostsNow - hosts0;
      }
    }
  }

  private static void measured(
      String tool, int r, Map<String, List<Run>> results, int n, Path hostsCpu, Deploy deploy)
      throws Exception {
    MachineWindow window = new MachineWindow(hostsCpu);
    Run run = deploy.run(window);
    window.close();
    run = run.onMachine(window.busy, window.hosts);
    results.computeIfAbsent(tool, k -> new ArrayList<>()).add(run);
    print(tool, r, run, n);
  }

  private static void print(String tool, int r, Run run, int n) {
    System.out.printf(
        "run %d %-9s %7.2f s  %6.1f hosts/s  %d/%d started  machine CPU %.1f s = %.0f ms per host%s%s"
            + "  (%s)%n",
        r + 1,
        tool,
        run.seconds(),
        n / run.seconds(),
        run.started(),
        n,
        run.machineSeconds(),
        run.machineSeconds() * 1000 / n,
        run.hostsSeconds() < 0
            ? ""
            : String.format(
                " (the hosts' processes %.0f, the rest %.0f)",
                run.hostsSeconds() * 1000 / n, run.toolSideSeconds() * 1000 / n),
        tool.equals("appliance")
            ? String.format(
                "  appliance CPU %.2f s = %.1f ms per host (user %.1f, system %.1f ms per host;"
                    + " JIT %.2f s, GC+VM %.2f s, the benchmark's job watcher %.2f s; without them"
                    + " %.1f ms per host)",
                run.cpuSeconds(),
                run.cpuSeconds() * 1000 / n,
                run.userSeconds() * 1000 / n,
                run.systemSeconds() * 1000 / n,
                run.jitSeconds(),
                run.gcSeconds(),
                run.watcherSeconds(),
                run.ownSeconds() * 1000 / n)
            : "",
        load());
    if (tool.equals("appliance")) {
      // each run's own figure, for bench-deploy to pair with the baseline's run of the same turn
      System.out.printf("RESULT appliance_run_cpu_ms_per_host=%.1f%n", run.cpuSeconds() * 1000 / n);
    }
  }

  private static JsonNode body(HttpResponse<String> r, int expected) throws IOException {
    if (r.statusCode() != expected) {
      throw new IllegalStateException(
          "expected " + expected + ", got " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static final java.io.BufferedReader TURNS =
      new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8));

  /**
   * With --paced=on: says the appliance is ready for its next deploy (hosts reset, the compiler
   * quiet) and waits until bench-deploy says "go".
   */
  private static void turn(boolean paced, String what) throws IOException {
    if (!paced) {
      return;
    }
    System.out.println("TURN " + what);
    System.out.flush();
    String line = TURNS.readLine();
    if (!"go".equals(line)) {
      throw new IOException("bench-deploy ended the turns (" + line + ") before " + what);
    }
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String s : args) {
      if (!s.startsWith("--")) {
        throw new IllegalArgumentException("unknown argument " + s);
      }
      int eq = s.indexOf('=');
      m.put(eq < 0 ? s.substring(2) : s.substring(2, eq), eq < 0 ? "true" : s.substring(eq + 1));
    }
    return m;
  }
}

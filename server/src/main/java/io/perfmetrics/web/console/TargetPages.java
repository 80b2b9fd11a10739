package io.perfmetrics.web.console;

import static io.perfmetrics.web.Html.esc;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.perfmetrics.deploy.DeployJobs;
import io.perfmetrics.deploy.DeployService;
import io.perfmetrics.deploy.TargetStatuses;
import io.perfmetrics.targets.Credential;
import io.perfmetrics.targets.CredentialStore;
import io.perfmetrics.targets.Target;
import io.perfmetrics.targets.TargetStore;
import io.perfmetrics.web.ApiException;
import io.perfmetrics.web.Console;
import io.perfmetrics.web.Html;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /targets} (add, CSV import, deploy, rescan, undeploy, status with TTL and last error),
 * {@code /credentials} (secrets write-only) and {@code /jobs/{id}} (progress, a result per host).
 */
public final class TargetPages {
  private static final int MAX_CSV_BYTES = 512 * 1024;

  private final Console console;
  private final TargetStore targets;
  private final CredentialStore credentials;
  private final TargetStatuses statuses;
  private final DeployService deploy;
  private final DeployJobs jobs;

  public TargetPages(Console console, TargetStore targets, CredentialStore credentials, TargetStatuses statuses,
      DeployService deploy, DeployJobs jobs) {
    this.console = console;
    this.targets = targets;
    this.credentials = credentials;
    this.statuses = statuses;
    this.deploy = deploy;
    this.jobs = jobs;
  }

  public void register(RoutesConfig routes) {
    routes.get("/targets", this::targetsPage);
    routes.post("/targets", this::addTarget);
    routes.post("/targets/import", this::importCsv);
    routes.post("/targets/{id}/delete", ctx -> {
      targets.delete(Pages.id(ctx));
      Pages.back(ctx, "/targets", "msg", "Target removed.");
    });
    routes.post("/targets/{id}/{action}", ctx -> startJob(ctx, List.of(Pages.id(ctx)), ctx.pathParam("action")));
    routes.post("/targets-all/{action}", ctx -> startJob(ctx, List.of(), ctx.pathParam("action")));
    routes.get("/credentials", this::credentialsPage);
    routes.post("/credentials", this::addCredential);
    routes.post("/credentials/{id}/delete", ctx -> {
      credentials.delete(Pages.id(ctx));
      Pages.back(ctx, "/credentials", "msg", "Credential removed.");
    });
    routes.get("/jobs/{id}", this::jobPage);
    routes.post("/jobs/{id}/check", ctx -> {
      long id = Pages.id(ctx);
      DeployJobs.JobView j = jobs.view(id).orElseThrow(() -> ApiException.notFound("no job " + id));
      List<Long> ids = j.hosts().stream().map(DeployJobs.HostResult::targetId).toList();
      if (ids.isEmpty()) {
        Pages.back(ctx, "/jobs/" + id, "err", "this job has no hosts left to check");
        return;
      }
      startJob(ctx, ids, "check");
    });
    routes.post("/jobs/{id}/cancel", ctx -> {
      long id = Pages.id(ctx);
      jobs.cancel(id);
      ctx.redirect("/jobs/" + id, HttpStatus.SEE_OTHER);
    });
  }

  private void targetsPage(Context ctx) {
    String csrf = Console.csrf(ctx);
    Map<Long, String> credNames = new HashMap<>();
    List<Credential> creds = credentials.list();
    creds.forEach(c -> credNames.put(c.id(), c.name()));
    StringBuilder b = new StringBuilder();
    b.append("<div class=\"actions\">")
        .append(Html.postButton("/targets-all/deploy", "Deploy all", csrf, "primary"))
        .append(Html.postButton("/targets-all/rescan", "Rescan all", csrf, ""))
        .append(Html.postButton("/targets-all/status", "Check all", csrf, ""))
        .append(Html.postButton("/targets-all/check", "Preflight all", csrf, ""))
        .append("</div>");
    List<Target> all = targets.list();
    if (all.isEmpty()) {
      b.append("<p class=\"empty\">No targets yet: add one below or import a CSV.</p>");
    } else {
      b.append("<table id=\"targets\"><thead><tr><th>#</th><th>Address</th><th>OS</th><th>Credential</th><th>Status</th>"
          + "<th>TTL left</th><th>Last seen</th><th>Last error / detail</th><th></th></tr></thead><tbody>");
      for (Target t : all) {
        TargetStatuses.Status s = statuses.of(t.id());
        b.append("<tr id=\"target-").append(t.id()).append("\"><td>").append(t.id()).append("</td><td>")
            .append(esc(t.display())).append("</td><td>").append(esc(t.osFamily())).append("</td><td>")
            .append(t.credentialId() == null ? "—" : esc(credNames.getOrDefault(t.credentialId(), "#" + t.credentialId())))
            .append("</td><td><span class=\"badge state-").append(esc(s.state())).append("\">").append(esc(Fmt.state(s.state())))
            .append("</span></td><td>").append(Fmt.duration(s.ttlLeftSeconds())).append("</td><td>")
            .append(Fmt.time(s.lastSeenAt())).append("</td><td class=\"detail\">").append(esc(s.detail()))
            .append("</td><td class=\"row-actions\">")
            .append(Html.postButton("/targets/" + t.id() + "/deploy", "Deploy", csrf, "primary"))
            .append(Html.postButton("/targets/" + t.id() + "/rescan", "Rescan", csrf, ""))
            .append(Html.postButton("/targets/" + t.id() + "/check", "Preflight", csrf, ""))
            .append(Html.postButton("/targets/" + t.id() + "/undeploy", "Undeploy", csrf, "danger"))
            .append(s.collectorId() == null ? "" : "<a class=\"button\" href=\"/collectors/" + s.collectorId() + "\">Charts</a>")
            .append(Html.postButton("/targets/" + t.id() + "/delete", "Remove", csrf, "danger"))
            .append("</td></tr>");
      }
      b.append("</tbody></table>");
    }
    b.append("<div class=\"columns\"><section><h2>Add a target</h2><form method=\"post\" action=\"/targets\" id=\"add-target\">")
        .append(Html.csrfField(csrf))
        .append("<label>Address <input name=\"address\" id=\"target-address\" required placeholder=\"web1.example.com\"></label>")
        .append("<label>Port <input name=\"port\" id=\"target-port\" type=\"number\" min=\"1\" max=\"65535\" placeholder=\"22 or 445\"></label>")
        .append("<label>OS <select name=\"os_family\" id=\"target-os\"><option value=\"unix\">unix (SSH)</option>"
            + "<option value=\"windows\">windows (SMB)</option></select></label>")
        .append("<label>Credential <select name=\"credential_id\" id=\"target-credential\"><option value=\"\">none</option>");
    for (Credential c : creds) {
      b.append("<option value=\"").append(c.id()).append("\">").append(esc(c.name())).append(" (").append(esc(c.kind()))
          .append(")</option>");
    }
    b.append("</select></label><button type=\"submit\" id=\"add-target-submit\">Add target</button></form></section>")
        .append("<section><h2>Import targets from CSV</h2><form method=\"post\" action=\"/targets/import\" enctype=\"multipart/form-data\" id=\"import-targets\">")
        .append(Html.csrfField(csrf))
        .append("<p class=\"hint\">One target per line: <code>address,port,os_family,credential</code> (credential by name or id;"
            + " port, os and credential may be empty). A header line is skipped.</p>")
        .append("<label>File <input type=\"file\" name=\"file\" accept=\".csv,text/csv,text/plain\"></label>")
        .append("<label>or paste <textarea name=\"csv\" id=\"import-csv\" rows=\"4\" placeholder=\"10.0.0.5,22,unix,ops\"></textarea></label>")
        .append("<button type=\"submit\" id=\"import-submit\">Import</button></form></section></div>");
    ctx.html(console.page(ctx, "Targets", "/targets", b.toString()));
  }

  private void addTarget(Context ctx) {
    try {
      Target t = targets.create(blank(ctx.formParam("address")), intOrNull(ctx.formParam("port"), "port"),
          blank(ctx.formParam("os_family")), longOrNull(ctx.formParam("credential_id")));
      Pages.back(ctx, "/targets", "msg", "Added target " + t.display() + ".");
    } catch (TargetStore.InvalidTargetException | ApiException e) {
      Pages.back(ctx, "/targets", "err", e.getMessage());
    }
  }

  private void importCsv(Context ctx) {
    String text = ctx.formParam("csv");
    var file = ctx.uploadedFile("file");
    if (file != null && file.size() > 0) {
      if (file.size() > MAX_CSV_BYTES) {
        Pages.back(ctx, "/targets", "err", "the CSV file is over " + MAX_CSV_BYTES / 1024 + " KiB");
        return;
      }
      text = file.contentAndClose(in -> {
        try {
          return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          throw ApiException.badRequest("could not read the uploaded file: " + e.getMessage());
        }
      });
    }
    if (text == null || text.isBlank()) {
      Pages.back(ctx, "/targets", "err", "nothing to import: choose a CSV file or paste lines");
      return;
    }
    Map<String, Long> byName = new HashMap<>();
    credentials.list().forEach(c -> byName.put(c.name(), c.id()));
    int added = 0;
    List<String> errors = new ArrayList<>();
    for (TargetCsv.Row r : TargetCsv.parse(text)) {
      if (r.error() != null) {
        errors.add("line " + r.line() + ": " + r.error());
        continue;
      }
      Long cred = null;
      if (r.credential() != null) {
        cred = byName.get(r.credential());
        if (cred == null) {
          try {
            cred = Long.parseLong(r.credential());
          } catch (NumberFormatException e) {
            errors.add("line " + r.line() + ": no credential named '" + r.credential() + "'");
            continue;
          }
        }
      }
      try {
        targets.create(r.address(), r.port(), r.osFamily(), cred);
        added++;
      } catch (TargetStore.InvalidTargetException e) {
        errors.add("line " + r.line() + ": " + e.getMessage());
      }
    }
    String msg = "Imported " + added + " target(s)" + (errors.isEmpty() ? "." : "; " + errors.size() + " line(s) refused.");
    if (errors.isEmpty()) {
      Pages.back(ctx, "/targets", "msg", msg);
    } else {
      Pages.back(ctx, "/targets", "err", msg + " " + String.join("; ", errors.subList(0, Math.min(10, errors.size()))));
    }
  }

  private void startJob(Context ctx, List<Long> ids, String action) {
    DeployService.Action a = switch (action) {
      case "deploy" -> DeployService.Action.DEPLOY;
      case "rescan" -> DeployService.Action.RESCAN;
      case "undeploy" -> DeployService.Action.UNDEPLOY;
      case "status" -> DeployService.Action.STATUS;
      case "check" -> DeployService.Action.CHECK;
      default -> throw ApiException.notFound("no action '" + action + "'");
    };
    if (ids.isEmpty() && targets.list().isEmpty()) {
      Pages.back(ctx, "/targets", "err", "there are no targets yet");
      return;
    }
    long job;
    try {
      job = deploy.start(a, ids, false);
    } catch (IllegalArgumentException e) {
      Pages.back(ctx, "/targets", "err", e.getMessage());
      return;
    }
    ctx.redirect("/jobs/" + job, HttpStatus.SEE_OTHER);
  }

  private void credentialsPage(Context ctx) {
    String csrf = Console.csrf(ctx);
    StringBuilder b = new StringBuilder();
    List<Credential> all = credentials.list();
    b.append("<p class=\"hint\">Secrets are write-only: they are sealed with the master key and never shown again,"
        + " here or in the API.</p>");
    if (all.isEmpty()) {
      b.append("<p class=\"empty\">No credentials yet.</p>");
    } else {
      b.append("<table id=\"credentials\"><thead><tr><th>#</th><th>Name</th><th>Kind</th><th>Username</th><th>Secret</th>"
          + "<th>Created</th><th></th></tr></thead><tbody>");
      for (Credential c : all) {
        b.append("<tr><td>").append(c.id()).append("</td><td>").append(esc(c.name())).append("</td><td>")
            .append(esc(c.kind())).append("</td><td>").append(esc(c.username())).append("</td><td>stored")
            .append(c.hasPassphrase() ? ", with passphrase" : "").append("</td><td>").append(Fmt.time(c.createdAt()))
            .append("</td><td>").append(Html.postButton("/credentials/" + c.id() + "/delete", "Remove", csrf, "danger"))
            .append("</td></tr>");
      }
      b.append("</tbody></table>");
    }
    b.append("<h2>Add a credential</h2><form method=\"post\" action=\"/credentials\" id=\"add-credential\" autocomplete=\"off\">")
        .append(Html.csrfField(csrf))
        .append("<label>Name <input name=\"name\" id=\"cred-name\" required></label>")
        .append("<label>Kind <select name=\"kind\" id=\"cred-kind\"><option value=\"ssh_password\">SSH password</option>"
            + "<option value=\"ssh_key\">SSH private key</option><option value=\"smb_password\">SMB password (Windows)</option></select></label>")
        .append("<label>Username <input name=\"username\" id=\"cred-username\" required></label>")
        .append("<label>Password <input type=\"password\" name=\"password\" id=\"cred-password\" autocomplete=\"new-password\"></label>")
        .append("<label>Private key (ssh_key) <textarea name=\"private_key\" id=\"cred-key\" rows=\"4\"></textarea></label>")
        .append("<label>Key passphrase <input type=\"password\" name=\"passphrase\" id=\"cred-passphrase\" autocomplete=\"new-password\"></label>")
        .append("<button type=\"submit\" id=\"add-credential-submit\">Add credential</button></form>");
    ctx.html(console.page(ctx, "Credentials", "/credentials", b.toString()));
  }

  private void addCredential(Context ctx) {
    String kind = blank(ctx.formParam("kind"));
    // secrets exactly as typed: spaces may be part of a password
    String secret = Credential.SSH_KEY.equals(kind) ? raw(ctx.formParam("private_key")) : raw(ctx.formParam("password"));
    try {
      Credential c = credentials.create(blank(ctx.formParam("name")), kind, blank(ctx.formParam("username")), secret,
          raw(ctx.formParam("passphrase")), false);
      Pages.back(ctx, "/credentials", "msg", "Added credential " + c.name() + ".");
    } catch (CredentialStore.InvalidCredentialException e) {
      Pages.back(ctx, "/credentials", "err", e.getMessage());
    }
  }

  private void jobPage(Context ctx) {
    long id = Pages.id(ctx);
    DeployJobs.JobView j = jobs.view(id).orElseThrow(() -> ApiException.notFound("no job " + id));
    StringBuilder b = new StringBuilder();
    b.append("<section id=\"job\" data-job-id=\"").append(j.id()).append("\" data-state=\"").append(esc(j.state())).append("\">")
        .append("<p><span class=\"badge\" id=\"job-state\">").append(esc(j.state())).append("</span> <span id=\"job-progress\">")
        .append(j.done()).append(" of ").append(j.total()).append(" hosts done, ").append(j.failed())
        .append(" failed</span></p><progress id=\"job-bar\" max=\"").append(Math.max(1, j.total())).append("\" value=\"")
        .append(j.done()).append("\"></progress>");
    if ("running".equals(j.state())) {
      b.append(Html.postButton("/jobs/" + j.id() + "/cancel", "Cancel the hosts not started yet", Console.csrf(ctx), "danger"));
    }
    b.append(Html.postButton("/jobs/" + j.id() + "/check", "Preflight these hosts", Console.csrf(ctx), ""));
    b.append("<table id=\"job-hosts\"><thead><tr><th>Target</th><th>Address</th><th>State</th><th>Result</th><th>Detail</th>"
        + "<th>Finished</th></tr></thead><tbody>");
    for (DeployJobs.HostResult h : j.hosts()) {
      b.append("<tr data-target-id=\"").append(h.targetId()).append("\"><td>").append(h.targetId()).append("</td><td>")
          .append(esc(h.address())).append("</td><td>").append(esc(h.state())).append("</td><td class=\"outcome outcome-")
          .append(esc(h.outcome())).append("\">").append(esc(h.outcome() == null ? "—" : h.outcome())).append("</td><td class=\"detail\">")
          .append(esc(h.detail())).append("</td><td>").append(Fmt.time(h.finishedAt())).append("</td></tr>");
      if (h.checks() != null) {
        // a preflight: every check, and for each failure or warning the sentence that says how to fix it
        b.append("<tr class=\"checks\"><td></td><td colspan=\"5\"><ul class=\"checks\">");
        for (io.perfmetrics.deploy.Check c : h.checks()) {
          b.append("<li class=\"check check-").append(esc(c.result())).append("\"><span class=\"badge\">").append(esc(c.result()))
              .append("</span> <b>").append(esc(c.name())).append("</b> ").append(esc(c.detail()));
          if (c.fix() != null) {
            b.append("<br><span class=\"fix\">Fix: ").append(esc(c.fix())).append("</span>");
          }
          b.append("</li>");
        }
        b.append("</ul></td></tr>");
      }
    }
    b.append("</tbody></table><p class=\"hint\">This page follows <code>GET /api/v1/deployments/").append(j.id())
        .append("</code> until the job ends. Created ").append(Fmt.time(j.createdAt())).append(".</p></section>")
        .append("<p><a href=\"/targets\">Back to targets</a></p>");
    ctx.html(console.page(ctx, capitalize(j.kind()) + " job " + j.id(), "/targets", b.toString()));
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }


  private static String blank(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static String raw(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static Integer intOrNull(String s, String field) {
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(field + " must be a number, got '" + s + "'");
    }
  }

  private static Long longOrNull(String s) {
    if (s == null || s.isBlank()) {
      return null;
    }
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest("credential must be chosen from the list");
    }
  }
}

package io.perfmetrics.web.console;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.perfmetrics.deploy.DeployJobs;
import io.perfmetrics.deploy.DeployService;
import io.perfmetrics.deploy.TargetStatuses;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.targets.Credential;
import io.perfmetrics.targets.CredentialStore;
import io.perfmetrics.targets.Target;
import io.perfmetrics.targets.TargetStore;
import io.perfmetrics.web.Console;
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
  /** A target, the name of its credential (a dash when none), its status. */
  public record TargetRow(Target target, String credential, TargetStatuses.Status status) {}

  public record TargetsModel(List<TargetRow> rows, List<Credential> credentials) {}

  public record CredentialsModel(List<Credential> credentials) {}

  private static final int MAX_CSV_BYTES = 512 * 1024;

  private final Console console;
  private final TargetStore targets;
  private final CredentialStore credentials;
  private final TargetStatuses statuses;
  private final DeployService deploy;
  private final DeployJobs jobs;

  public TargetPages(
      Console console,
      TargetStore targets,
      CredentialStore credentials,
      TargetStatuses statuses,
      DeployService deploy,
      DeployJobs jobs) {
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
    routes.post(
        "/targets/{id}/delete",
        ctx -> {
          long id = Pages.id(ctx);
          TargetStore.Removal r = targets.delete(id);
          if (!r.removed() && !r.notFound()) {
            Pages.back(
                ctx,
                "/targets",
                "err",
                capitalize(
                    r.refusal(
                            id,
                            "the Undeploy button",
                            "the Retire button on its page: Collectors, " + r.activeCollector())
                        + "."));
          } else {
            Pages.back(ctx, "/targets", "msg", "Target removed.");
          }
        });
    routes.post(
        "/targets/{id}/{action}",
        ctx -> startJob(ctx, List.of(Pages.id(ctx)), ctx.pathParam("action")));
    routes.post("/targets-all/{action}", ctx -> startJob(ctx, List.of(), ctx.pathParam("action")));
    routes.get("/credentials", this::credentialsPage);
    routes.post("/credentials", this::addCredential);
    routes.post(
        "/credentials/{id}/delete",
        ctx -> {
          credentials.delete(Pages.id(ctx));
          Pages.back(ctx, "/credentials", "msg", "Credential removed.");
        });
    routes.get("/jobs/{id}", this::jobPage);
    routes.post(
        "/jobs/{id}/check",
        ctx -> {
          long id = Pages.id(ctx);
          DeployJobs.JobView j =
              jobs.view(id).orElseThrow(() -> ApiException.notFound("no job " + id));
          List<Long> ids = j.hosts().stream().map(DeployJobs.HostResult::targetId).toList();
          if (ids.isEmpty()) {
            Pages.back(ctx, "/jobs/" + id, "err", "this job has no hosts left to check");
            return;
          }
          startJob(ctx, ids, "check");
        });
    routes.post(
        "/jobs/{id}/cancel",
        ctx -> {
          long id = Pages.id(ctx);
          jobs.cancel(id);
          ctx.redirect("/jobs/" + id, HttpStatus.SEE_OTHER);
        });
  }

  private void targetsPage(Context ctx) {
    Map<Long, String> credNames = new HashMap<>();
    List<Credential> creds = credentials.list();
    creds.forEach(c -> credNames.put(c.id(), c.name()));
    List<TargetRow> rows =
        targets.list().stream()
            .map(
                t ->
                    new TargetRow(
                        t,
                        t.credentialId() == null
                            ? "—"
                            : credNames.getOrDefault(t.credentialId(), "#" + t.credentialId()),
                        statuses.of(t.id())))
            .toList();
    console.render(ctx, "targets.jte", "Targets", "/targets", new TargetsModel(rows, creds));
  }

  private void addTarget(Context ctx) {
    try {
      Target t =
          targets.create(
              blank(ctx.formParam("address")),
              intOrNull(ctx.formParam("port"), "port"),
              blank(ctx.formParam("os_family")),
              longOrNull(ctx.formParam("credential_id")));
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
      text =
          file.contentAndClose(
              in -> {
                try {
                  return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                  throw ApiException.badRequest(
                      "could not read the uploaded file: " + e.getMessage());
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
    String msg =
        "Imported "
            + added
            + " target(s)"
            + (errors.isEmpty() ? "." : "; " + errors.size() + " line(s) refused.");
    if (errors.isEmpty()) {
      Pages.back(ctx, "/targets", "msg", msg);
    } else {
      Pages.back(
          ctx,
          "/targets",
          "err",
          msg + " " + String.join("; ", errors.subList(0, Math.min(10, errors.size()))));
    }
  }

  private void startJob(Context ctx, List<Long> ids, String action) {
    DeployService.Action a =
        switch (action) {
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
    console.render(
        ctx,
        "credentials.jte",
        "Credentials",
        "/credentials",
        new CredentialsModel(credentials.list()));
  }

  private void addCredential(Context ctx) {
    String kind = blank(ctx.formParam("kind"));
    // secrets exactly as typed: spaces may be part of a password
    String secret =
        Credential.SSH_KEY.equals(kind)
            ? raw(ctx.formParam("private_key"))
            : raw(ctx.formParam("password"));
    try {
      Credential c =
          credentials.create(
              blank(ctx.formParam("name")),
              kind,
              blank(ctx.formParam("username")),
              secret,
              raw(ctx.formParam("passphrase")),
              false);
      Pages.back(ctx, "/credentials", "msg", "Added credential " + c.name() + ".");
    } catch (CredentialStore.InvalidCredentialException e) {
      Pages.back(ctx, "/credentials", "err", e.getMessage());
    }
  }

  private void jobPage(Context ctx) {
    long id = Pages.id(ctx);
    DeployJobs.JobView j = jobs.view(id).orElseThrow(() -> ApiException.notFound("no job " + id));
    console.render(ctx, "job.jte", capitalize(j.kind()) + " job " + j.id(), "/targets", j);
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

package io.perfmetrics.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.http.JsonBodies;
import io.perfmetrics.targets.Target;
import io.perfmetrics.targets.TargetStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Admin routes: deployments (deploy, undeploy, live status), rescans, per-target status, host keys.
 */
public final class DeployRoutes {
  private final DeployService service;
  private final DeployJobs jobs;
  private final TargetStatuses statuses;
  private final TargetStore targets;
  private final HostKeyPins pins;

  public DeployRoutes(
      DeployService service,
      DeployJobs jobs,
      TargetStatuses statuses,
      TargetStore targets,
      HostKeyPins pins) {
    this.service = service;
    this.jobs = jobs;
    this.statuses = statuses;
    this.targets = targets;
    this.pins = pins;
  }

  public void register(RoutesConfig routes) {
    routes.post("/api/v1/deployments", ctx -> startJob(ctx, null));
    routes.post("/api/v1/rescans", ctx -> startJob(ctx, DeployService.Action.RESCAN));
    for (String base : List.of("/api/v1/deployments", "/api/v1/rescans")) {
      routes.get(
          base + "/{id}",
          ctx ->
              ctx.json(
                  jobs.view(JsonBodies.id(ctx, "id"))
                      .orElseThrow(() -> ApiException.notFound("no job " + ctx.pathParam("id")))));
      routes.post(
          base + "/{id}/cancel",
          ctx -> {
            long id = JsonBodies.id(ctx, "id");
            if (jobs.view(id).isEmpty()) {
              throw ApiException.notFound("no job " + id);
            }
            jobs.cancel(id);
            ctx.json(jobs.view(id).orElseThrow());
          });
    }
    routes.get("/api/v1/targets/{id}/status", ctx -> ctx.json(statuses.of(target(ctx).id())));
    routes.get(
        "/api/v1/status",
        ctx ->
            ctx.json(
                Map.of("targets", targets.list().stream().map(t -> statuses.of(t.id())).toList())));
    routes.post(
        "/api/v1/targets/{id}/host-key/accept",
        ctx -> {
          Target t = target(ctx);
          if (!pins.acceptPending(t.address(), t.effectivePort())) {
            throw ApiException.notFound("no changed host key is pending for " + t.display());
          }
          ctx.status(204);
        });
  }

  private Target target(Context ctx) {
    return targets
        .find(JsonBodies.id(ctx, "id"))
        .orElseThrow(() -> ApiException.notFound("no target " + ctx.pathParam("id")));
  }

  private void startJob(Context ctx, DeployService.Action fixed) {
    JsonNode b = JsonBodies.object(ctx);
    DeployService.Action action = fixed;
    if (action == null) {
      String a = JsonBodies.text(b, "action");
      action =
          switch (a == null ? "deploy" : a) {
            case "deploy" -> DeployService.Action.DEPLOY;
            case "undeploy" -> DeployService.Action.UNDEPLOY;
            case "status" -> DeployService.Action.STATUS;
            case "check" -> DeployService.Action.CHECK;
            default ->
                throw ApiException.badRequest(
                    "action must be deploy, undeploy, status or check, got '" + a + "'");
          };
    }
    List<Long> ids = new ArrayList<>();
    JsonNode arr = b.get("target_ids");
    if (arr != null && !arr.isNull()) {
      if (!arr.isArray()) {
        throw ApiException.badRequest(
            "target_ids must be an array of target ids (empty or absent: all targets)");
      }
      arr.forEach(n -> ids.add(n.asLong()));
    }
    long id;
    try {
      id = service.start(action, ids, b.path("force").asBoolean(false));
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    ctx.status(202).header("Location", ctx.path() + "/" + id).json(jobs.view(id).orElseThrow());
  }
}

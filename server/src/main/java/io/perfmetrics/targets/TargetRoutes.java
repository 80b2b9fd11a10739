package io.perfmetrics.targets;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.perfmetrics.http.ApiException;
import io.perfmetrics.http.JsonBodies;
import java.util.Map;

/** Admin routes for targets and credentials. Secrets can be written, never read back. */
public final class TargetRoutes {
  private final TargetStore targets;
  private final CredentialStore credentials;

  public TargetRoutes(TargetStore targets, CredentialStore credentials) {
    this.targets = targets;
    this.credentials = credentials;
  }

  public void register(RoutesConfig routes) {
    routes.get("/api/v1/targets", ctx -> ctx.json(Map.of("targets", targets.list())));
    routes.post("/api/v1/targets", this::addTarget);
    routes.get(
        "/api/v1/targets/{id}",
        ctx ->
            ctx.json(
                targets
                    .find(JsonBodies.id(ctx, "id"))
                    .orElseThrow(() -> ApiException.notFound("no target " + ctx.pathParam("id")))));
    routes.delete(
        "/api/v1/targets/{id}",
        ctx -> {
          long id = JsonBodies.id(ctx, "id");
          TargetStore.Removal r = targets.delete(id);
          if (r.notFound()) {
            throw ApiException.notFound("no target " + ctx.pathParam("id"));
          }
          if (!r.removed()) {
            throw new ApiException(
                409,
                "conflict",
                r.refusal(
                    id,
                    "perfmetrics undeploy "
                        + id
                        + ", or POST /api/v1/deployments with action undeploy",
                    "perfmetrics collectors retire "
                        + r.activeCollector()
                        + ", or DELETE /api/v1/collectors/"
                        + r.activeCollector()));
          }
          ctx.status(204);
        });
    routes.get("/api/v1/credentials", ctx -> ctx.json(Map.of("credentials", credentials.list())));
    routes.post("/api/v1/credentials", this::addCredential);
    routes.delete(
        "/api/v1/credentials/{id}",
        ctx -> {
          if (!credentials.delete(JsonBodies.id(ctx, "id"))) {
            throw ApiException.notFound("no credential " + ctx.pathParam("id"));
          }
          ctx.status(204);
        });
  }

  private void addTarget(Context ctx) {
    JsonNode b = JsonBodies.object(ctx);
    Integer port = b.hasNonNull("port") ? b.get("port").asInt(-1) : null;
    Long credentialId = b.hasNonNull("credential_id") ? b.get("credential_id").asLong() : null;
    try {
      ctx.status(201)
          .json(
              targets.create(
                  JsonBodies.text(b, "address"),
                  port,
                  JsonBodies.text(b, "os_family"),
                  credentialId));
    } catch (TargetStore.InvalidTargetException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  private void addCredential(Context ctx) {
    JsonNode b = JsonBodies.object(ctx);
    String kind = JsonBodies.text(b, "kind");
    String secret =
        Credential.SSH_KEY.equals(kind)
            ? JsonBodies.text(b, "private_key")
            : JsonBodies.text(b, "password");
    try {
      ctx.status(201)
          .json(
              credentials.create(
                  JsonBodies.text(b, "name"),
                  kind,
                  JsonBodies.text(b, "username"),
                  secret,
                  JsonBodies.text(b, "passphrase"),
                  b.path("sudo").asBoolean(false)));
    } catch (CredentialStore.InvalidCredentialException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }
}

package io.ballast.contract;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.support.security.Roles;

/** The REST interface of one reservation-service instance, called with the test's tokens. */
final class ReservationApi extends RestApi {

    ReservationApi(int httpPort) {
        super(httpPort);
    }

    JsonNode datastore(String id) {
        return ok(get("/datastores/" + id));
    }

    JsonNode disk(String id) {
        return ok(get("/disks/" + id));
    }

    JsonNode growthStatus(String id) {
        return ok(get("/growth/" + id));
    }

    Answer growth(String disk, String growthId, long bytes) {
        return send(
                "POST",
                "/disks/" + disk + "/growth",
                Roles.ORCHESTRATOR,
                JSON.createObjectNode().put("growthId", growthId).put("additionalBytes", bytes));
    }

    Answer prepare(String migrationId, String disk, String toDatastore, int ttlSeconds) {
        var body = JSON.createObjectNode().put("migrationId", migrationId).put("ttlSeconds", ttlSeconds);
        body.putArray("disks").addObject().put("diskId", disk).put("toDatastoreId", toDatastore);
        return send("POST", "/migrations", Roles.ORCHESTRATOR, body);
    }

    Answer commit(String migrationId) {
        return send("POST", "/migrations/" + migrationId + "/commit", Roles.ORCHESTRATOR, JSON.createObjectNode());
    }

    Answer abort(String migrationId) {
        return send("POST", "/migrations/" + migrationId + "/abort", Roles.ORCHESTRATOR, JSON.createObjectNode());
    }

    JsonNode ledger(String query) {
        return ok(get("/ledger?" + query));
    }
}

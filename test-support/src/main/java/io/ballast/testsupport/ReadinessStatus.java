package io.ballast.testsupport;

import io.restassured.path.json.JsonPath;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The status of each check in a SmallRye Health response. */
final class ReadinessStatus {

    private ReadinessStatus() {}

    static Map<String, String> of(JsonPath health) {
        List<Map<String, Object>> checks = health.getList("checks");
        Map<String, String> statusByCheck = new LinkedHashMap<>();
        for (Map<String, Object> check : checks) {
            statusByCheck.put((String) check.get("name"), (String) check.get("status"));
        }
        return statusByCheck;
    }
}

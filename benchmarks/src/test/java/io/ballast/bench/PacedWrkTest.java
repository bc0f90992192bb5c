package io.ballast.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PacedWrkTest {

    @Test
    void theFiguresAreTheScriptsLineAmongWrksOwnOutput() {
        String out = """
                Running 30s test @ http://127.0.0.1:8081
                  1 threads and 50 connections
                  15000 requests in 30.00s, 571.39MB read
                Requests/sec:    500.00
                paced-wrk {"requests":15000,"durationUs":30000000,"bytes":599152640,"connectErrors":1,"readErrors":2,\
                "writeErrors":0,"statusErrors":3,"timeouts":4,"p50Us":1250,"p90Us":4800,"p99Us":33300,"p999Us":90000,\
                "maxUs":208700,"meanUs":2600.5,"lateSends":92,"latestMs":41.500}
                """;

        PacedWrk.Run run = PacedWrk.figures(out);

        assertThat(run.requests()).isEqualTo(15_000);
        assertThat(run.seconds()).isEqualTo(30.0);
        assertThat(run.rate()).isCloseTo(500.0, within(1e-9));
        assertThat(run.p50Ms()).isEqualTo(1.25);
        assertThat(run.p99Ms()).isEqualTo(33.3);
        assertThat(run.maxMs()).isEqualTo(208.7);
        assertThat(run.socketErrors()).as("connect, read and write errors").isEqualTo(3);
        assertThat(run.statusErrors()).isEqualTo(3);
        assertThat(run.timeouts()).isEqualTo(4);
        assertThat(run.errors()).isEqualTo(10);
        assertThat(run.lateSends()).isEqualTo(92);
        assertThat(run.latestMs()).isEqualTo(41.5);
    }

    @Test
    void wrkOutputWithoutTheScriptsLineIsAFailureThatShowsTheOutput() {
        assertThatThrownBy(() -> PacedWrk.figures("unable to connect to 127.0.0.1:1 Connection refused\n"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("wrk printed no figures")
                .hasMessageContaining("Connection refused");
    }
}

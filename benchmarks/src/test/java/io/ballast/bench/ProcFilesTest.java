package io.ballast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcFilesTest {

    @Test
    void aFieldIsFoundByItsWholeNameWhateverTheBlanksBeforeItsColon(@TempDir Path directory) throws Exception {
        Path status = Files.writeString(directory.resolve("status"), """
                VmRSSMax:\t 9 kB
                model name\t: AMD EPYC 7B13
                VmRSS:\t     4096 kB
                VmRSS:\t 1 kB
                """);

        assertThat(ProcFiles.field(status, "VmRSS")).hasValue("4096 kB");
        assertThat(ProcFiles.field(status, "model name")).hasValue("AMD EPYC 7B13");
        assertThat(ProcFiles.field(status, "VmSwap")).isEmpty();
    }

    @Test
    void thisProcessHasAResidentSet() throws Exception {
        var kib = ProcFiles.residentKiB(ProcessHandle.current().pid());

        assertThat(kib).isPresent();
        assertThat(kib.getAsLong()).isPositive();
    }
}

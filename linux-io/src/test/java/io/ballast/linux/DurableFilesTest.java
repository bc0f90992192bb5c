package io.ballast.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replacing, renaming and deleting files durably, on this machine's filesystem. */
class DurableFilesTest {

    @TempDir
    Path temp;

    @Test
    void replaceCreatesThenReplacesTheContentAndLeavesNoTemporaryFile() throws Exception {
        Path file = temp.resolve("journal");

        DurableFiles.replace(file, "one".getBytes(StandardCharsets.UTF_8));
        DurableFiles.replace(file, "two, longer".getBytes(StandardCharsets.UTF_8));
        DurableFiles.replace(file, "3".getBytes(StandardCharsets.UTF_8));

        assertThat(Files.readString(file)).isEqualTo("3");
        try (var entries = Files.list(temp)) {
            assertThat(entries).containsExactly(file);
        }
    }

    @Test
    void replaceKeepsTheReplacedFilesPermissions() throws Exception {
        Path descriptor = Files.writeString(temp.resolve("vm.vmdk"), "old");
        Files.setPosixFilePermissions(descriptor, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));

        DurableFiles.replace(descriptor, "new".getBytes(StandardCharsets.UTF_8));

        assertThat(Files.readString(descriptor)).isEqualTo("new");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(descriptor)))
                .isEqualTo("rw-r-----");
    }

    @Test
    void renameWithoutReplacingRefusesAnExistingTargetAndKeepsBoth() throws Exception {
        Path image = Files.writeString(temp.resolve("vm.img"), "image");
        Path taken = Files.writeString(temp.resolve("vm.img.ballast-job-1"), "other");

        assertThatThrownBy(() -> DurableFiles.rename(image, taken, false))
                .isInstanceOf(FileAlreadyExistsException.class);

        assertThat(Files.readString(image)).isEqualTo("image");
        assertThat(Files.readString(taken)).isEqualTo("other");
    }

    @Test
    void renameMovesAcrossDirectoriesOfOneFilesystem() throws Exception {
        Path from = Files.writeString(temp.resolve("partial"), "copy");
        Path to = Files.createDirectory(temp.resolve("copies")).resolve("copy");

        DurableFiles.rename(from, to, true);

        assertThat(from).doesNotExist();
        assertThat(Files.readString(to)).isEqualTo("copy");
    }

    @Test
    void deletingAMissingFileIsNotAnError() throws Exception {
        Path file = Files.writeString(temp.resolve("undo"), "x");

        DurableFiles.delete(file);
        DurableFiles.delete(file);

        assertThat(file).doesNotExist();
    }
}

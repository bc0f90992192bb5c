package io.ballast.worker.image;

import static io.ballast.worker.image.ImageBytes.get;
import static io.ballast.worker.image.ImageBytes.put;
import static io.ballast.worker.image.ImageBytes.put32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.local.launch.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tables written by sfdisk, read back and compared with what sfdisk itself reports. */
class PartitionTablesTest {

    private static final long MIB = 1 << 20;
    private static final String MBR_WITH_LOGICALS = "label: dos\nstart=2048, size=20480, type=83\nstart=22528,"
            + " type=5\nstart=24576, size=10240, type=83\nstart=36864, size=10240, type=82\n";
    private static final String GPT = "label: gpt\nstart=2048, size=20480\nstart=22528, size=40960,"
            + " type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F\n";

    @TempDir
    Path temp;

    @BeforeEach
    void tools() {
        SystemPrerequisites.requireTools("sfdisk");
    }

    @Test
    void mbrWithLogicalPartitionsIsWhatSfdiskSays() throws Exception {
        Path image = image(MBR_WITH_LOGICALS);

        PartitionTable table = read(image);

        assertThat(table.scheme()).isEqualTo(PartitionTable.Scheme.MBR);
        assertThat(table.partitions()).containsExactlyElementsOf(sfdisk(image));
        assertThat(table.partitions()).extracting(Partition::number).containsExactly(1, 5, 6);
        assertThat(table.tableRanges())
                .containsExactly(
                        new ByteRange(0, 512),
                        ByteRange.ofLength(22528L * 512, 512),
                        ByteRange.ofLength(34816L * 512, 512));
    }

    @Test
    void gptIsWhatSfdiskSays() throws Exception {
        Path image = image(GPT);

        PartitionTable table = read(image);

        assertThat(table.scheme()).isEqualTo(PartitionTable.Scheme.GPT);
        assertThat(table.partitions()).containsExactlyElementsOf(sfdisk(image));
        long sectors = 64 * MIB / 512;
        assertThat(table.tableRanges())
                .containsExactly(new ByteRange(0, 34 * 512), new ByteRange((sectors - 33) * 512, sectors * 512));
    }

    @Test
    void aDiskWithoutTableIsOneWholeDiskFilesystem() throws Exception {
        Path image = temp.resolve("bare.img");
        Commands.run("truncate", "-s", Long.toString(8 * MIB), image.toString());

        PartitionTable table = read(image);

        assertThat(table.scheme()).isEqualTo(PartitionTable.Scheme.NONE);
        assertThat(table.partitions()).containsExactly(new Partition(0, new ByteRange(0, 8 * MIB), "none"));
        assertThat(table.tableRanges()).isEmpty();
    }

    @Test
    void aGptWhoseProtectiveMbrIsGoneIsStillAGpt() throws Exception {
        Path image = image(GPT);
        put(image, 510, (byte) 0);

        assertThat(read(image).scheme()).isEqualTo(PartitionTable.Scheme.GPT);
    }

    @Test
    void oneChangedByteInTheGptHeaderIsACrcError() throws Exception {
        Path image = image(GPT);
        put(image, 512 + 40, (byte) (get(image, 512 + 40) ^ 1));

        assertThatThrownBy(() -> read(image))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageMatching("GPT header CRC32 is 0x[0-9a-f]+ but the header sums to 0x[0-9a-f]+");
    }

    @Test
    void oneChangedByteInTheGptEntriesIsACrcError() throws Exception {
        Path image = image(GPT);
        put(image, 1024 + 32, (byte) (get(image, 1024 + 32) ^ 1));

        assertThatThrownBy(() -> read(image))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageMatching("GPT entry array CRC32 is 0x[0-9a-f]+ but the entries sum to 0x[0-9a-f]+");
    }

    @Test
    void anEbrChainThatLoopsIsAnError() throws Exception {
        Path image = image(MBR_WITH_LOGICALS);
        // The second EBR (sector 34816) links back to the first (offset 0 in the extended partition).
        long secondEbr = 34816L * 512;
        put32(image, secondEbr + 446 + 16 + 8, 0);
        put(image, secondEbr + 446 + 16 + 4, (byte) 0x05);

        assertThatThrownBy(() -> read(image))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessage("the EBR chain loops back to sector 22528");
    }

    @Test
    void overlappingPartitionsAreAnError() throws Exception {
        Path image = image("label: dos\nstart=2048, size=20480, type=83\nstart=22528, size=20480, type=83\n");
        put32(image, 446 + 16 + 8, 20000);

        assertThatThrownBy(() -> read(image))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessage("partitions 1 [1048576, 11534336) and 2 [10240000, 20725760) overlap");
    }

    @Test
    void aPartitionPastTheEndOfTheDiskIsAnError() throws Exception {
        Path image = image("label: dos\nstart=2048, size=20480, type=83\n");
        put32(image, 446 + 12, 1_000_000);

        assertThatThrownBy(() -> read(image))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessage("MBR entry 1 ends at sector 1002048, past the disk's 131072 sectors");
    }

    @Test
    void aTruncatedGptImageIsAnError() throws Exception {
        Path image = image(GPT);
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE)) {
            channel.truncate(1536);
        }

        assertThatThrownBy(() -> read(image))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("GPT entry array at LBA 2 (32 sectors) is not inside the disk's 3 sectors");
    }

    @Test
    void anImageShorterThanASectorIsAnError() throws Exception {
        Path image = Files.write(temp.resolve("tiny.img"), new byte[100]);

        assertThatThrownBy(() -> read(image))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessage("the disk is 100 bytes, shorter than one sector");
    }

    private Path image(String script) throws IOException {
        Path image = Files.createTempFile(temp, "disk-", ".img");
        Commands.run("truncate", "-s", Long.toString(64 * MIB), image.toString());
        Commands.runWithInput(script, "sfdisk", "--quiet", image.toString());
        return image;
    }

    private static PartitionTable read(Path image) throws Exception {
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ)) {
            return PartitionTables.read(channel, channel.size());
        }
    }

    /** The partitions as {@code sfdisk --json} reports them, extended containers left out. */
    private static List<Partition> sfdisk(Path image) throws IOException {
        JsonNode table = new ObjectMapper().readTree(Commands.run("sfdisk", "--json", image.toString()));
        List<Partition> partitions = new ArrayList<>();
        for (JsonNode partition : table.get("partitiontable").get("partitions")) {
            String type = partition.get("type").asText().toLowerCase(Locale.ROOT);
            if (Set.of("5", "f", "85").contains(type)) {
                continue;
            }
            String node = partition.get("node").asText();
            int number = Integer.parseInt(node.substring(image.toString().length()));
            long start = partition.get("start").asLong() * 512;
            long size = partition.get("size").asLong() * 512;
            partitions.add(
                    new Partition(number, ByteRange.ofLength(start, size), type.length() == 1 ? "0" + type : type));
        }
        return partitions;
    }
}

package io.ballast.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {

    @Test
    void readsBytesAndBinarySuffixes() {
        assertThat(ByteSize.parse("0")).isZero();
        assertThat(ByteSize.parse("1048576")).isEqualTo(1 << 20);
        assertThat(ByteSize.parse("64K")).isEqualTo(64L << 10);
        assertThat(ByteSize.parse("64M")).isEqualTo(64L << 20);
        assertThat(ByteSize.parse("10g")).isEqualTo(10L << 30);
        assertThat(ByteSize.parse("2T")).isEqualTo(2L << 40);
        assertThat(ByteSize.parse(" 7M ")).isEqualTo(7L << 20);
    }

    @Test
    void refusesAnythingElseNamingTheText() {
        for (String bad : new String[] {"", "-1", "1.5G", "64MB", "64 M", "M", "0x10", "1e9", "12P"}) {
            assertThatThrownBy(() -> ByteSize.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void refusesSizesBeyondWhatALongHolds() {
        assertThatThrownBy(() -> ByteSize.parse("8388608T")).hasMessageContaining("is more than");
        assertThatThrownBy(() -> ByteSize.parse("9223372036854775808")).hasMessageContaining("is more than");
        assertThat(ByteSize.parse("8388607T")).isEqualTo(8388607L << 40);
    }

    @Test
    void formatsExactBinaryMultiples() {
        assertThat(ByteSize.format(64L << 20)).isEqualTo("64 MiB");
        assertThat(ByteSize.format(10L << 30)).isEqualTo("10 GiB");
        assertThat(ByteSize.format(1536)).isEqualTo("1536 B");
        assertThat(ByteSize.format(4096)).isEqualTo("4 KiB");
        assertThat(ByteSize.format(0)).isEqualTo("0 B");
    }

    @Test
    void humanSizesHaveOneDecimal() {
        assertThat(ByteSize.human(6L << 30)).isEqualTo("6.0 GiB");
        assertThat(ByteSize.human((3L << 29))).isEqualTo("1.5 GiB");
        assertThat(ByteSize.human(1536)).isEqualTo("1.5 KiB");
        assertThat(ByteSize.human(512)).isEqualTo("512 B");
    }
}

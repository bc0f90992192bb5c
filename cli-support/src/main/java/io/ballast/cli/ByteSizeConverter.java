package io.ballast.cli;

import picocli.CommandLine;

/** An option's value as a byte count: {@code 1048576}, {@code 64M}, {@code 10G} (binary), as {@link ByteSize} reads it. */
public final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        try {
            return ByteSize.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}

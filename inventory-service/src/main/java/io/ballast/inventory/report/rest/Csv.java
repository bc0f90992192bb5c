package io.ballast.inventory.report.rest;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Report rows as CSV (RFC 4180, a header line first): one line per row, one column per component of the row's
 * record, in order, named as in the JSON. A null is an empty field.
 */
final class Csv {

    /** The media type of a CSV report. */
    static final String MEDIA_TYPE = "text/csv";

    private Csv() {}

    static <T extends Record> String of(Class<T> type, List<T> rows) {
        RecordComponent[] columns = type.getRecordComponents();
        CSVFormat format = CSVFormat.RFC4180
                .builder()
                .setHeader(Arrays.stream(columns).map(RecordComponent::getName).toArray(String[]::new))
                .get();
        StringWriter out = new StringWriter();
        try (CSVPrinter printer = new CSVPrinter(out, format)) {
            for (T row : rows) {
                Object[] values = new Object[columns.length];
                for (int i = 0; i < columns.length; i++) {
                    values[i] = columns[i].getAccessor().invoke(row);
                }
                printer.printRecord(values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("a report row's component could not be read: " + e.getMessage(), e);
        }
        return out.toString();
    }
}

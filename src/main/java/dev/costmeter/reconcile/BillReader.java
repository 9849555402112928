package dev.costmeter.reconcile;

import org.duckdb.DuckDBDriver;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an AWS bill as AWS Data Exports write it — CUR 2.0 (CSV, gzip CSV, Parquet) or FOCUS 1.2
 * (CSV, gzip CSV, Parquet), told apart by their columns — and sums its Amazon Bedrock usage lines
 * per UTC day × region × usage type × IAM principal.
 *
 * <p>DuckDB, in-process, does the reading and the summing: it streams the file (a month of a large
 * account is millions of lines) through a hash aggregate whose groups are a few thousand, so the
 * bill never sits in memory, and it reads all of AWS's formats natively. Quantities and costs are
 * summed as DECIMAL(38, 18) from their text (a Parquet DOUBLE by its shortest decimal form), never
 * as floating point.
 */
public final class BillReader {

    /** The two export formats, each with the columns costmeter reads from it. */
    public enum Format {
        CUR_2_0("CUR 2.0", "line_item_usage_start_date", "product_region_code", "line_item_usage_type", "line_item_usage_amount",
                "line_item_unblended_cost", "line_item_currency_code", "line_item_product_code", "line_item_line_item_type",
                "line_item_iam_principal", "pricing_unit"),
        FOCUS_1_2("FOCUS 1.2", "ChargePeriodStart", "RegionId", "x_UsageType", "ConsumedQuantity",
                "BilledCost", "BillingCurrency", "x_ServiceCode", "ChargeCategory", null, "ConsumedUnit");

        private final String label;
        final String start;
        final String region;
        final String usageType;
        final String quantity;
        final String cost;
        final String currency;
        final String service;
        final String chargeType;
        final String principal;
        final String unit;

        Format(String label, String start, String region, String usageType, String quantity, String cost, String currency,
               String service, String chargeType, String principal, String unit) {
            this.label = label;
            this.start = start;
            this.region = region;
            this.usageType = usageType;
            this.quantity = quantity;
            this.cost = cost;
            this.currency = currency;
            this.service = service;
            this.chargeType = chargeType;
            this.principal = principal;
            this.unit = unit;
        }

        public String label() {
            return label;
        }

        /**
         * The columns a file must have to be read as this format (the principal and unit columns are
         * optional; FOCUS has no IAM principal column).
         */
        List<String> required() {
            return List.of(start, region, usageType, quantity, cost, currency, service, chargeType);
        }
    }

    /**
     * One day's Bedrock usage of one usage type in one region by one principal, summed.
     *
     * @param principal the IAM principal ARN, or "" when the bill has none
     * @param quantity  in the usage type's own unit (tokens), pricing units already scaled out
     */
    public record BillSum(LocalDate day, String region, String usageType, String principal, BigDecimal quantity, BigDecimal cost,
                          long lines) {
    }

    /** What was read. */
    public record Bill(Format format, List<BillSum> sums, long bedrockLines, long otherServiceLines, long nonUsageBedrockLines,
                       BigDecimal nonUsageBedrockCost, boolean hasPrincipals) {
    }

    /** A file that cannot be read as a bill; the message names the file and what is wrong. */
    public static final class BadBill extends Exception {
        public BadBill(String message) {
            super(message);
        }
    }

    /** The service column's value on Amazon Bedrock lines (CUR's product code, FOCUS's x_ServiceCode), and usage lines' charge type. */
    private static final String BEDROCK = "AmazonBedrock";
    private static final String USAGE = "Usage";

    private static final Pattern SCALED_UNIT = Pattern.compile("(?i)\\s*(1|1,?000|1k|1,?000,?000|1m)\\s+tokens?\\s*");

    private BillReader() {
    }

    /**
     * @param file     the export file
     * @param name     how to name it in errors (the uploaded name or the path)
     * @param currency the rate card's currency: a bill in another one is refused
     */
    public static Bill read(Path file, String name, String currency) throws BadBill {
        String source = sourceOf(file, name);
        try (Connection duck = new DuckDBDriver().connect("jdbc:duckdb:", new Properties()); Statement sql = duck.createStatement()) {
            sql.execute("SET TimeZone = 'UTC'");
            sql.execute("CREATE VIEW bill AS SELECT * FROM " + source);
            Set<String> columns = new LinkedHashSet<>();
            try (ResultSet described = sql.executeQuery("DESCRIBE bill")) {
                while (described.next()) {
                    columns.add(described.getString(1));
                }
            }
            Format format = formatOf(columns, name);
            String bedrock = text(format.service) + " = '" + BEDROCK + "'";
            long bedrockLines;
            long otherLines;
            try (ResultSet counts = sql.executeQuery("SELECT count(*) FILTER (WHERE " + bedrock + "), count(*) FILTER (WHERE NOT ("
                    + bedrock + ") OR " + text(format.service) + " IS NULL) FROM bill")) {
                counts.next();
                bedrockLines = counts.getLong(1);
                otherLines = counts.getLong(2);
            }
            if (bedrockLines == 0) {
                throw new BadBill(name + ": holds no Amazon Bedrock lines (" + otherLines + " lines of other services; "
                        + format.service + " is never " + BEDROCK + ")");
            }
            List<String> currencies = new ArrayList<>();
            try (ResultSet found = sql.executeQuery("SELECT DISTINCT " + text(format.currency) + " FROM bill WHERE " + bedrock)) {
                while (found.next()) {
                    currencies.add(String.valueOf(found.getString(1)));
                }
            }
            if (!currencies.equals(List.of(currency))) {
                throw new BadBill(name + ": its Amazon Bedrock lines are in " + String.join(", ", currencies) + " ("
                        + format.currency + "); costmeter's rate card is in " + currency + " and converts no currency");
            }
            String usage = bedrock + " AND " + text(format.chargeType) + " = '" + USAGE + "'";
            long nonUsageLines;
            BigDecimal nonUsageCost;
            try (ResultSet other = sql.executeQuery("SELECT count(*), coalesce(sum(" + decimal(format.cost) + "), 0) FROM bill WHERE "
                    + bedrock + " AND NOT (" + usage + ")")) {
                other.next();
                nonUsageLines = other.getLong(1);
                nonUsageCost = other.getBigDecimal(2);
            }
            boolean principals = format.principal != null && columns.contains(format.principal);
            String principal = principals ? "coalesce(" + text(format.principal) + ", '')" : "''";
            String unit = columns.contains(format.unit) ? "coalesce(" + text(format.unit) + ", '')" : "''";
            List<BillSum> sums = new ArrayList<>();
            try (ResultSet grouped = sql.executeQuery("SELECT CAST(CAST(" + text(format.start) + " AS TIMESTAMPTZ) AS DATE) AS day, "
                    + text(format.region) + ", " + text(format.usageType) + ", " + principal + ", " + unit + ", sum("
                    + decimal(format.quantity) + "), sum(" + decimal(format.cost) + "), count(*) FROM bill WHERE " + usage
                    + " GROUP BY ALL ORDER BY ALL")) {
                while (grouped.next()) {
                    LocalDate day = grouped.getObject(1, LocalDate.class);
                    String region = grouped.getString(2);
                    String usageType = grouped.getString(3);
                    if (day == null || region == null || usageType == null) {
                        throw new BadBill(name + ": " + grouped.getLong(8) + " Amazon Bedrock usage lines have no " + (day == null ? format.start
                                : region == null ? format.region : format.usageType));
                    }
                    BigDecimal quantity = grouped.getBigDecimal(6).multiply(unitScale(grouped.getString(5)));
                    sums.add(new BillSum(day, region, usageType, grouped.getString(4), quantity.stripTrailingZeros(),
                            grouped.getBigDecimal(7).stripTrailingZeros(), grouped.getLong(8)));
                }
            }
            boolean anyPrincipal = sums.stream().anyMatch(s -> !s.principal().isEmpty());
            return new Bill(format, List.copyOf(sums), bedrockLines, otherLines, nonUsageLines, nonUsageCost.stripTrailingZeros(),
                    anyPrincipal);
        } catch (SQLException e) {
            throw new BadBill(name + ": cannot be read as a CUR 2.0 or FOCUS 1.2 export: " + firstLine(e.getMessage()));
        }
    }

    /** The DuckDB table function for the file, by its first bytes: Parquet, gzip CSV or CSV. */
    private static String sourceOf(Path file, String name) throws BadBill {
        byte[] head = new byte[4];
        int read;
        try (InputStream in = Files.newInputStream(file)) {
            read = in.readNBytes(head, 0, 4);
        } catch (IOException e) {
            throw new BadBill(name + ": cannot be read: " + e.getMessage());
        }
        if (read == 0) {
            throw new BadBill(name + ": is empty");
        }
        String path = "'" + file.toAbsolutePath().toString().replace("'", "''") + "'";
        if (read == 4 && head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1') {
            return "read_parquet(" + path + ")";
        }
        boolean gzip = read >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        return "read_csv(" + path + ", header = true, all_varchar = true, compression = '" + (gzip ? "gzip" : "none")
                + "', strict_mode = true, null_padding = false)";
    }

    private static Format formatOf(Set<String> columns, String name) throws BadBill {
        for (Format format : Format.values()) {
            if (columns.containsAll(format.required())) {
                return format;
            }
        }
        List<String> curMissing = missing(Format.CUR_2_0, columns);
        List<String> focusMissing = missing(Format.FOCUS_1_2, columns);
        List<String> shown = columns.stream().limit(12).toList();
        throw new BadBill(name + ": is not a CUR 2.0 or FOCUS 1.2 export: "
                + (curMissing.size() <= focusMissing.size() ? "as CUR 2.0 it lacks " + String.join(", ", curMissing)
                : "as FOCUS 1.2 it lacks " + String.join(", ", focusMissing)
                + (focusMissing.equals(List.of("x_ServiceCode")) || focusMissing.contains("x_UsageType")
                ? " (AWS's FOCUS export carries them as its x_ columns)" : ""))
                + "; its columns are " + String.join(", ", shown) + (columns.size() > shown.size() ? ", …" : ""));
    }

    private static List<String> missing(Format format, Set<String> columns) {
        return format.required().stream().filter(c -> !columns.contains(c)).toList();
    }

    /** A column as text: a Parquet DOUBLE by its shortest decimal form, a timestamp in ISO form. */
    private static String text(String column) {
        return "CAST(\"" + column + "\" AS VARCHAR)";
    }

    private static String decimal(String column) {
        return "CAST(" + text(column) + " AS DECIMAL(38, 18))";
    }

    /** CUR's usage amount is in pricing units: "1K tokens" and "1M tokens" scale it to tokens. */
    static BigDecimal unitScale(String unit) {
        Matcher m = SCALED_UNIT.matcher(unit == null ? "" : unit);
        if (!m.matches()) {
            return BigDecimal.ONE;
        }
        String n = m.group(1).toLowerCase(Locale.ROOT).replace(",", "");
        return switch (n) {
            case "1000", "1k" -> BigDecimal.valueOf(1000);
            case "1000000", "1m" -> BigDecimal.valueOf(1_000_000);
            default -> BigDecimal.ONE;
        };
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}

package dev.costmeter.reconcile;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading AWS's exports: every format AWS writes, and every way a file can fail to be one. */
class BillReaderTest {

    @TempDir
    static Path dir;
    static Map<String, Path> bills;

    @BeforeAll
    static void writeFixtures() {
        bills = BillFixtures.writeAll(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cur.csv", "cur.csv.gz", "cur.parquet", "focus.csv", "focus.csv.gz", "focus.parquet"})
    void everyFormatReadsTheSameBedrockUsageExactly(String name) throws Exception {
        BillReader.Bill bill = BillReader.read(bills.get(name), name, "USD");

        assertThat(bill.format()).isEqualTo(name.startsWith("cur") ? BillReader.Format.CUR_2_0 : BillReader.Format.FOCUS_1_2);
        assertThat(bill.bedrockLines()).isEqualTo(11);       // 10 usage lines and the tax
        assertThat(bill.otherServiceLines()).isEqualTo(1);   // EC2
        assertThat(bill.nonUsageBedrockLines()).isEqualTo(1);
        assertThat(bill.nonUsageBedrockCost()).isEqualByComparingTo("0.25");
        assertThat(bill.hasPrincipals()).isEqualTo(name.startsWith("cur")); // FOCUS has no IAM principal column
        // the two Nova Lite input lines of 2026-07-20 are one sum; 0.036 + 0.024 exactly, also from Parquet DOUBLEs
        BillReader.BillSum novaLiteInput = bill.sums().stream()
                .filter(s -> s.day().equals(LocalDate.parse("2026-07-20")) && s.usageType().equals("USE1-NovaLite-input-tokens")).findFirst()
                .orElseThrow();
        assertThat(novaLiteInput.quantity()).isEqualByComparingTo("1000000");
        assertThat(novaLiteInput.cost()).isEqualTo(new BigDecimal("0.06"));
        assertThat(novaLiteInput.lines()).isEqualTo(2);
        assertThat(novaLiteInput.region()).isEqualTo("us-east-1");
        assertThat(bill.sums()).hasSize(9);
        assertThat(bill.sums().stream().map(BillReader.BillSum::cost).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualTo(new BigDecimal("2.483126"));
        assertThat(bill.sums().stream().filter(s -> s.usageType().equals("USE1-NovaLite-cache-read-input-token-count")).findFirst()
                .orElseThrow().cost()).isEqualTo(new BigDecimal("0.000006"));
    }

    @Test
    void aUsageAmountInThousandsOfTokensIsScaledToTokens() {
        assertThat(BillReader.unitScale("1K tokens")).isEqualByComparingTo("1000");
        assertThat(BillReader.unitScale("1,000,000 Tokens")).isEqualByComparingTo("1000000");
        assertThat(BillReader.unitScale("Tokens")).isEqualByComparingTo("1");
        assertThat(BillReader.unitScale(null)).isEqualByComparingTo("1");
    }

    @Test
    void aFileThatIsNoExportIsRefusedNamingItsColumns() throws IOException {
        Path csv = Files.writeString(dir.resolve("sales.csv"), "region,product,amount\neu,shoes,3\n");
        assertThatThrownBy(() -> BillReader.read(csv, "sales.csv", "USD")).isInstanceOf(BillReader.BadBill.class)
                .hasMessageStartingWith("sales.csv: is not a CUR 2.0 or FOCUS 1.2 export")
                .hasMessageContaining("its columns are region, product, amount");
    }

    @Test
    void aTruncatedGzipIsRefused() throws IOException {
        byte[] whole = Files.readAllBytes(bills.get("cur.csv.gz"));
        Path truncated = Files.write(dir.resolve("truncated.csv.gz"), Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> BillReader.read(truncated, "truncated.csv.gz", "USD")).isInstanceOf(BillReader.BadBill.class)
                .hasMessageStartingWith("truncated.csv.gz: ");
    }

    @Test
    void aParquetFileOfAnotherSchemaIsRefused() {
        Path parquet = dir.resolve("other.parquet");
        BillFixtures.duck("COPY (SELECT 1 AS id, 'x' AS name) TO '" + parquet + "' (FORMAT parquet)");
        assertThatThrownBy(() -> BillReader.read(parquet, "other.parquet", "USD")).isInstanceOf(BillReader.BadBill.class)
                .hasMessageStartingWith("other.parquet: is not a CUR 2.0 or FOCUS 1.2 export").hasMessageContaining("id, name");
    }

    @Test
    void aBillInAnotherCurrencyIsRefused() throws IOException {
        Path eur = Files.writeString(dir.resolve("eur.csv"), Files.readString(bills.get("cur.csv")).replace(",USD,", ",EUR,"));
        assertThatThrownBy(() -> BillReader.read(eur, "eur.csv", "USD")).isInstanceOf(BillReader.BadBill.class)
                .hasMessage("eur.csv: its Amazon Bedrock lines are in EUR (line_item_currency_code); costmeter's rate card is in USD"
                        + " and converts no currency");
    }

    @Test
    void aBillOfOtherServicesOnlyIsRefused() throws IOException {
        String[] lines = Files.readString(bills.get("cur.csv")).split("\n");
        Path ec2 = Files.writeString(dir.resolve("ec2.csv"), lines[0] + "\n" + lines[lines.length - 1] + "\n");
        assertThatThrownBy(() -> BillReader.read(ec2, "ec2.csv", "USD")).isInstanceOf(BillReader.BadBill.class)
                .hasMessage("ec2.csv: holds no Amazon Bedrock lines (1 lines of other services; line_item_product_code is never AmazonBedrock)");
    }

    @Test
    void anEmptyFileIsRefused() throws IOException {
        Path empty = Files.write(dir.resolve("empty.csv"), new byte[0]);
        assertThatThrownBy(() -> BillReader.read(empty, "empty.csv", "USD")).isInstanceOf(BillReader.BadBill.class)
                .hasMessage("empty.csv: is empty");
    }

    @Test
    void aGzipOfSomethingElseIsRefused() throws IOException {
        Path gz = dir.resolve("notes.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write("just some notes\nnothing more\n".getBytes());
        }
        assertThatThrownBy(() -> BillReader.read(gz, "notes.csv.gz", "USD")).isInstanceOf(BillReader.BadBill.class)
                .hasMessageStartingWith("notes.csv.gz: ");
    }
}

package dev.costmeter.pricing;

import java.math.BigDecimal;

/** How costmeter writes exact decimals for people and JSON: plain notation, no trailing zeros. */
public final class Money {

    private Money() {
    }

    /** 0.01755000 → "0.01755", 1.75E-9 → "0.00000000175", 0E-8 → "0". */
    public static String plain(BigDecimal value) {
        return value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString();
    }
}

package dev.costmeter.acceptance;

import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;

/** The API users of the test profile (application.properties, %test). */
final class ApiUsers {

    static final String VIEWER = "viewer";
    static final String VIEWER_PASSWORD = "test-viewer";
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "test-admin";

    private ApiUsers() {
    }

    /** Every request without its own credentials signs in as the viewer; rate cards are sent as YAML text. */
    static void signInAsViewer() {
        RestAssured.authentication = RestAssured.preemptive().basic(VIEWER, VIEWER_PASSWORD);
        RestAssured.config = RestAssured.config().encoderConfig(EncoderConfig.encoderConfig()
                .encodeContentTypeAs("application/yaml", ContentType.TEXT));
    }
}

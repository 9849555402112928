package dev.costmeter.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Map;

/** A request the API refuses, answered as {"error": "…"} with the status given. */
public class ApiException extends WebApplicationException {
    public ApiException(int status, String message) {
        super(message, Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", message, "status", status)).build());
    }
}

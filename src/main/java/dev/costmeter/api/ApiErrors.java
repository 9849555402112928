package dev.costmeter.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * The API's answers to what goes wrong outside a resource's own checks: PostgreSQL away is a 503
 * with a body that says so (and when to try again), never a bare 500; a parameter that no query can
 * use (a NUL character, an absurd length) is a 400 before any resource sees it.
 */
public class ApiErrors {

    private static final Logger LOG = Logger.getLogger(ApiErrors.class);
    /** Longer query or path parameters are refused: no source, model or id is this long. */
    static final int MAX_PARAMETER_CHARS = 1024;

    @ServerRequestFilter(preMatching = true)
    public Response refuseUnusableParameters(ContainerRequestContext request) {
        String problem = problem("query parameter", request.getUriInfo().getQueryParameters());
        if (problem == null && request.getUriInfo().getPath().indexOf('\u0000') >= 0) {
            problem = "the path contains a NUL character (\\u0000)";
        }
        return problem == null ? null : body(400, problem);
    }

    private static String problem(String kind, MultivaluedMap<String, String> parameters) {
        for (Map.Entry<String, List<String>> p : parameters.entrySet()) {
            for (String value : p.getValue()) {
                String why = InputText.problem(value, MAX_PARAMETER_CHARS);
                if (why != null || InputText.problem(p.getKey(), MAX_PARAMETER_CHARS) != null) {
                    return kind + " " + InputText.printable(p.getKey()) + ": " + (why == null ? "unusable name" : why);
                }
            }
        }
        return null;
    }

    /**
     * An error the framework raised without a body (an unreadable request body, an unsupported media
     * type, a path that does not exist): the same status, with a JSON body that says what it is.
     */
    @ServerExceptionMapper
    public Response withoutBody(jakarta.ws.rs.WebApplicationException e) {
        if (e.getResponse() != null && e.getResponse().hasEntity()) {
            return e.getResponse();
        }
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException shape) {
                return wrongShape(shape);
            }
            if (cause instanceof com.fasterxml.jackson.core.JsonProcessingException json) {
                return unreadableBody(json);
            }
        }
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        Response.StatusType type = Response.Status.fromStatusCode(status);
        return body(status, (type == null ? "HTTP " + status : type.getReasonPhrase()) + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    /**
     * Well-formed JSON of the wrong shape: a field of the wrong type or one the body does not have is
     * a 422 that names the field and says what it takes; a body that is not an object is a 400.
     */
    @ServerExceptionMapper
    public Response wrongShape(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        String path = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce("", (a, b) -> a.isEmpty() || b.startsWith("[") ? a + b : a + "." + b);
        if (path.isEmpty()) {
            return body(400, "the request body must be a JSON object");
        }
        if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException unknown) {
            return body(422, path + ": unknown; use " + String.join(", ", unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList()));
        }
        Class<?> type = e.getTargetType();
        String expected = type == Boolean.class || type == boolean.class ? "true or false"
                : type == java.math.BigDecimal.class ? "a decimal number (a string such as \"5000\" keeps it exact)"
                : type == String.class ? "a non-empty string"
                : java.util.Collection.class.isAssignableFrom(type == null ? Object.class : type) ? "an array"
                : "an object";
        String got = e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException invalid ? ", got " + describe(invalid.getValue()) : "";
        return body(422, path + ": must be " + expected + got);
    }

    private static String describe(Object value) {
        String text = value instanceof String s ? "\"" + InputText.printable(s) + "\"" : String.valueOf(value);
        return text.length() <= 80 ? text : text.substring(0, 80) + "…";
    }

    /** A Bean Validation property path as the API names the field: {@code thresholds[0].<list element>} → {@code thresholds[0]}. */
    static String fieldPath(String propertyPath) {
        return propertyPath.replace(".<list element>", "").replace("<list element>", "");
    }

    /** A body that is not JSON (or not the JSON expected) is a 400 that says where, never an empty one. */
    @ServerExceptionMapper
    public Response unreadableBody(com.fasterxml.jackson.core.JsonProcessingException e) {
        String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        return body(400, "the request body is not valid JSON" + where + ": " + e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response databaseError(SQLException e) {
        if (e.getSQLState() == null || e.getSQLState().startsWith("08") || e.getSQLState().startsWith("57")
                || e.getSQLState().startsWith("53")) {
            LOG.warnf("PostgreSQL unavailable for an API request: %s", e.getMessage());
            return Response.fromResponse(body(503, "PostgreSQL is unavailable, so this cannot be answered now ("
                    + e.getMessage() + "); try again shortly")).header("Retry-After", "5").build();
        }
        LOG.error("database error answering an API request", e);
        return body(500, "database error: " + e.getMessage());
    }

    /** Hibernate (the Panache entities) wraps the driver's exception: answer as for the SQLException inside. */
    @ServerExceptionMapper
    public Response persistenceError(jakarta.persistence.PersistenceException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return databaseError(sql);
            }
        }
        LOG.error("persistence error answering an API request", e);
        return body(500, "database error: " + e.getMessage());
    }

    static Response body(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message, "status", status)).build();
    }
}

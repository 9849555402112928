package dev.costmeter.api;

import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A query parameter the endpoint does not take is a 400 that names the ones it does: a misspelt
 * filter ({@code ?sorce=support-bot}) would otherwise answer the whole bill as if it were one app's.
 */
public class UnknownQueryParameters {

    private final Map<Method, Set<String>> accepted = new ConcurrentHashMap<>();

    @ServerRequestFilter
    public Response rejectUnknown(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        if (method == null) {
            return null;
        }
        Set<String> known = accepted.computeIfAbsent(method, UnknownQueryParameters::queryParameters);
        Set<String> unknown = new TreeSet<>(request.getUriInfo().getQueryParameters().keySet());
        unknown.removeAll(known);
        if (unknown.isEmpty()) {
            return null;
        }
        String takes = known.isEmpty() ? "this endpoint takes no query parameters" : "this endpoint takes " + String.join(", ", known);
        return ApiErrors.body(400, "unknown query parameter" + (unknown.size() == 1 ? " " : "s ")
                + String.join(", ", unknown.stream().map(name -> "'" + InputText.printable(name) + "'").toList()) + "; " + takes);
    }

    private static Set<String> queryParameters(Method method) {
        Set<String> names = new TreeSet<>();
        for (Annotation[] annotations : method.getParameterAnnotations()) {
            for (Annotation a : annotations) {
                if (a instanceof QueryParam q) {
                    names.add(q.value());
                }
            }
        }
        return names;
    }
}

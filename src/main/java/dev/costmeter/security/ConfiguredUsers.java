package dev.costmeter.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Set;

/**
 * HTTP Basic users from configuration ({@code costmeter.security.users."name".password} and
 * {@code .roles}), typically from environment variables or a Kubernetes Secret. The image holds no
 * credentials: a user whose password is empty does not exist. Roles: {@value Roles#VIEWER} reads,
 * {@value Roles#ADMIN} also writes.
 */
@ApplicationScoped
public class ConfiguredUsers implements IdentityProvider<UsernamePasswordAuthenticationRequest> {

    private static final Logger LOG = Logger.getLogger(ConfiguredUsers.class);

    private final Map<String, SecurityConfig.User> users;

    @Inject
    public ConfiguredUsers(SecurityConfig config) {
        this.users = config.users();
        users.forEach((name, user) -> {
            if (user.password().isEmpty() || user.password().get().isEmpty()) {
                LOG.infof("API user %s has no password configured and cannot sign in", name);
            }
            for (String role : user.roles()) {
                if (!Roles.ALL.contains(role)) {
                    throw new IllegalStateException("costmeter.security.users." + name + ".roles: unknown role '" + role
                            + "'; known: " + Roles.ALL);
                }
            }
        });
    }

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(UsernamePasswordAuthenticationRequest request, AuthenticationRequestContext context) {
        SecurityConfig.User user = users.get(request.getUsername());
        String given = new String(request.getPassword().getPassword());
        String expected = user == null ? null : user.password().orElse("");
        // Compare digests so the time taken does not depend on where the passwords differ.
        if (expected == null || expected.isEmpty() || !MessageDigest.isEqual(sha256(given), sha256(expected))) {
            return Uni.createFrom().failure(new AuthenticationFailedException("invalid user name or password"));
        }
        QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(request.getUsername()));
        Set<String> roles = Set.copyOf(user.roles());
        identity.addRoles(roles);
        if (roles.contains(Roles.ADMIN)) {
            identity.addRole(Roles.VIEWER); // an admin can read everything a viewer can
        }
        return Uni.createFrom().item(identity.build());
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

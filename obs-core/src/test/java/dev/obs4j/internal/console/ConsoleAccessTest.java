/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.ConsoleAccess;
import dev.obs4j.ObsConfigException;
import dev.obs4j.testing.TestObs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who the console lets in, mount by mount, decided once in {@link ConsoleServer#serve}: credentials compared
 * whatever the scheme's case, loopback trusted only where the code chose to, the same answers for every
 * method on every mount.
 */
class ConsoleAccessTest {
  private static final String TOKEN = "t0ken-for-the-console";

  @Test
  void credentials_matchTheTokenOrTheUserAndPassword_theSchemeInAnyCase() {
    ConsoleCredentials both = new ConsoleCredentials(TOKEN, "ops", "s3cret:with:colons");
    assertThat(both.matches("Bearer " + TOKEN)).isTrue();
    assertThat(both.matches("bearer " + TOKEN)).isTrue();
    assertThat(both.matches("BEARER   " + TOKEN + " ")).isTrue();
    assertThat(both.matches(basic("ops:s3cret:with:colons"))).isTrue();
    assertThat(both.matches(basic("ops:s3cret:with:colons").replace("Basic", "bAsIc"))).as("RFC 7617: any case").isTrue();
    assertThat(both.matches("Bearer " + TOKEN + "x")).isFalse();
    assertThat(both.matches("Bearer " + TOKEN.substring(1))).isFalse();
    assertThat(both.matches("Basic " + TOKEN)).as("the token is no password").isFalse();
    assertThat(both.matches(basic("ops:wrong"))).isFalse();
    assertThat(both.matches("Basic not-base64!")).isFalse();
    assertThat(both.matches(TOKEN)).isFalse();
    assertThat(both.matches(null)).isFalse();
    assertThat(both.toString()).doesNotContain(TOKEN).doesNotContain("s3cret");

    ConsoleCredentials none = ConsoleCredentials.NONE;
    assertThat(none.configured()).isFalse();
    assertThat(none.matches("Bearer ")).isFalse();
    assertThat(none.matches("Basic " + Base64.getEncoder().encodeToString(":".getBytes(StandardCharsets.UTF_8)))).isFalse();
    assertThat(new ConsoleCredentials(null, "ops", "pw").challenge()).startsWith("Basic realm=");
    assertThat(new ConsoleCredentials(TOKEN, null, null).challenge()).startsWith("Bearer realm=");
  }

  @Test
  void credentialsMount_refusesEveryRequestWithoutThem_evenFromLoopback() {
    ConsoleServer console = server(false, new ConsoleCredentials(TOKEN, null, null));
    ConsoleServer.Response refused = console.serve(get("127.0.0.1", "127.0.0.1:8080"), ConsoleServer.Mount.CREDENTIALS);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.headers()).containsEntry("WWW-Authenticate", "Bearer realm=\"obs4j console\"");
    assertThat(refused.body()).isEmpty();
    ConsoleServer.Response served =
        console.serve(get("203.0.113.9", "obs.example", "Authorization", "Bearer " + TOKEN), ConsoleServer.Mount.CREDENTIALS);
    assertThat(served.status()).isEqualTo(200);
    assertThat(new String(served.body(), StandardCharsets.UTF_8)).contains("Recent traces of shop");
    assertThat(served.headers()).containsEntry("Content-Type", "text/html; charset=utf-8")
        .containsEntry("Content-Security-Policy", ConsoleServer.CONTENT_SECURITY_POLICY)
        .containsEntry("X-Content-Type-Options", "nosniff");
    // no credentials configured at all: nobody gets in on an application's port
    ConsoleServer open = server(false, ConsoleCredentials.NONE);
    assertThat(open.serve(get("127.0.0.1", "127.0.0.1:8080"), ConsoleServer.Mount.CREDENTIALS).status()).isEqualTo(401);
    assertThat(open.serve(get("127.0.0.1", "127.0.0.1:8080", "Authorization", "Bearer "), ConsoleServer.Mount.CREDENTIALS)
        .status()).isEqualTo(401);
  }

  @Test
  void localOrCredentialsMount_letsInABrowserOnThisMachine_andOthersOnlyWithCredentials() {
    ConsoleServer console = server(false, new ConsoleCredentials(null, "ops", "pw"));
    ConsoleServer.Mount mount = ConsoleServer.Mount.of(ConsoleAccess.LOCAL_OR_CREDENTIALS);
    assertThat(console.serve(get("127.0.0.1", "localhost:8080"), mount).status()).isEqualTo(200);
    assertThat(console.serve(get("127.0.0.1", "localhost:8080", "X-Forwarded-For", "203.0.113.9"), mount).status())
        .isEqualTo(401);
    assertThat(console.serve(get("203.0.113.9", "obs.example"), mount).status()).isEqualTo(401);
    assertThat(console.serve(get("203.0.113.9", "obs.example", "Authorization", basic("ops:pw")), mount).status())
        .isEqualTo(200);
  }

  @Test
  void everyMount_answersHeadLikeGetWithoutABody_andRefusesOtherMethods() {
    ConsoleServer console = server(false, new ConsoleCredentials(TOKEN, null, null));
    for (ConsoleServer.Mount mount : ConsoleServer.Mount.values()) {
      ConsoleServer.Response head =
          console.serve(request("HEAD", "/obs", "127.0.0.1", "127.0.0.1", "Authorization", "Bearer " + TOKEN), mount);
      assertThat(head.status()).as(mount.name()).isEqualTo(200);
      assertThat(head.body()).as(mount.name()).isEmpty();
      assertThat(head.headers()).containsEntry("Content-Type", "text/html; charset=utf-8");
      ConsoleServer.Response post =
          console.serve(request("POST", "/obs", "127.0.0.1", "127.0.0.1", "Authorization", "Bearer " + TOKEN), mount);
      assertThat(post.status()).as(mount.name()).isEqualTo(405);
      assertThat(post.headers()).containsEntry("Allow", "GET, HEAD");
      assertThat(console.serve(request("GET", "/obs/nothing", "127.0.0.1", "127.0.0.1", "Authorization",
          "Bearer " + TOKEN), mount).status()).as(mount.name()).isEqualTo(404);
    }
    assertThat(ConsoleServer.serve(null, get("127.0.0.1", "127.0.0.1"), ConsoleServer.Mount.CREDENTIALS).status())
        .as("console off").isEqualTo(404);
  }

  @Test
  void consoleCredentialSettings_areCheckedAtBuild_namingTheSetting() {
    assertThatThrownBy(() -> TestObs.builder("shop").set("OBS4J_CONSOLE_USERNAME", "ops").build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OBS4J_CONSOLE_PASSWORD");
    assertThatThrownBy(() -> TestObs.builder("shop").set("OBS4J_CONSOLE_PASSWORD", "pw").build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OBS4J_CONSOLE_USERNAME");
    assertThatThrownBy(() -> TestObs.builder("shop").set("OBS4J_CONSOLE_USERNAME", "o:ps").set("OBS4J_CONSOLE_PASSWORD", "pw")
        .build()).isInstanceOf(ObsConfigException.class).hasMessageContaining("OBS4J_CONSOLE_USERNAME")
        .hasMessageNotContaining("pw");
  }

  static ConsoleServer server(boolean remote, ConsoleCredentials credentials) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    return ConsoleServer.create(new TraceRing(10, registry), registry, "shop", null, null, remote, List.of(), 100, credentials);
  }

  static ConsoleServer.Request get(String address, String host, String... headers) {
    return request("GET", "/obs", address, host, headers);
  }

  static ConsoleServer.Request request(String method, String path, String address, String host, String... headers) {
    Map<String, String> all = new HashMap<>();
    all.put("host", host);
    for (int i = 0; i < headers.length; i += 2) {
      all.put(headers[i].toLowerCase(java.util.Locale.ROOT), headers[i + 1]);
    }
    return new ConsoleServer.Request(method, path, null, address, name -> all.get(name.toLowerCase(java.util.Locale.ROOT)));
  }

  private static String basic(String pair) {
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }
}

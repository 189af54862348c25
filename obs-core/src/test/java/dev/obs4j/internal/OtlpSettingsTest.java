/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.obs4j.Obs;
import dev.obs4j.ObsConfigException;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OTLP settings of the OpenTelemetry specification that an authenticated or TLS collector needs, each
 * honoured against a real loopback collector (plain HTTP, HTTPS, HTTPS asking for a client certificate),
 * and OTEL_SDK_DISABLED.
 */
class OtlpSettingsTest {
  @TempDir Path dir;

  /** What a loopback collector received. */
  record Received(List<Map<String, String>> headers, List<ExportTraceServiceRequest> requests) {
    List<String> spanNames() {
      return requests.stream().flatMap(r -> r.getResourceSpansList().stream())
          .flatMap(rs -> rs.getScopeSpansList().stream()).flatMap(ss -> ss.getSpansList().stream())
          .map(io.opentelemetry.proto.trace.v1.Span::getName).toList();
    }
  }

  private static Received collect(HttpServer server) {
    Received received = new Received(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
    server.createContext("/v1/traces", exchange -> {
      Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, values.get(0)));
      byte[] body = exchange.getRequestBody().readAllBytes();
      if ("gzip".equals(headers.get("Content-Encoding"))) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
          body = in.readAllBytes();
        }
      }
      received.headers().add(headers);
      received.requests().add(ExportTraceServiceRequest.parseFrom(body));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    return received;
  }

  @Test
  void headersAndCompression_reachTheCollector_percentDecoded_theTracesOnesWinning() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    Received received = collect(server);
    try (Obs obs = TestObs.builder("billing").tracesExporter("otlp")
        .otlpEndpoint("http://127.0.0.1:" + server.getAddress().getPort())
        .set("OTEL_EXPORTER_OTLP_HEADERS", "api-key=general,x-tenant=acme%20corp")
        .set("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=s3cr%2Ct+k3y,x-team=payments")
        .set("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
        .build()) {
      obs.runInSpan("charge", () -> {});
    } finally {
      server.stop(0);
    }
    assertThat(received.spanNames()).containsExactly("charge");
    Map<String, String> headers = received.headers().get(0);
    assertThat(headers).containsEntry("api-key", "s3cr,t+k3y").containsEntry("x-team", "payments")
        .containsEntry("Content-Encoding", "gzip")
        .doesNotContainKey("x-tenant"); // the traces-specific setting replaces the general one
  }

  @Test
  void aCollectorWithAPrivateCertificate_isReachedWithOtelExporterOtlpCertificate_andMutualTls() throws Exception {
    Path serverStore = keyPair("server");
    Path clientStore = keyPair("client");
    Path serverCert = pem(certificate(serverStore, "server"), "CERTIFICATE", "server.pem");
    Path clientCert = pem(certificate(clientStore, "client"), "CERTIFICATE", "client.pem");
    Path clientKey = pem(privateKey(clientStore, "client"), "PRIVATE KEY", "client-key.pem");

    // Server-authenticated TLS: the collector's own certificate is trusted only through the setting.
    HttpsServer tls = https(serverStore, null);
    Received received = collect(tls);
    String endpoint = "https://localhost:" + tls.getAddress().getPort();
    try {
      try (Obs untrusting = TestObs.builder("billing").tracesExporter("otlp").otlpEndpoint(endpoint).build()) {
        untrusting.runInSpan("not delivered", () -> {});
      }
      assertThat(received.spanNames()).as("without the certificate, the handshake fails").isEmpty();
      try (Obs obs = TestObs.builder("billing").tracesExporter("otlp").otlpEndpoint(endpoint)
          .set("OTEL_EXPORTER_OTLP_CERTIFICATE", serverCert.toString()).build()) {
        obs.runInSpan("charge over tls", () -> {});
      }
      assertThat(received.spanNames()).containsExactly("charge over tls");
    } finally {
      tls.stop(0);
    }

    // Mutual TLS: the collector asks for the client's certificate.
    HttpsServer mutual = https(serverStore, clientStore);
    Received mutualReceived = collect(mutual);
    String mutualEndpoint = "https://localhost:" + mutual.getAddress().getPort();
    try {
      try (Obs anonymous = TestObs.builder("billing").tracesExporter("otlp").otlpEndpoint(mutualEndpoint)
          .set("OTEL_EXPORTER_OTLP_CERTIFICATE", serverCert.toString()).build()) {
        anonymous.runInSpan("no client certificate", () -> {});
      }
      assertThat(mutualReceived.spanNames()).isEmpty();
      try (Obs obs = TestObs.builder("billing").tracesExporter("otlp").otlpEndpoint(mutualEndpoint)
          .set("OTEL_EXPORTER_OTLP_CERTIFICATE", serverCert.toString())
          .set("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", clientKey.toString())
          .set("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", clientCert.toString()).build()) {
        obs.runInSpan("charge over mtls", () -> {});
      }
      assertThat(mutualReceived.spanNames()).containsExactly("charge over mtls");
    } finally {
      mutual.stop(0);
    }
  }

  @Test
  void badOtlpSettings_failTheBuild_namingThem_withoutRepeatingAHeaderValue() throws Exception {
    assertThatThrownBy(() -> TestObs.builder("s").set("OTEL_EXPORTER_OTLP_HEADERS", "api key=s3cret").build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OTEL_EXPORTER_OTLP_HEADERS")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> TestObs.builder("s").set("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api-key=s3cret%zz").build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OTEL_EXPORTER_OTLP_TRACES_HEADERS")
        .hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> TestObs.builder("s").set("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd").build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OTEL_EXPORTER_OTLP_COMPRESSION");
    assertThatThrownBy(() -> TestObs.builder("s").set("OTEL_EXPORTER_OTLP_CERTIFICATE", dir.resolve("none.pem").toString()).build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OTEL_EXPORTER_OTLP_CERTIFICATE");
    Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");
    assertThatThrownBy(() -> TestObs.builder("s").set("OTEL_EXPORTER_OTLP_CERTIFICATE", notPem.toString()).build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("not a PEM file");
    Path pem = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> TestObs.builder("s").set("OTEL_EXPORTER_OTLP_CLIENT_KEY", pem.toString()).build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE");
  }

  @Test
  void sdkDisabled_recordsAndExportsNoSpan_startsNoExportThread_andKeepsMetrics() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    Received received = collect(server);
    long exportThreadsBefore = exportThreads();
    try (Obs obs = TestObs.builder("billing").tracesExporter("otlp")
        .otlpEndpoint("http://127.0.0.1:" + server.getAddress().getPort())
        .set("OTEL_SDK_DISABLED", "true").build()) {
      assertThat(exportThreads()).isEqualTo(exportThreadsBefore);
      boolean[] recording = new boolean[1];
      obs.runInSpan("charge", () -> recording[0] = io.opentelemetry.api.trace.Span.current().isRecording());
      assertThat(recording[0]).isFalse();
      obs.meterRegistry().counter("charges").increment();
      assertThat(obs.meterRegistry().scrape()).contains("charges_total");
    } finally {
      server.stop(0);
    }
    assertThat(received.requests()).isEmpty();
    assertThatThrownBy(() -> TestObs.builder("s").set("OTEL_SDK_DISABLED", "yes").build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OTEL_SDK_DISABLED");
  }

  private static long exportThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("obs4j-export")).count();
  }

  // ---- certificates, made here with the JDK's keytool ----

  private Path keyPair(String name) throws Exception {
    Path store = dir.resolve(name + ".p12");
    Process keytool = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
        "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor()).as(output).isZero();
    return store;
  }

  private static KeyStore load(Path store) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(store.toFile())) {
      keys.load(in, "changeit".toCharArray());
    }
    return keys;
  }

  private static byte[] certificate(Path store, String alias) throws Exception {
    return load(store).getCertificate(alias).getEncoded();
  }

  private static byte[] privateKey(Path store, String alias) throws Exception {
    return load(store).getKey(alias, "changeit".toCharArray()).getEncoded(); // PKCS#8
  }

  private Path pem(byte[] der, String type, String file) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return Files.writeString(dir.resolve(file), "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
  }

  /** An HTTPS server with {@code serverStore}'s key; with {@code clientTrust}, it requires that client certificate. */
  private static HttpsServer https(Path serverStore, Path clientTrust) throws Exception {
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(load(serverStore), "changeit".toCharArray());
    TrustManagerFactory trust = null;
    if (clientTrust != null) {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      trusted.setCertificateEntry("client", load(clientTrust).getCertificate("client"));
      trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    boolean needClient = clientTrust != null;
    server.setHttpsConfigurator(new HttpsConfigurator(context) {
      @Override
      public void configure(HttpsParameters parameters) {
        javax.net.ssl.SSLParameters ssl = context.getDefaultSSLParameters();
        ssl.setNeedClientAuth(needClient);
        parameters.setSSLParameters(ssl);
      }
    });
    return server;
  }
}

/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Starts one OpenSearch node (the Elasticsearch API) on 127.0.0.1: {@code java -cp OPENSEARCH_CLASSPATH
 * OpenSearchLauncher.java DIR HTTP_PORT TRANSPORT_PORT}. Run by the demo's log test as a source-file program
 * in a child JVM, so OpenSearch's dependencies never meet the test's class path. Prints READY when green or
 * yellow; SIGTERM stops it and deletes its data.
 */
public class OpenSearchLauncher {
  public static void main(String[] args) throws Exception {
    String dir = args[0];
    String httpPort = args[1];
    String transportPort = args[2];
    OpenSearchRunner runner = new OpenSearchRunner();
    runner.onBuild((index, settings) -> {
      settings.put("network.host", "127.0.0.1");
      settings.put("http.port", httpPort);
      settings.put("transport.port", transportPort);
    });
    runner.build(
        OpenSearchRunner.newConfigs().basePath(dir).numOfNode(1).clusterName("obs-demo-it").disableESLogger());
    runner.ensureYellow();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (Exception e) {
        // stopping anyway
      }
      runner.clean();
    }));
    System.out.println("READY");
    Thread.currentThread().join();
  }
}

/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.Obs;
import dev.obs4j.messaging.ObsMessaging;
import dev.obs4j.messaging.kafka.ObsKafka;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Orders through the Kafka topic {@code orders}: a traced producer in orders, a traced consumer in the worker. */
final class KafkaOrderQueue implements OrderQueue {
  private static final Logger log = LoggerFactory.getLogger(KafkaOrderQueue.class);

  private final Producer<String, String> producer;
  private final Consumer<String, String> consumer;
  private final ObsKafka workerKafka;
  private final Obs worker;
  private final String bootstrap;
  private volatile boolean running;
  private Thread thread = new Thread(() -> {});

  KafkaOrderQueue(String bootstrap, ObsMessaging orders, Obs worker, ObsMessaging workerMessaging) {
    this.producer =
        ObsKafka.create(orders)
            .wrap(
                new KafkaProducer<>(
                    Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                        ProducerConfig.CLIENT_ID_CONFIG, "obs-demo-orders",
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                        ProducerConfig.LINGER_MS_CONFIG, 0),
                    new StringSerializer(),
                    new StringSerializer()));
    this.workerKafka = ObsKafka.create(workerMessaging);
    this.consumer =
        workerKafka.wrap(
            new KafkaConsumer<>(
                Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "obs-demo-worker",
                    ConsumerConfig.CLIENT_ID_CONFIG, "obs-demo-worker",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(),
                new StringDeserializer()));
    this.worker = worker;
    this.bootstrap = bootstrap;
  }

  @Override
  public boolean publish(long orderId) {
    try {
      producer.send(new ProducerRecord<>(NAME, Long.toString(orderId), Long.toString(orderId))).get(6, TimeUnit.SECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      return false; // obs4j counted the enqueue error and logged it with the trace id
    }
  }

  @Override
  public void consume(Worker.Handler handler) {
    running = true;
    thread =
        new Thread(
            () -> {
              try (Scope ignored = worker.serviceScope()) {
                consumer.subscribe(List.of(NAME));
                while (running) {
                  for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                      workerKafka.process(record, r -> handler.handle(Long.parseLong(r.value())));
                    } catch (Exception e) {
                      // logged with the trace id and counted by obs4j; the offset moves on
                    }
                  }
                  try {
                    consumer.commitSync();
                  } catch (RetriableException | CommitFailedException | RebalanceInProgressException e) {
                    // the broker is away or the group is rebalancing: the offsets are committed after a later poll
                    log.warn("the worker could not commit its Kafka offsets, and tries again: {}", e.toString());
                  }
                }
              } catch (WakeupException stopping) {
                // stopConsuming woke the poll
              } catch (RuntimeException e) {
                log.error("the Kafka consumer of topic {} stopped", NAME, e);
              } finally {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
              }
            },
            "worker-kafka");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void stopConsuming(long drainMillis) {
    running = false;
    try {
      thread.join(drainMillis + 2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      consumer.wakeup();
    }
  }

  /** Whether a TCP connection to a bootstrap server opens: the client's own reconnects say nothing sooner. */
  @Override
  public void checkReachable() throws IOException {
    IOException last = null;
    for (String server : bootstrap.split(",")) {
      int colon = server.lastIndexOf(':');
      try (Socket socket = new Socket()) {
        socket.connect(
            new InetSocketAddress(server.substring(0, colon).trim(), Integer.parseInt(server.substring(colon + 1).trim())),
            2000);
        return;
      } catch (IOException e) {
        last = e;
      }
    }
    throw last != null ? last : new IOException("no bootstrap server in '" + bootstrap + "'");
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(2));
  }
}

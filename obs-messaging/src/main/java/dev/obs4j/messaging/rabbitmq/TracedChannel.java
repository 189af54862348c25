/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.CancelCallback;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Command;
import com.rabbitmq.client.ConfirmCallback;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Consumer;
import com.rabbitmq.client.ConsumerShutdownSignalCallback;
import com.rabbitmq.client.DeliverCallback;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.Method;
import com.rabbitmq.client.ReturnCallback;
import com.rabbitmq.client.ReturnListener;
import com.rabbitmq.client.ShutdownListener;
import com.rabbitmq.client.ShutdownSignalException;
import dev.obs4j.messaging.MessagingHandler;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * A RabbitMQ {@link Channel} whose publishes are PRODUCER spans (trace context and enqueue time in the
 * message headers) and whose consumers process each delivery in a CONSUMER span. With publisher confirms
 * on ({@code confirmSelect}), the publish duration runs until the broker acks; a nack, or the channel
 * closing with publishes unconfirmed, is an enqueue error.
 */
final class TracedChannel implements Channel {
  /** Publishes awaiting a confirm; past this many, further publishes are timed until the send returns. */
  private static final int MAX_PENDING = 10_000;

  private final Channel delegate;
  private final MessagingHandler handler;
  private final ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
  /** Reading the next sequence number and publishing are one step, so that two threads cannot swap confirms. */
  private final ReentrantLock publishing = new ReentrantLock();
  /** obs4j's own listeners, added again whenever the application clears the channel's listeners. */
  private final ConfirmListener confirms;
  private final ReturnListener returns = this::returned;
  private final Peer peer = new Peer();
  /**
   * The destination of each delivery not yet settled, by delivery tag (ascending, as the broker numbers them on a
   * channel), so that an ack, nack or reject is counted under its queue. Bounded: past this many the oldest is
   * forgotten (deliveries of auto-ack consumers are never settled) and its settle counts under no destination.
   */
  private final Map<Long, String> unsettled = new LinkedHashMap<>();
  private static final int MAX_UNSETTLED = 1_024;

  TracedChannel(Channel delegate, MessagingHandler handler) {
    this.delegate = delegate;
    this.handler = handler;
    this.confirms = new ConfirmListener() {
      @Override
      public void handleAck(long seq, boolean multiple) {
        confirmed(seq, multiple, null);
      }

      @Override
      public void handleNack(long seq, boolean multiple) {
        confirmed(seq, multiple, new NackException(seq));
      }
    };
    delegate.addConfirmListener(confirms);
    delegate.addReturnListener(returns);
    delegate.addShutdownListener(
        cause -> {
          for (Long seq : pending.keySet()) {
            Pending p = pending.remove(seq);
            if (p != null) {
              handler.endPublish(p.publish, cause, false);
            }
          }
        });
  }

  /** A publish awaiting its confirm; a mandatory one remembers what identifies it if the broker returns it. */
  private static final class Pending {
    final MessagingHandler.Publish publish;
    final @Nullable Map<String, Object> identity;
    final String exchange;
    final String routingKey;
    volatile @Nullable Throwable returned;

    Pending(MessagingHandler.Publish publish, @Nullable Map<String, Object> identity, String exchange, String routingKey) {
      this.publish = publish;
      this.identity = identity;
      this.exchange = exchange;
      this.routingKey = routingKey;
    }
  }

  /** Deliveries whose queue is kept until they are settled. */
  int unsettledCount() {
    synchronized (unsettled) {
      return unsettled.size();
    }
  }

  /** Publishes awaiting their confirm. */
  int pendingConfirms() {
    return pending.size();
  }

  private void confirmed(long seq, boolean multiple, @Nullable Throwable nack) {
    if (multiple) {
      for (Long s : pending.headMap(seq, true).keySet()) {
        end(pending.remove(s), nack);
      }
    } else {
      end(pending.remove(seq), nack);
    }
  }

  private void end(@Nullable Pending p, @Nullable Throwable nack) {
    if (p != null) {
      Throwable returned = p.returned;
      handler.endPublish(p.publish, nack != null ? nack : returned, false);
    }
  }

  /**
   * A mandatory message the broker could not route comes back (basic.return) before its ack: the oldest publish
   * awaiting its confirm to the same exchange and routing key whose trace headers and enqueue time are the
   * returned message's is marked, and its ack then ends it as an enqueue error.
   */
  private void returned(int replyCode, String replyText, String exchange, String routingKey,
      AMQP.@Nullable BasicProperties properties, byte[] body) {
    try {
      Map<String, Object> headers =
          properties == null || properties.getHeaders() == null ? Map.of() : properties.getHeaders();
      for (Pending p : pending.values()) {
        Map<String, Object> identity = p.identity;
        if (identity != null && p.returned == null && p.exchange.equals(exchange) && p.routingKey.equals(routingKey)
            && sameHeaders(identity, headers)) {
          p.returned = new ReturnedException(replyCode, replyText);
          return;
        }
      }
    } catch (RuntimeException ignored) {
      // never fail the client's thread because of observability
    }
  }

  private static boolean sameHeaders(Map<String, Object> sent, Map<String, Object> returned) {
    for (Map.Entry<String, Object> e : sent.entrySet()) {
      if (!String.valueOf(e.getValue()).equals(ObsRabbit.header(returned, e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private void publish(
      String exchange, String routingKey, boolean mandatory, boolean immediate,
      AMQP.@Nullable BasicProperties props, byte[] body) throws IOException {
    String destination = ObsRabbit.publishDestination(exchange, routingKey);
    Map<String, Object> headers = new HashMap<>();
    if (props != null && props.getHeaders() != null) {
      headers.putAll(props.getHeaders());
    }
    Map<String, Object> identity = mandatory ? new HashMap<>(4) : null;
    Attributes attributes = ObsRabbit.withDestinationFlags(peer.of(delegate), destination);
    if (!routingKey.isEmpty()) {
      attributes = attributes.toBuilder().put(ObsRabbit.ROUTING_KEY, routingKey).build();
    }
    MessagingHandler.Publish publish =
        handler.startPublish(ObsRabbit.SYSTEM, destination, headers, (h, k, v) -> {
          h.put(k, v);
          if (identity != null) {
            identity.put(k, v);
          }
        }, attributes);
    AMQP.BasicProperties traced =
        (props == null ? new AMQP.BasicProperties.Builder() : props.builder()).headers(headers).build();
    boolean awaitConfirm = false;
    long seq = 0;
    publishing.lock();
    try (Scope ignored = publish.operation().context().makeCurrent()) {
      seq = delegate.getNextPublishSeqNo(); // 0 unless publisher confirms are on
      awaitConfirm = seq > 0 && pending.size() < MAX_PENDING;
      if (awaitConfirm) {
        pending.put(seq, new Pending(publish, identity, exchange, routingKey));
      }
      delegate.basicPublish(exchange, routingKey, mandatory, immediate, traced, body);
    } catch (IOException | RuntimeException e) {
      if (!awaitConfirm || pending.remove(seq) != null) {
        handler.endPublish(publish, e, false);
      }
      throw e;
    } finally {
      publishing.unlock();
    }
    if (!awaitConfirm) {
      handler.endPublish(publish, null, false);
    }
  }

  @Override
  public void basicPublish(String exchange, String routingKey, AMQP.BasicProperties props, byte[] body)
      throws IOException {
    publish(exchange, routingKey, false, false, props, body);
  }

  @Override
  public void basicPublish(
      String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props, byte[] body)
      throws IOException {
    publish(exchange, routingKey, mandatory, false, props, body);
  }

  @Override
  public void basicPublish(
      String exchange, String routingKey, boolean mandatory, boolean immediate, AMQP.BasicProperties props,
      byte[] body) throws IOException {
    publish(exchange, routingKey, mandatory, immediate, props, body);
  }

  private Consumer consumer(String queue, Consumer consumer) {
    return consumer instanceof TracedConsumer ? consumer : new TracedConsumer(consumer, handler, queue, this);
  }

  private DeliverCallback deliver(String queue, DeliverCallback callback) {
    return (consumerTag, delivery) -> {
      delivered(delivery.getEnvelope(), queue);
      ObsRabbit.process(handler, queue, peer(), delivery.getEnvelope(), delivery.getProperties(),
          () -> callback.handle(consumerTag, delivery));
    };
  }

  Attributes peer() {
    return peer.of(delegate);
  }

  /** Remembers the queue of a delivery until it is settled (or forgotten, past {@link #MAX_UNSETTLED}). */
  void delivered(@Nullable Envelope envelope, String queue) {
    if (envelope == null) {
      return;
    }
    synchronized (unsettled) {
      unsettled.put(envelope.getDeliveryTag(), ObsRabbit.queueDestination(queue));
      if (unsettled.size() > MAX_UNSETTLED) {
        Iterator<Long> oldest = unsettled.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
    }
  }

  /**
   * Forgets the deliveries one settle call covers ({@code tag}, or with {@code multiple} every one up to it; tag 0
   * with {@code multiple}: all) and returns their destination, or null when unknown or several.
   */
  private @Nullable String settling(long tag, boolean multiple) {
    synchronized (unsettled) {
      if (!multiple) {
        return unsettled.remove(tag);
      }
      String destination = null;
      boolean several = false;
      for (Iterator<Map.Entry<Long, String>> it = unsettled.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Long, String> entry = it.next();
        if (tag != 0 && entry.getKey() > tag) {
          break; // tags ascend in insertion order
        }
        if (destination == null) {
          destination = entry.getValue();
        } else if (!destination.equals(entry.getValue())) {
          several = true;
        }
        it.remove();
      }
      return several ? null : destination;
    }
  }

  /** An acknowledgement call on the delegate. */
  @FunctionalInterface
  private interface SettleCall {
    void run() throws IOException;
  }

  /** Runs one ack, nack or reject and records it as a settle operation of its deliveries' queue. */
  private void settle(String operation, long tag, boolean multiple, SettleCall call) throws IOException {
    long start = System.nanoTime();
    String destination = null;
    try {
      destination = settling(tag, multiple);
    } catch (RuntimeException ignored) {
      // counted without a destination
    }
    try {
      call.run();
    } catch (IOException | RuntimeException e) {
      handler.settled(ObsRabbit.SYSTEM, destination, operation, start, e);
      throw e;
    }
    handler.settled(ObsRabbit.SYSTEM, destination, operation, start, null);
  }

  /** The broker returned a mandatory message it could not route (basic.return), e.g. 312 NO_ROUTE. */
  static final class ReturnedException extends IOException {
    private static final long serialVersionUID = 1L;

    ReturnedException(int replyCode, String replyText) {
      super("the broker returned the message: " + replyCode + " " + replyText);
    }
  }

  /** The broker refused a message (a publisher-confirm nack). */
  static final class NackException extends IOException {
    private static final long serialVersionUID = 1L;

    NackException(long seq) {
      super("the broker nacked publish " + seq);
    }
  }

  @Override
  public void abort() throws IOException {
    delegate.abort();
  }

  @Override
  public void abort(int p0, String p1) throws IOException {
    delegate.abort(p0, p1);
  }

  @Override
  public ConfirmListener addConfirmListener(ConfirmCallback p0, ConfirmCallback p1) {
    return delegate.addConfirmListener(p0, p1);
  }

  @Override
  public void addConfirmListener(ConfirmListener p0) {
    delegate.addConfirmListener(p0);
  }

  @Override
  public ReturnListener addReturnListener(ReturnCallback p0) {
    return delegate.addReturnListener(p0);
  }

  @Override
  public void addReturnListener(ReturnListener p0) {
    delegate.addReturnListener(p0);
  }

  @Override
  public void addShutdownListener(ShutdownListener p0) {
    delegate.addShutdownListener(p0);
  }

  @Override
  public CompletableFuture<Command> asyncCompletableRpc(Method p0) throws IOException {
    return delegate.asyncCompletableRpc(p0);
  }

  @Override
  public void asyncRpc(Method p0) throws IOException {
    delegate.asyncRpc(p0);
  }

  @Override
  public void basicAck(long p0, boolean p1) throws IOException {
    settle("ack", p0, p1, () -> delegate.basicAck(p0, p1));
  }

  @Override
  public void basicCancel(String p0) throws IOException {
    delegate.basicCancel(p0);
  }

  @Override
  public GetResponse basicGet(String queue, boolean autoAck) throws IOException {
    long start = System.nanoTime();
    GetResponse response;
    try {
      response = delegate.basicGet(queue, autoAck);
    } catch (IOException | RuntimeException e) {
      ObsRabbit.received(handler, queue, peer(), start, null, e);
      throw e;
    }
    if (response != null) { // an empty queue: nothing received, no span (as OpenTelemetry does)
      if (!autoAck) {
        delivered(response.getEnvelope(), queue);
      }
      ObsRabbit.received(handler, queue, peer(), start, response, null);
    }
    return response;
  }

  @Override
  public void basicNack(long p0, boolean p1, boolean p2) throws IOException {
    settle("nack", p0, p1, () -> delegate.basicNack(p0, p1, p2));
  }

  @Override
  public void basicQos(int p0, boolean p1) throws IOException {
    delegate.basicQos(p0, p1);
  }

  @Override
  public void basicQos(int p0, int p1, boolean p2) throws IOException {
    delegate.basicQos(p0, p1, p2);
  }

  @Override
  public void basicQos(int p0) throws IOException {
    delegate.basicQos(p0);
  }

  @Override
  public AMQP.Basic.RecoverOk basicRecover() throws IOException {
    return delegate.basicRecover();
  }

  @Override
  public AMQP.Basic.RecoverOk basicRecover(boolean p0) throws IOException {
    return delegate.basicRecover(p0);
  }

  @Override
  public void basicReject(long p0, boolean p1) throws IOException {
    settle("reject", p0, false, () -> delegate.basicReject(p0, p1));
  }

  @Override
  public void clearConfirmListeners() {
    delegate.clearConfirmListeners();
    delegate.addConfirmListener(confirms); // the application's listeners go, obs4j's stays
  }

  @Override
  public void clearReturnListeners() {
    delegate.clearReturnListeners();
    delegate.addReturnListener(returns);
  }

  @Override
  public void close() throws IOException, TimeoutException {
    delegate.close();
  }

  @Override
  public void close(int p0, String p1) throws IOException, TimeoutException {
    delegate.close(p0, p1);
  }

  @Override
  public AMQP.Confirm.SelectOk confirmSelect() throws IOException {
    return delegate.confirmSelect();
  }

  @Override
  public long consumerCount(String p0) throws IOException {
    return delegate.consumerCount(p0);
  }

  @Override
  public void exchangeBindNoWait(String p0, String p1, String p2, Map<String, Object> p3) throws IOException {
    delegate.exchangeBindNoWait(p0, p1, p2, p3);
  }

  @Override
  public AMQP.Exchange.BindOk exchangeBind(String p0, String p1, String p2, Map<String, Object> p3) throws IOException {
    return delegate.exchangeBind(p0, p1, p2, p3);
  }

  @Override
  public AMQP.Exchange.BindOk exchangeBind(String p0, String p1, String p2) throws IOException {
    return delegate.exchangeBind(p0, p1, p2);
  }

  @Override
  public void exchangeDeclareNoWait(String p0, BuiltinExchangeType p1, boolean p2, boolean p3, boolean p4, Map<String, Object> p5) throws IOException {
    delegate.exchangeDeclareNoWait(p0, p1, p2, p3, p4, p5);
  }

  @Override
  public void exchangeDeclareNoWait(String p0, String p1, boolean p2, boolean p3, boolean p4, Map<String, Object> p5) throws IOException {
    delegate.exchangeDeclareNoWait(p0, p1, p2, p3, p4, p5);
  }

  @Override
  public AMQP.Exchange.DeclareOk exchangeDeclarePassive(String p0) throws IOException {
    return delegate.exchangeDeclarePassive(p0);
  }

  @Override
  public AMQP.Exchange.DeclareOk exchangeDeclare(String p0, BuiltinExchangeType p1, boolean p2, boolean p3, boolean p4, Map<String, Object> p5) throws IOException {
    return delegate.exchangeDeclare(p0, p1, p2, p3, p4, p5);
  }

  @Override
  public AMQP.Exchange.DeclareOk exchangeDeclare(String p0, BuiltinExchangeType p1, boolean p2, boolean p3, Map<String, Object> p4) throws IOException {
    return delegate.exchangeDeclare(p0, p1, p2, p3, p4);
  }

  @Override
  public AMQP.Exchange.DeclareOk exchangeDeclare(String p0, BuiltinExchangeType p1, boolean p2) throws IOException {
    return delegate.exchangeDeclare(p0, p1, p2);
  }

  @Override
  public AMQP.Exchange.DeclareOk exchangeDeclare(String p0, BuiltinExchangeType p1) throws IOException {
    return delegate.exchangeDeclare(p0, p1);
  }

  @Override
  public AMQP.Exchange.DeclareOk exchangeDeclare(String p0, String p1, boolean p2, boolean p3, boolean p4, Map<String, Object> p5) throws IOException {
    return delegate.exchangeDeclare(p0, p1, p2, p3, p4, p5);
  }

  @Override
  public AMQP.Exchange.DeclareOk exchangeDeclare(String p0, String p1, boolean p2, boolean p3, Map<String, Object> p4) throws IOException {
    return delegate.exchangeDeclare(p0, p1, p2, p3, p4);
  }

  @Override
  public AMQP.Exchange.DeclareOk exchangeDeclare(String p0, String p1, boolean p2) throws IOException {
    return delegate.exchangeDeclare(p0, p1, p2);
  }

  @Override
  public AMQP.Exchange.DeclareOk exchangeDeclare(String p0, String p1) throws IOException {
    return delegate.exchangeDeclare(p0, p1);
  }

  @Override
  public void exchangeDeleteNoWait(String p0, boolean p1) throws IOException {
    delegate.exchangeDeleteNoWait(p0, p1);
  }

  @Override
  public AMQP.Exchange.DeleteOk exchangeDelete(String p0, boolean p1) throws IOException {
    return delegate.exchangeDelete(p0, p1);
  }

  @Override
  public AMQP.Exchange.DeleteOk exchangeDelete(String p0) throws IOException {
    return delegate.exchangeDelete(p0);
  }

  @Override
  public void exchangeUnbindNoWait(String p0, String p1, String p2, Map<String, Object> p3) throws IOException {
    delegate.exchangeUnbindNoWait(p0, p1, p2, p3);
  }

  @Override
  public AMQP.Exchange.UnbindOk exchangeUnbind(String p0, String p1, String p2, Map<String, Object> p3) throws IOException {
    return delegate.exchangeUnbind(p0, p1, p2, p3);
  }

  @Override
  public AMQP.Exchange.UnbindOk exchangeUnbind(String p0, String p1, String p2) throws IOException {
    return delegate.exchangeUnbind(p0, p1, p2);
  }

  @Override
  public int getChannelNumber() {
    return delegate.getChannelNumber();
  }

  @Override
  public ShutdownSignalException getCloseReason() {
    return delegate.getCloseReason();
  }

  @Override
  public Connection getConnection() {
    return delegate.getConnection();
  }

  @Override
  public Consumer getDefaultConsumer() {
    return delegate.getDefaultConsumer();
  }

  @Override
  public long getNextPublishSeqNo() {
    return delegate.getNextPublishSeqNo();
  }

  @Override
  public boolean isOpen() {
    return delegate.isOpen();
  }

  @Override
  public long messageCount(String p0) throws IOException {
    return delegate.messageCount(p0);
  }

  @Override
  public void notifyListeners() {
    delegate.notifyListeners();
  }

  @Override
  public void queueBindNoWait(String p0, String p1, String p2, Map<String, Object> p3) throws IOException {
    delegate.queueBindNoWait(p0, p1, p2, p3);
  }

  @Override
  public AMQP.Queue.BindOk queueBind(String p0, String p1, String p2, Map<String, Object> p3) throws IOException {
    return delegate.queueBind(p0, p1, p2, p3);
  }

  @Override
  public AMQP.Queue.BindOk queueBind(String p0, String p1, String p2) throws IOException {
    return delegate.queueBind(p0, p1, p2);
  }

  @Override
  public void queueDeclareNoWait(String p0, boolean p1, boolean p2, boolean p3, Map<String, Object> p4) throws IOException {
    delegate.queueDeclareNoWait(p0, p1, p2, p3, p4);
  }

  @Override
  public AMQP.Queue.DeclareOk queueDeclarePassive(String p0) throws IOException {
    return delegate.queueDeclarePassive(p0);
  }

  @Override
  public AMQP.Queue.DeclareOk queueDeclare() throws IOException {
    return delegate.queueDeclare();
  }

  @Override
  public AMQP.Queue.DeclareOk queueDeclare(String p0, boolean p1, boolean p2, boolean p3, Map<String, Object> p4) throws IOException {
    return delegate.queueDeclare(p0, p1, p2, p3, p4);
  }

  @Override
  public void queueDeleteNoWait(String p0, boolean p1, boolean p2) throws IOException {
    delegate.queueDeleteNoWait(p0, p1, p2);
  }

  @Override
  public AMQP.Queue.DeleteOk queueDelete(String p0, boolean p1, boolean p2) throws IOException {
    return delegate.queueDelete(p0, p1, p2);
  }

  @Override
  public AMQP.Queue.DeleteOk queueDelete(String p0) throws IOException {
    return delegate.queueDelete(p0);
  }

  @Override
  public AMQP.Queue.PurgeOk queuePurge(String p0) throws IOException {
    return delegate.queuePurge(p0);
  }

  @Override
  public AMQP.Queue.UnbindOk queueUnbind(String p0, String p1, String p2, Map<String, Object> p3) throws IOException {
    return delegate.queueUnbind(p0, p1, p2, p3);
  }

  @Override
  public AMQP.Queue.UnbindOk queueUnbind(String p0, String p1, String p2) throws IOException {
    return delegate.queueUnbind(p0, p1, p2);
  }

  @Override
  public boolean removeConfirmListener(ConfirmListener p0) {
    return delegate.removeConfirmListener(p0);
  }

  @Override
  public boolean removeReturnListener(ReturnListener p0) {
    return delegate.removeReturnListener(p0);
  }

  @Override
  public void removeShutdownListener(ShutdownListener p0) {
    delegate.removeShutdownListener(p0);
  }

  @Override
  public Command rpc(Method p0) throws IOException {
    return delegate.rpc(p0);
  }

  @Override
  public void setDefaultConsumer(Consumer p0) {
    delegate.setDefaultConsumer(p0);
  }

  @Override
  public AMQP.Tx.CommitOk txCommit() throws IOException {
    return delegate.txCommit();
  }

  @Override
  public AMQP.Tx.RollbackOk txRollback() throws IOException {
    return delegate.txRollback();
  }

  @Override
  public AMQP.Tx.SelectOk txSelect() throws IOException {
    return delegate.txSelect();
  }

  @Override
  public void waitForConfirmsOrDie() throws IOException, InterruptedException {
    delegate.waitForConfirmsOrDie();
  }

  @Override
  public void waitForConfirmsOrDie(long p0) throws IOException, InterruptedException, TimeoutException {
    delegate.waitForConfirmsOrDie(p0);
  }

  @Override
  public boolean waitForConfirms() throws InterruptedException {
    return delegate.waitForConfirms();
  }

  @Override
  public boolean waitForConfirms(long p0) throws InterruptedException, TimeoutException {
    return delegate.waitForConfirms(p0);
  }

  @Override
  public String basicConsume(String p0, boolean p1, String p2, boolean p3, boolean p4, Map<String, Object> p5, Consumer p6) throws IOException {
    return delegate.basicConsume(p0, p1, p2, p3, p4, p5, consumer(p0, p6));
  }

  @Override
  public String basicConsume(String p0, boolean p1, String p2, boolean p3, boolean p4, Map<String, Object> p5, DeliverCallback p6, CancelCallback p7, ConsumerShutdownSignalCallback p8) throws IOException {
    return delegate.basicConsume(p0, p1, p2, p3, p4, p5, deliver(p0, p6), p7, p8);
  }

  @Override
  public String basicConsume(String p0, boolean p1, String p2, boolean p3, boolean p4, Map<String, Object> p5, DeliverCallback p6, CancelCallback p7) throws IOException {
    return delegate.basicConsume(p0, p1, p2, p3, p4, p5, deliver(p0, p6), p7);
  }

  @Override
  public String basicConsume(String p0, boolean p1, String p2, boolean p3, boolean p4, Map<String, Object> p5, DeliverCallback p6, ConsumerShutdownSignalCallback p7) throws IOException {
    return delegate.basicConsume(p0, p1, p2, p3, p4, p5, deliver(p0, p6), p7);
  }

  @Override
  public String basicConsume(String p0, boolean p1, String p2, Consumer p3) throws IOException {
    return delegate.basicConsume(p0, p1, p2, consumer(p0, p3));
  }

  @Override
  public String basicConsume(String p0, boolean p1, String p2, DeliverCallback p3, CancelCallback p4, ConsumerShutdownSignalCallback p5) throws IOException {
    return delegate.basicConsume(p0, p1, p2, deliver(p0, p3), p4, p5);
  }

  @Override
  public String basicConsume(String p0, boolean p1, String p2, DeliverCallback p3, CancelCallback p4) throws IOException {
    return delegate.basicConsume(p0, p1, p2, deliver(p0, p3), p4);
  }

  @Override
  public String basicConsume(String p0, boolean p1, String p2, DeliverCallback p3, ConsumerShutdownSignalCallback p4) throws IOException {
    return delegate.basicConsume(p0, p1, p2, deliver(p0, p3), p4);
  }

  @Override
  public String basicConsume(String p0, boolean p1, Consumer p2) throws IOException {
    return delegate.basicConsume(p0, p1, consumer(p0, p2));
  }

  @Override
  public String basicConsume(String p0, boolean p1, DeliverCallback p2, CancelCallback p3, ConsumerShutdownSignalCallback p4) throws IOException {
    return delegate.basicConsume(p0, p1, deliver(p0, p2), p3, p4);
  }

  @Override
  public String basicConsume(String p0, boolean p1, DeliverCallback p2, CancelCallback p3) throws IOException {
    return delegate.basicConsume(p0, p1, deliver(p0, p2), p3);
  }

  @Override
  public String basicConsume(String p0, boolean p1, DeliverCallback p2, ConsumerShutdownSignalCallback p3) throws IOException {
    return delegate.basicConsume(p0, p1, deliver(p0, p2), p3);
  }

  @Override
  public String basicConsume(String p0, boolean p1, Map<String, Object> p2, Consumer p3) throws IOException {
    return delegate.basicConsume(p0, p1, p2, consumer(p0, p3));
  }

  @Override
  public String basicConsume(String p0, boolean p1, Map<String, Object> p2, DeliverCallback p3, CancelCallback p4, ConsumerShutdownSignalCallback p5) throws IOException {
    return delegate.basicConsume(p0, p1, p2, deliver(p0, p3), p4, p5);
  }

  @Override
  public String basicConsume(String p0, boolean p1, Map<String, Object> p2, DeliverCallback p3, CancelCallback p4) throws IOException {
    return delegate.basicConsume(p0, p1, p2, deliver(p0, p3), p4);
  }

  @Override
  public String basicConsume(String p0, boolean p1, Map<String, Object> p2, DeliverCallback p3, ConsumerShutdownSignalCallback p4) throws IOException {
    return delegate.basicConsume(p0, p1, p2, deliver(p0, p3), p4);
  }

  @Override
  public String basicConsume(String p0, Consumer p1) throws IOException {
    return delegate.basicConsume(p0, consumer(p0, p1));
  }

  @Override
  public String basicConsume(String p0, DeliverCallback p1, CancelCallback p2, ConsumerShutdownSignalCallback p3) throws IOException {
    return delegate.basicConsume(p0, deliver(p0, p1), p2, p3);
  }

  @Override
  public String basicConsume(String p0, DeliverCallback p1, CancelCallback p2) throws IOException {
    return delegate.basicConsume(p0, deliver(p0, p1), p2);
  }

  @Override
  public String basicConsume(String p0, DeliverCallback p1, ConsumerShutdownSignalCallback p2) throws IOException {
    return delegate.basicConsume(p0, deliver(p0, p1), p2);
  }
}

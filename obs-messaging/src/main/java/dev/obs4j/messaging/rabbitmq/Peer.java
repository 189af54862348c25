/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import java.net.InetAddress;
import org.jspecify.annotations.Nullable;

/**
 * The broker a channel talks to, as span attributes: {@code server.address} (the name the application
 * connected to, or the IP when it gave one), {@code server.port}, {@code network.peer.address} and
 * {@code network.peer.port}. Read from the connection without a DNS lookup, and computed again only when the
 * connection's peer changes (a recovered connection may reach another node).
 */
final class Peer {
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
  static final AttributeKey<Long> PEER_PORT = AttributeKey.longKey("network.peer.port");

  private record Known(InetAddress address, int port, Attributes attributes) {}

  private volatile @Nullable Known known;

  /** The attributes of {@code channel}'s peer; empty when the connection cannot tell. */
  Attributes of(Channel channel) {
    try {
      Connection connection = channel.getConnection();
      InetAddress address = connection.getAddress();
      int port = connection.getPort();
      Known k = known;
      if (k != null && k.address == address && k.port == port) {
        return k.attributes;
      }
      if (address == null) {
        return Attributes.empty();
      }
      String ip = address.getHostAddress();
      String text = address.toString(); // "name/ip", or "/ip" when the address was given as an IP: no lookup
      int slash = text.indexOf('/');
      String host = slash > 0 ? text.substring(0, slash) : ip;
      Attributes attributes = Attributes.of(SERVER_ADDRESS, host, SERVER_PORT, (long) port, PEER_ADDRESS, ip,
          PEER_PORT, (long) port);
      known = new Known(address, port, attributes);
      return attributes;
    } catch (RuntimeException e) {
      return Attributes.empty();
    }
  }
}

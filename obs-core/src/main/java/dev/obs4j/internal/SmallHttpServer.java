/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Internal, not for public use. A small HTTP/1.1 server on {@code java.nio} for the metrics server's few
 * answers. One selector thread accepts, reads every request's line and headers without blocking, answers
 * what costs nothing itself (a 404, {@code /health}) and writes every answer without blocking; what costs
 * (a scrape, a console page) runs on a small bounded pool of workers.
 *
 * <p>Hand-written rather than the JDK's {@code com.sun.net.httpserver}, because that server reads a request's
 * line and headers on its executor thread, blocking and with no deadline: one client that sends a byte and
 * then nothing holds the thread, and every request behind it (a liveness probe on {@code /health} among
 * them), for as long as it keeps the connection open; so does one that asks for a large answer and does not
 * read it. Its deadlines ({@code sun.net.httpserver.maxReqTime}, {@code maxRspTime}) are system properties
 * read once for the whole JVM, which a library must not set for the application it runs in.
 *
 * <p>What connections may cost, each bounded by {@link Limits}: a request's line and headers must arrive
 * within a deadline and fit a size (else the connection is closed; 431 when too large); an answer must be
 * written within a deadline (else the connection is dropped, with a reset); at most so many connections are
 * open (a new one beyond takes the place of the oldest that has not yet sent its request or has had its
 * answer, or is closed when there is none); at most so many costly requests wait for the workers, and while
 * the answers being written hold so many bytes, a costly request gets a 503 without being run. Every answer
 * closes its connection ({@code Connection: close}): no keep-alive, no pipelining; a request body is never
 * read, only discarded while the connection closes.
 */
public final class SmallHttpServer implements AutoCloseable {
  private static final ThrottledLogger log =
      new ThrottledLogger(LoggerFactory.getLogger(SmallHttpServer.class));
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
  private static final int FIRST_HEAD_BUFFER = 1024;
  /** Bodies are written in slices of this much: the JDK copies each heap buffer it writes to a direct one. */
  private static final int CHUNK = 64 << 10;
  private static final ByteBuffer[] NOTHING = new ByteBuffer[0];
  private static final ByteBuffer NO_HEAD = ByteBuffer.allocate(0);

  /**
   * What the server lets its connections cost: {@code maxConnections} open at once; a request's line and
   * headers at most {@code maxHeadBytes}, all in within {@code headDeadline} of the connection's accept; an
   * answer written within {@code writeDeadline}; after it, {@code lingerDeadline} for the client to close
   * (what it still sends is discarded, so that closing does not reset the answer away); {@code workers}
   * threads for the costly answers with at most {@code queuedRequests} waiting; and no costly request run
   * while the answers being written hold {@code maxPendingBytes}.
   */
  public record Limits(
      int maxConnections,
      int maxHeadBytes,
      Duration headDeadline,
      Duration writeDeadline,
      Duration lingerDeadline,
      int workers,
      int queuedRequests,
      long maxPendingBytes) {
    /** Refuses limits the server cannot work with. */
    public Limits {
      if (maxConnections < 1 || maxHeadBytes < 64 || workers < 1 || queuedRequests < 1 || maxPendingBytes < 0
          || headDeadline.isNegative() || writeDeadline.isNegative() || lingerDeadline.isNegative()) {
        throw new IllegalArgumentException(
            "limits out of range: connections, workers and queue at least 1, head at least 64 bytes, nothing negative");
      }
    }

    /**
     * The metrics server's: 64 connections, 16 KiB of head within 10 s, answers written within 10 s
     * (Prometheus' default scrape timeout), one worker with four requests waiting, 16 MiB of answers.
     */
    public static final Limits DEFAULTS =
        new Limits(
            64, 16 << 10, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2), 1, 4, 16L << 20);
  }

  /** Answers requests, on the selector thread: it must not block; what costs goes in {@link Response#fromWorker}. */
  @FunctionalInterface
  public interface Handler {
    /** The answer to {@code request}. */
    Response answer(Request request);
  }

  /** A request's method, target and headers as they came: the path and query raw, never decoded. */
  public static final class Request {
    private final String method;
    private final String rawPath;
    private final @Nullable String rawQuery;
    private final List<String> headers; // name, value, name, value ...
    private final InetSocketAddress remoteAddress;

    Request(
        String method,
        String rawPath,
        @Nullable String rawQuery,
        List<String> headers,
        InetSocketAddress remoteAddress) {
      this.method = method;
      this.rawPath = rawPath;
      this.rawQuery = rawQuery;
      this.headers = List.copyOf(headers);
      this.remoteAddress = remoteAddress;
    }

    /** The method, case as sent. */
    public String method() {
      return method;
    }

    /** The path, not decoded nor normalized; for an absolute-form target, its path. */
    public String rawPath() {
      return rawPath;
    }

    /** What follows the first {@code ?} of the target, not decoded; null without one. */
    public @Nullable String rawQuery() {
      return rawQuery;
    }

    /**
     * The first value of the header {@code name} (in any case), trimmed; null when absent. For an
     * absolute-form target, {@code Host} is the target's authority, as RFC 9112 has a server take it.
     */
    public @Nullable String header(String name) {
      for (int i = 0; i < headers.size(); i += 2) {
        if (headers.get(i).equalsIgnoreCase(name)) {
          return headers.get(i + 1);
        }
      }
      return null;
    }

    /** The client's address and port. */
    public InetSocketAddress remoteAddress() {
      return remoteAddress;
    }
  }

  /** An answer (a status, headers and a body), or the work that makes one, to be done on a worker. */
  public static final class Response {
    private final int status;
    private final List<String> headers = new ArrayList<>(); // name, value, name, value ...
    private final byte[] body;
    private final @Nullable Supplier<Response> work;

    private Response(int status, byte[] body, @Nullable Supplier<Response> work) {
      this.status = status;
      this.body = body;
      this.work = work;
    }

    /** An answer with {@code status} and no body. */
    public static Response status(int status) {
      return new Response(status, new byte[0], null);
    }

    /** A 200 with {@code body} (sent as UTF-8) of type {@code contentType}. */
    public static Response ok(String contentType, String body) {
      return new Response(200, body.getBytes(StandardCharsets.UTF_8), null).header("Content-Type", contentType);
    }

    /** An answer with {@code status} and {@code body}, as it is. */
    public static Response of(int status, byte[] body) {
      return new Response(status, body, null);
    }

    /** The answer {@code work} makes, made on a worker thread (a 500 if it throws). */
    public static Response fromWorker(Supplier<Response> work) {
      return new Response(0, new byte[0], work);
    }

    /**
     * Sets the header {@code name} to {@code value} (printable ASCII), replacing a value set before; the
     * server adds {@code Date}, {@code Content-Length} and {@code Connection} itself.
     */
    public Response header(String name, String value) {
      if (!isToken(name) || !value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c < 0x7f))) {
        throw new IllegalArgumentException("not a header: " + name);
      }
      for (int i = 0; i < headers.size(); i += 2) {
        if (headers.get(i).equalsIgnoreCase(name)) {
          headers.set(i + 1, value);
          return this;
        }
      }
      headers.add(name);
      headers.add(value);
      return this;
    }
  }

  private enum State {
    /** Reading the request's line and headers. */
    HEAD,
    /** Waiting for a worker's answer; not reading. */
    WORKING,
    /** Writing the answer. */
    WRITING,
    /** Answered, output shut: discarding what the client still sends until it closes. */
    CLOSING
  }

  private final Limits limits;
  private final Handler handler;
  private final Selector selector;
  private final ServerSocketChannel listener;
  private final InetSocketAddress address;
  private final ThreadPoolExecutor workers;
  private final Thread thread;
  /** The workers' answers, for the selector thread to send. */
  private final Queue<Runnable> answered = new ConcurrentLinkedQueue<>();
  /** Only the selector thread touches what follows. Open connections, the oldest first. */
  private final Set<Connection> connections = new LinkedHashSet<>();
  private final ByteBuffer discard = ByteBuffer.allocate(8 << 10);
  private long pendingBytes;
  private volatile boolean closing;

  /**
   * Serves on {@code bind} with {@code handler}; its threads are daemons named {@code name-server} (the
   * selector) and {@code name-worker}.
   */
  public SmallHttpServer(InetSocketAddress bind, String name, Limits limits, Handler handler) throws IOException {
    this.limits = limits;
    this.handler = handler;
    this.workers =
        new ThreadPoolExecutor(
            limits.workers(),
            limits.workers(),
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(limits.queuedRequests()),
            daemon(name + "-worker"));
    workers.allowCoreThreadTimeOut(true);
    Selector opened = Selector.open();
    ServerSocketChannel channel = null;
    try {
      channel = ServerSocketChannel.open();
      channel.bind(bind, limits.maxConnections());
      channel.configureBlocking(false);
      channel.register(opened, SelectionKey.OP_ACCEPT);
      this.address = (InetSocketAddress) channel.getLocalAddress();
    } catch (IOException | RuntimeException e) {
      closeQuietly(channel);
      closeQuietly(opened);
      throw e;
    }
    this.selector = opened;
    this.listener = channel;
    this.thread = daemon(name + "-server").newThread(this::run);
    thread.start();
  }

  /** The address the server listens on (with the port it was given when asked for port 0). */
  public InetSocketAddress address() {
    return address;
  }

  /** Stops accepting, drops every connection and waits (a second or two at most) for the threads to end. */
  @Override
  public void close() {
    closing = true;
    selector.wakeup();
    workers.shutdown();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(2));
      workers.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      while (!closing) {
        selector.select(this::ready, selectTimeoutMillis());
        for (Runnable send; (send = answered.poll()) != null; ) {
          send.run();
        }
        expire(System.nanoTime());
      }
    } catch (IOException | RuntimeException e) {
      if (!closing) {
        log.error("metrics-server", "The metrics server stopped serving", e);
      }
    } finally {
      for (Connection connection : new ArrayList<>(connections)) {
        connection.close(true);
      }
      closeQuietly(listener);
      closeQuietly(selector);
    }
  }

  /** Until the nearest deadline; 0 (no limit) when nothing has one. */
  private long selectTimeoutMillis() {
    long now = System.nanoTime();
    long nearest = Long.MAX_VALUE;
    for (Connection connection : connections) {
      if (connection.state != State.WORKING) {
        nearest = Math.min(nearest, Math.max(0, connection.deadline - now));
      }
    }
    return nearest == Long.MAX_VALUE ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nearest) + 1);
  }

  private void ready(SelectionKey key) {
    if (!key.isValid()) {
      return;
    }
    if (!(key.attachment() instanceof Connection connection)) {
      accept();
      return;
    }
    try {
      if (key.isReadable()) {
        connection.read();
      } else if (key.isWritable()) {
        connection.write();
      }
    } catch (IOException e) {
      connection.close(true); // reset by the client, or gone: nothing more to say to it
    } catch (RuntimeException e) {
      log.warn("metrics-server-connection", "The metrics server dropped a connection", e);
      connection.close(true);
    }
  }

  private void accept() {
    for (int i = 0; i < limits.maxConnections(); i++) { // then the other keys get their turn
      SocketChannel channel;
      try {
        channel = listener.accept();
      } catch (IOException e) {
        log.warn("metrics-server-accept", "The metrics server could not accept a connection", e);
        return;
      }
      if (channel == null) {
        return;
      }
      if (connections.size() >= limits.maxConnections() && !makeRoom()) {
        abort(channel);
        continue;
      }
      try {
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        Connection connection = new Connection(channel);
        connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
        connections.add(connection);
      } catch (IOException e) {
        closeQuietly(channel);
      }
    }
  }

  /** Closes the oldest connection that has not sent its request yet or has had its answer, if there is one. */
  private boolean makeRoom() {
    for (Connection connection : connections) {
      if (connection.state == State.HEAD || connection.state == State.CLOSING) {
        connection.close(false);
        return true;
      }
    }
    return false;
  }

  private void expire(long now) {
    List<Connection> late = new ArrayList<>();
    for (Connection connection : connections) {
      if (connection.state != State.WORKING && connection.deadline - now <= 0) {
        late.add(connection);
      }
    }
    // A client that does not read its answer gets a reset, which also frees what the kernel still holds of it.
    late.forEach(connection -> connection.close(connection.state == State.WRITING));
  }

  private final class Connection {
    private final SocketChannel channel;
    private final InetSocketAddress remote;
    private @Nullable SelectionKey key;
    private State state = State.HEAD;
    private long deadline = System.nanoTime() + limits.headDeadline().toNanos();
    private ByteBuffer head = ByteBuffer.allocate(Math.min(FIRST_HEAD_BUFFER, limits.maxHeadBytes()));
    /** How much of {@link #head} has been searched for its end. */
    private int scanned;
    private ByteBuffer[] out = NOTHING;
    /** What of {@link #out} counts in {@link #pendingBytes}. */
    private long charged;
    private boolean closed;

    Connection(SocketChannel channel) throws IOException {
      this.channel = channel;
      this.remote = (InetSocketAddress) channel.getRemoteAddress();
    }

    void read() throws IOException {
      if (state == State.CLOSING) {
        discard.clear();
        if (channel.read(discard) < 0) {
          close(false);
        }
        return;
      }
      if (state != State.HEAD) {
        return;
      }
      if (channel.read(head) < 0) {
        close(false);
        return;
      }
      if (scanned == 0) {
        skipEmptyLines();
      }
      int end = headEnd();
      if (end >= 0) {
        requireKey().interestOps(0);
        dispatch(end);
      } else if (!head.hasRemaining()) {
        if (head.capacity() >= limits.maxHeadBytes()) {
          send(encode(Response.status(431), false));
        } else {
          ByteBuffer bigger = ByteBuffer.allocate(Math.min(head.capacity() * 2, limits.maxHeadBytes()));
          head.flip();
          head = bigger.put(head);
        }
      }
    }

    /** Drops the empty lines a client may send before a request line (RFC 9112 lets a server ignore them). */
    private void skipEmptyLines() {
      byte[] bytes = head.array();
      int length = head.position();
      int skip = 0;
      while (skip < length && (bytes[skip] == '\r' || bytes[skip] == '\n')) {
        skip++;
      }
      System.arraycopy(bytes, skip, bytes, 0, length - skip);
      head.position(length - skip);
    }

    /** Where the head ends (just past its empty line, CRLF or a bare LF), or -1 when it has not yet. */
    private int headEnd() {
      byte[] bytes = head.array();
      for (int i = Math.max(scanned, 1); i < head.position(); i++) {
        if (bytes[i] == '\n' && (bytes[i - 1] == '\n' || (bytes[i - 1] == '\r' && i >= 2 && bytes[i - 2] == '\n'))) {
          return i + 1;
        }
      }
      scanned = head.position();
      return -1;
    }

    private void dispatch(int end) {
      Request request;
      try {
        request = parse(new String(head.array(), 0, end, StandardCharsets.ISO_8859_1), remote);
      } catch (BadRequest e) {
        send(encode(Response.status(e.status), false));
        return;
      } finally {
        head = NO_HEAD;
      }
      boolean headOnly = request.method().equals("HEAD");
      Response response;
      try {
        response = handler.answer(request);
      } catch (RuntimeException e) {
        log.warn("metrics-server-handler", "The metrics server failed to answer a request", e);
        response = Response.status(500);
      }
      Supplier<Response> work = response.work;
      if (work == null) {
        send(encode(response, headOnly));
        return;
      }
      if (pendingBytes >= limits.maxPendingBytes()) {
        send(encode(Response.status(503), false));
        return;
      }
      state = State.WORKING;
      try {
        workers.execute(() -> work(work, headOnly));
      } catch (RejectedExecutionException full) {
        send(encode(Response.status(503), false));
      }
    }

    /** On a worker: makes the answer and hands it to the selector thread to send. */
    private void work(Supplier<Response> work, boolean headOnly) {
      Response response;
      try {
        response = work.get();
        if (response.work != null) {
          throw new IllegalStateException("work answered with more work");
        }
      } catch (RuntimeException e) {
        log.warn("metrics-scrape", "A request to the metrics server failed", e);
        response = Response.status(500);
      }
      ByteBuffer[] bytes = encode(response, headOnly);
      answered.add(() -> send(bytes));
      selector.wakeup(); // a no-op once the selector is closed
    }

    /** Starts writing {@code bytes}: on the selector thread. */
    private void send(ByteBuffer[] bytes) {
      if (closed) {
        return;
      }
      out = bytes;
      for (ByteBuffer buffer : bytes) {
        charged += buffer.remaining();
      }
      pendingBytes += charged;
      state = State.WRITING;
      deadline = System.nanoTime() + limits.writeDeadline().toNanos();
      try {
        write();
      } catch (IOException | RuntimeException e) {
        close(true);
      }
    }

    void write() throws IOException {
      for (ByteBuffer buffer : out) {
        while (buffer.hasRemaining()) {
          ByteBuffer slice = buffer.slice();
          slice.limit(Math.min(slice.remaining(), CHUNK));
          int written = channel.write(slice);
          buffer.position(buffer.position() + written);
          if (written == 0) {
            requireKey().interestOps(SelectionKey.OP_WRITE);
            return;
          }
        }
      }
      release();
      channel.shutdownOutput();
      state = State.CLOSING;
      deadline = System.nanoTime() + limits.lingerDeadline().toNanos();
      requireKey().interestOps(SelectionKey.OP_READ);
    }

    private void release() {
      pendingBytes -= charged;
      charged = 0;
      out = NOTHING;
    }

    private SelectionKey requireKey() {
      SelectionKey selectionKey = key;
      if (selectionKey == null) {
        throw new IllegalStateException("not registered");
      }
      return selectionKey;
    }

    /** Closes the connection; {@code abort} resets it, dropping whatever the kernel has not sent yet. */
    void close(boolean abort) {
      if (closed) {
        return;
      }
      closed = true;
      connections.remove(this);
      release();
      head = NO_HEAD;
      SelectionKey selectionKey = key;
      if (selectionKey != null) {
        selectionKey.cancel();
      }
      if (abort) {
        abort(channel);
      } else {
        closeQuietly(channel);
      }
    }
  }

  /** A request that gets {@code status} (400, 505) instead of an answer. */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    BadRequest(int status) {
      super(null, null, false, false);
      this.status = status;
    }
  }

  /**
   * Parses {@code head} (the request line and headers up to and with the empty line, bytes as ISO-8859-1)
   * strictly: one space between the request line's parts, HTTP/1.0 or 1.1, a target in origin form (or
   * absolute form, or {@code *}) of visible ASCII, header names that are tokens, values without control
   * characters, no line folding, at most one Host.
   */
  static Request parse(String head, InetSocketAddress remote) throws BadRequest {
    List<String> lines = new ArrayList<>();
    int start = 0;
    for (int lf = head.indexOf('\n'); lf >= 0; lf = head.indexOf('\n', start)) {
      lines.add(head.substring(start, lf > start && head.charAt(lf - 1) == '\r' ? lf - 1 : lf));
      start = lf + 1;
    }
    String[] parts = lines.get(0).split(" ", -1);
    if (parts.length != 3) {
      throw new BadRequest(400);
    }
    String method = parts[0];
    String target = parts[1];
    String version = parts[2];
    if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
      throw new BadRequest(version.matches("HTTP/[0-9]\\.[0-9]") ? 505 : 400);
    }
    if (!isToken(method) || target.isEmpty() || !target.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '#')) {
      throw new BadRequest(400);
    }
    @Nullable String authority = null;
    if (target.charAt(0) != '/' && !target.equals("*")) {
      int scheme =
          target.regionMatches(true, 0, "http://", 0, 7) ? 7
              : target.regionMatches(true, 0, "https://", 0, 8) ? 8
              : -1;
      if (scheme < 0) {
        throw new BadRequest(400);
      }
      int end = scheme;
      while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
        end++;
      }
      authority = target.substring(scheme, end);
      if (authority.isEmpty() || authority.indexOf('@') >= 0) {
        throw new BadRequest(400);
      }
      target =
          end == target.length() ? "/"
              : target.charAt(end) == '?' ? "/" + target.substring(end)
              : target.substring(end);
    }
    int query = target.indexOf('?');
    List<String> headers = new ArrayList<>();
    boolean host = false;
    for (String line : lines.subList(1, lines.size() - 1)) {
      int colon = line.indexOf(':');
      if (colon <= 0 || !isToken(line.substring(0, colon))) {
        throw new BadRequest(400); // also a folded line, which starts with a space or tab
      }
      String name = line.substring(0, colon);
      String value = trimSpacesAndTabs(line.substring(colon + 1));
      if (HeaderValues.hasControlCharacters(value)) {
        throw new BadRequest(400);
      }
      if (name.equalsIgnoreCase("Host")) {
        if (host) {
          throw new BadRequest(400);
        }
        host = true;
        if (authority != null) {
          continue;
        }
      }
      headers.add(name);
      headers.add(value);
    }
    if (authority != null) {
      headers.add("Host");
      headers.add(authority);
    }
    return new Request(
        method,
        query < 0 ? target : target.substring(0, query),
        query < 0 ? null : target.substring(query + 1),
        headers,
        remote);
  }

  /** The status line, the headers and the body ({@code headOnly}: its length only), ready to write. */
  private static ByteBuffer[] encode(Response response, boolean headOnly) {
    StringBuilder text =
        new StringBuilder(256)
            .append("HTTP/1.1 ").append(response.status).append(' ').append(reason(response.status)).append("\r\n")
            .append("Date: ").append(HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n");
    for (int i = 0; i < response.headers.size(); i += 2) {
      text.append(response.headers.get(i)).append(": ").append(response.headers.get(i + 1)).append("\r\n");
    }
    text.append("Content-Length: ").append(response.body.length).append("\r\nConnection: close\r\n\r\n");
    byte[] top = text.toString().getBytes(StandardCharsets.ISO_8859_1);
    if (headOnly || response.body.length == 0) {
      return new ByteBuffer[] {ByteBuffer.wrap(top)};
    }
    if (response.body.length <= CHUNK) { // one write, one segment
      ByteBuffer both = ByteBuffer.allocate(top.length + response.body.length).put(top).put(response.body);
      return new ByteBuffer[] {both.flip()};
    }
    return new ByteBuffer[] {ByteBuffer.wrap(top), ByteBuffer.wrap(response.body)};
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      case 505 -> "HTTP Version Not Supported";
      default -> "";
    };
  }

  /** {@code s} without the spaces and tabs around it (only those: other controls must stay, to be refused). */
  private static String trimSpacesAndTabs(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
      start++;
    }
    while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
      end--;
    }
    return s.substring(start, end);
  }

  /** Whether {@code s} is an HTTP token (RFC 9110): what a method or a header name is made of. */
  private static boolean isToken(String s) {
    return !s.isEmpty()
        && s.chars().allMatch(c -> c < 0x7f && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0));
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Closes {@code channel} with a reset (SO_LINGER 0), so that the kernel drops what it still holds. */
  private static void abort(SocketChannel channel) {
    try {
      channel.setOption(StandardSocketOptions.SO_LINGER, 0);
    } catch (IOException | RuntimeException e) {
      // closed already: the close below is all there is to do
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(@Nullable AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      // closing: nothing left to do with it
    }
  }
}

package io.dht.node;

import io.dht.bencode.BDictionary;
import io.dht.bencode.BInteger;
import io.dht.bencode.BList;
import io.dht.bencode.BString;
import io.dht.bencode.BValue;
import io.dht.bencode.Bencode;
import io.dht.bencode.DecodeLimits;
import io.dht.bencode.DecodeException;
import io.dht.id.Contact;
import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import io.dht.id.NodeIdSecurity;
import io.dht.item.ImmutableItem;
import io.dht.item.Item;
import io.dht.item.ItemStore;
import io.dht.item.MemoryItemStore;
import io.dht.item.MutableItem;
import io.dht.item.Sha1;
import io.dht.krpc.ErrorCode;
import io.dht.krpc.ErrorReply;
import io.dht.krpc.KrpcCodec;
import io.dht.krpc.MalformedMessageException;
import io.dht.krpc.Message;
import io.dht.krpc.Query;
import io.dht.krpc.Response;
import io.dht.krpc.Want;
import io.dht.lookup.Lookup;
import io.dht.routing.RoutingTable;
import io.dht.storage.PeerStore;
import io.dht.storage.QueryThrottle;
import io.dht.storage.ScrapeFilter;
import io.dht.storage.TokenIssuer;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The Mainline DHT protocol state machine, free of I/O: it is driven by {@link #onDatagram}, {@link #tick} and
 * the command methods, and acts only through its {@link Transport}. Not thread-safe: exactly one thread (the
 * runtime's loop, or the simulator) may call it. Futures complete on that thread, so their callbacks must not
 * block.
 */
public final class DhtNode {
  private static final System.Logger LOG = System.getLogger(DhtNode.class.getName());
  private static final long SECOND = 1_000_000_000L;
  private static final long MAINTENANCE_PERIOD = 5 * SECOND;
  /**
   * The longest an idle node's maintenance sleeps (see {@link #maintain}): a bound for anything a sleeping node
   * might have missed, and the period of peer expiry.
   */
  private static final long MAX_MAINTENANCE_SLEEP = 60 * SECOND;
  private static final long PING_STALEST_PERIOD = 10 * SECOND;
  private static final long EXPIRY_PERIOD = 60 * SECOND;
  /** Unknown queriers pinged at once to verify them before they may enter the table. */
  private static final int MAX_VERIFICATIONS = 32;
  /** Saved contacts used as extra bootstrap seeds. */
  private static final int MAX_SAVED_SEEDS = 64;

  /** BEP 51: at most this many info-hashes per sample (20 x 20 bytes, as libtorrent). */
  private static final int MAX_SAMPLES = 20;
  /** Source IPs whose query rate is tracked at once. */
  private static final int THROTTLE_TRACKED_IPS = 4096;

  private final DhtConfig config;
  private NodeId id;
  private final Transport transport;
  private final MonotonicClock clock;
  private final RandomGenerator random;
  private final BString version;
  private RoutingTable table4;
  private RoutingTable table6;
  private final TokenIssuer tokens;
  private final PeerStore peers;
  private final ItemStore items;
  private final RttEstimator rtt;
  private final QueryThrottle throttle;
  private final ExternalAddressVote addressVote = new ExternalAddressVote(32, 4);
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final Map<Integer, Rpc> pending = new HashMap<>();
  private final Set<Endpoint> pinging = new HashSet<>();
  private final TreeMap<Long, CompletableFuture<?>> operations = new TreeMap<>();
  private final List<Contact> savedContacts = new ArrayList<>();
  private long timerSeq;
  private long operationSeq;
  private long lastStalestPing;
  private long lastExpiry;
  /** When the next periodic lookup of our own id is due (see {@link #maintain}). */
  private long nextSelfLookup;
  /** The next run of {@link #maintain}. */
  private Timer maintenanceTimer;
  private int maintenanceLookups;
  private boolean closed;
  /**
   * Where {@link #replyDirect} writes replies, reused for every one: the {@link Transport} contract forbids keeping
   * {@code data} after {@code send} returns, and no reply it writes exceeds {@code maxReplyBytes}.
   */
  private final byte[] replyBuffer;

  // counters
  private long datagramsIn;
  private long datagramsOut;
  private long bytesIn;
  private long bytesOut;
  private long queriesIn;
  private long pingsIn;
  private long findNodesIn;
  private long getPeersIn;
  private long announcesIn;
  private long unknownQueriesIn;
  private long responsesIn;
  private long errorsIn;
  private long undecodable;
  private long unsolicited;
  private long errorsSent;
  private long invalidTokens;
  private long timeouts;
  private long rpcsRejected;
  private long lookupsStarted;
  private long lookupsCompleted;
  private int lookupsActive;
  private long internalErrors;
  private long throttled;
  private long idChanges;
  private long itemGetsIn;
  private long itemPutsIn;
  private long repliesDropped;
  private long samplesIn;
  /**
   * Queries sent, by method: {@link #methodSlot}. Responses sent are not counted: every datagram out is a query, a
   * response or an error, so they are {@code datagramsOut} minus the other two (whichever path writes them).
   */
  private final long[] queriesOut = new long[8];
  private final long[] errorsInByCode = new long[ErrorCounts.SLOTS];
  private final long[] errorsSentByCode = new long[ErrorCounts.SLOTS];
  private final long startedNanos;
  private final LookupHistory lookupHistory = new LookupHistory(COMPLETED_LOOKUPS_KEPT);
  private long replyBudgetBytes;
  private long replyBudgetTime;

  // durability (BEP 44 items kept alive through churn)
  private final TreeMap<NodeId, ItemHealth> health = new TreeMap<>();
  private final TreeMap<NodeId, Item> durable = new TreeMap<>();
  private final ArrayDeque<Handoff> handoffs = new ArrayDeque<>();
  private int checksInFlight;
  private long itemsChecked;
  private long repairPutsSent;
  private long handoffsSent;
  private long republishesSent;
  private long lastHandoffRun;

  /** An item to push to a node that became responsible for it. */
  private record Handoff(Contact to, NodeId target) {}

  /** What the last check of a held item found. */
  private static final class ItemHealth {
    long nextCheckNanos;
    int replicas = -1;
    NodeId farthestHolder;
    boolean checking;
  }

  /** BEP 44: stored items expire 2 hours after their last put. */
  public static final long ITEM_TTL_NANOS = 2 * 3600 * SECOND;
  /**
   * The only replies allowed past {@code maxReplyBytes}: BEP 44 gets carrying a value, since a 1000-byte value
   * plus key, signature and id cannot fit in 1,024 bytes. Still within one unfragmented Ethernet datagram.
   */
  static final int ITEM_REPLY_MAX_BYTES = 1400;
  /** Items the default in-memory store keeps. */
  public static final int DEFAULT_MAX_ITEMS = 10_000;
  /** Completed lookups kept for {@link #completedLookupsSince}. */
  public static final int COMPLETED_LOOKUPS_KEPT = 1024;

  public DhtNode(
      DhtConfig config, NodeId id, Transport transport, MonotonicClock clock, RandomGenerator random) {
    this(config, id, transport, clock, random, new MemoryItemStore(id, ITEM_TTL_NANOS, DEFAULT_MAX_ITEMS));
  }

  /** A node keeping BEP 44 items in {@code items} (persistent in the application, in memory otherwise). */
  public DhtNode(
      DhtConfig config,
      NodeId id,
      Transport transport,
      MonotonicClock clock,
      RandomGenerator random,
      ItemStore items) {
    this.items = items;
    this.config = config;
    this.id = id;
    this.transport = transport;
    this.clock = clock;
    this.random = random;
    this.version = KrpcCodec.version(config.clientVersion());
    this.replyBuffer = new byte[config.maxReplyBytes()];
    long now = clock.nanos();
    this.startedNanos = now;
    this.table4 = newTable(id, now);
    this.table6 = newTable(id, now);
    this.throttle =
        new QueryThrottle(config.queryRatePerIp(), config.queryBurstPerIp(), THROTTLE_TRACKED_IPS);
    this.tokens = new TokenIssuer(random, config.tokenRotation().toNanos());
    this.peers =
        new PeerStore(config.peerTtl().toNanos(), config.maxPeersPerInfoHash(), config.maxInfoHashes());
    this.rtt =
        new RttEstimator(
            config.rpcTimeoutInitial().toNanos(),
            config.rpcTimeoutMin().toNanos(),
            config.rpcTimeoutMax().toNanos());
    this.replyBudgetBytes = 3L * config.maxReplyBytesPerSecond();
    this.replyBudgetTime = now;
    this.lastStalestPing = now;
    this.lastExpiry = now;
    this.nextSelfLookup = now + jittered(config.bucketRefreshInterval().toNanos(), 0.1);
    this.maintenanceTimer = schedule(now + MAINTENANCE_PERIOD, this::maintain);
  }

  private RoutingTable newTable(NodeId self, long now) {
    return new RoutingTable(
        self,
        config.k(),
        config.replacementCacheSize(),
        config.maxNodesPerSubnetInBucket(),
        config.oneNodePerIp(),
        config.questionableAfter().toNanos(),
        config.failuresBeforeBad(),
        now);
  }

  /** BEP 32: one table per address family, under the same id. */
  private RoutingTable tableFor(Endpoint endpoint) {
    return endpoint.isIpv6() ? table6 : table4;
  }

  /** Our current id (it changes once if BEP 42 makes us adopt a conforming one). */
  public NodeId id() {
    return id;
  }

  public DhtConfig config() {
    return config;
  }

  // ------------------------------------------------------------------ timers

  private static final class Timer implements Comparable<Timer> {
    final long when;
    final long seq;
    final Runnable action;
    boolean cancelled;

    Timer(long when, long seq, Runnable action) {
      this.when = when;
      this.seq = seq;
      this.action = action;
    }

    @Override
    public int compareTo(Timer o) {
      int c = Long.compare(when, o.when);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private Timer schedule(long when, Runnable action) {
    Timer t = new Timer(when, timerSeq++, action);
    timers.add(t);
    return t;
  }

  /** Fires every timer that is due at the clock's current time. */
  public void tick() {
    if (closed) {
      return;
    }
    long now = clock.nanos();
    int fired = 0;
    while (!timers.isEmpty() && timers.peek().when <= now && fired < 100_000) {
      Timer t = timers.poll();
      if (t.cancelled) {
        continue;
      }
      fired++;
      try {
        t.action.run();
      } catch (RuntimeException e) {
        internalError("timer", e);
      }
      if (closed) {
        return;
      }
    }
  }

  /** The clock time at which {@link #tick()} must next be called; {@code Long.MAX_VALUE} when idle. */
  public long nextDeadlineNanos() {
    while (!timers.isEmpty() && timers.peek().cancelled) {
      timers.poll();
    }
    return closed || timers.isEmpty() ? Long.MAX_VALUE : timers.peek().when;
  }

  /**
   * Periodic upkeep: pings the stalest questionable entry, expires peers and items, checks held items, sends
   * queued handoffs, looks up our own id and refreshes idle buckets. It runs every 5 s while the node holds items,
   * has handoffs queued or maintenance lookups running, or has a questionable entry; otherwise it sleeps until the
   * next thing falls due (an entry turning questionable, a bucket refresh, the self-lookup), at most {@link
   * #MAX_MAINTENANCE_SLEEP} (which also bounds peer expiry), and is woken early when an item is stored or a query
   * times out. An idle node then costs almost nothing between those times (a simulated network of idle nodes runs
   * far faster), and the protocol does the same things at about the same times.
   */
  private void maintain() {
    long now = clock.nanos();
    maintenanceTimer = schedule(now + MAINTENANCE_PERIOD, this::maintain);
    runMaintenance(now);
    if (idleForMaintenance()) {
      long due = Math.min(
          table4.nextMaintenanceNanos(now, config.bucketRefreshInterval().toNanos()),
          table6.nextMaintenanceNanos(now, config.bucketRefreshInterval().toNanos()));
      if (table4.size() + table6.size() > 0) {
        due = Math.min(due, nextSelfLookup);
      }
      long next = Math.max(now + MAINTENANCE_PERIOD, Math.min(due, now + MAX_MAINTENANCE_SLEEP));
      if (next > maintenanceTimer.when) {
        maintenanceTimer.cancelled = true;
        maintenanceTimer = schedule(next, this::maintain);
      }
    }
  }

  /** Nothing that needs a maintenance run every {@link #MAINTENANCE_PERIOD}. */
  private boolean idleForMaintenance() {
    return items.size() == 0
        && health.isEmpty()
        && handoffs.isEmpty()
        && checksInFlight == 0
        && maintenanceLookups == 0;
  }

  /** Brings a sleeping maintenance run forward to {@link #MAINTENANCE_PERIOD} from now. */
  private void wakeMaintenance() {
    long soon = clock.nanos() + MAINTENANCE_PERIOD;
    if (!closed && maintenanceTimer != null && maintenanceTimer.when > soon) {
      maintenanceTimer.cancelled = true;
      maintenanceTimer = schedule(soon, this::maintain);
    }
  }

  private void runMaintenance(long now) {
    if (now - lastStalestPing >= PING_STALEST_PERIOD) {
      lastStalestPing = now;
      table4.stalest(now).ifPresent(c -> pingForTable(c.endpoint(), c.id()));
      table6.stalest(now).ifPresent(c -> pingForTable(c.endpoint(), c.id()));
    }
    if (now - lastExpiry >= EXPIRY_PERIOD) {
      lastExpiry = now;
      peers.expire(now);
      items.expire(now);
    }
    scheduleItemChecks(now);
    runHandoffs(now);
    // Our own neighbourhood is looked up every refresh interval even when its bucket looks busy: replies from the
    // entries we already know keep the deepest bucket "changed", so an idle-bucket refresh never runs there, and
    // after a mass crash the neighbours' full buckets of dead (not yet failed) entries would keep newcomers that
    // became our closest nodes invisible until something else made us meet them.
    if (now >= nextSelfLookup && maintenanceLookups == 0 && table4.size() + table6.size() > 0) {
      nextSelfLookup = now + jittered(config.bucketRefreshInterval().toNanos(), 0.1);
      maintenanceLookups++;
      startLookup(id, LookupKind.FIND_NODE, (lookup, task) -> maintenanceLookups--);
    }
    for (RoutingTable table : new RoutingTable[] {table4, table6}) {
      if (maintenanceLookups == 0 && table.size() > 0) {
        for (NodeId target :
            table.refreshTargets(now, config.bucketRefreshInterval().toNanos(), random)) {
          maintenanceLookups++;
          startLookup(
              new LookupTask(target, LookupKind.FIND_NODE, LookupPurpose.REFRESH),
              List.of(),
              (lookup, task) -> maintenanceLookups--);
        }
      }
    }
  }

  // ------------------------------------------------------------------ RPC

  /** What a query's sender wants to hear about it. */
  private interface RpcCallback {
    void onResponse(Response response, Endpoint from, long rttNanos);

    void onError(ErrorReply error);

    void onTimeout();

    /** The query is slower than usual (srtt + 2 rttvar): a lookup sends another one besides it. */
    default void onSlow() {}

    /** The query is slower than nearly every recent reply: a lookup may stop waiting on it to finish. */
    default void onStraggling() {}
  }

  private final class Rpc {
    final int tid;
    final Endpoint to;
    final long sentNanos;
    final RpcCallback callback;
    Timer timeout;
    Timer slow;
    Timer straggle;

    Rpc(int tid, Endpoint to, long sentNanos, RpcCallback callback) {
      this.tid = tid;
      this.to = to;
      this.sentNanos = sentNanos;
      this.callback = callback;
    }

    void finish() {
      pending.remove(tid);
      timeout.cancelled = true;
      if (straggle != null) {
        straggle.cancelled = true;
        slow.cancelled = true;
      }
    }
  }

  private boolean sendQuery(
      Endpoint to, String method, BDictionary.Builder args, RpcCallback callback, boolean notifyStraggling) {
    if (closed || pending.size() >= config.maxInFlightRpcs()) {
      rpcsRejected++;
      return false;
    }
    int tid = -1;
    for (int attempt = 0; attempt < 16; attempt++) {
      int candidate = random.nextInt(1 << 16);
      if (!pending.containsKey(candidate)) {
        tid = candidate;
        break;
      }
    }
    if (tid < 0) {
      rpcsRejected++;
      return false;
    }
    BString tidBytes = BString.of(new byte[] {(byte) (tid >>> 8), (byte) tid});
    if (transport.dualStack()
        && (method.equals("find_node") || method.equals("get_peers") || method.equals("get"))) {
      args.put("want", BList.of(BString.utf8("n4"), BString.utf8("n6")));
    }
    byte[] bytes = KrpcCodec.encodeQuery(tidBytes, method, id, args, version, config.readOnly());
    long now = clock.nanos();
    Rpc rpc = new Rpc(tid, to, now, callback);
    pending.put(tid, rpc);
    rpc.timeout = schedule(now + rtt.timeoutNanos(), () -> timeout(rpc));
    if (notifyStraggling) {
      rpc.slow = schedule(now + rtt.slowNanos(), callback::onSlow);
      rpc.straggle = schedule(now + rtt.stragglerNanos(), callback::onStraggling);
    }
    queriesOut[methodSlot(method)]++;
    send(to, bytes);
    return true;
  }

  /** The counter of queries sent with {@code method} (the last slot: any other method). */
  private static int methodSlot(String method) {
    switch (method) {
      case "ping":
        return 0;
      case "find_node":
        return 1;
      case "get_peers":
        return 2;
      case "announce_peer":
        return 3;
      case "get":
        return 4;
      case "put":
        return 5;
      case "sample_infohashes":
        return 6;
      default:
        return 7;
    }
  }

  private void timeout(Rpc rpc) {
    if (pending.get(rpc.tid) != rpc) {
      return;
    }
    rpc.finish();
    timeouts++;
    tableFor(rpc.to).onTimeout(rpc.to, clock.nanos());
    wakeMaintenance(); // the entry may now be questionable: the stalest-ping rule looks at it within seconds
    rpc.callback.onTimeout();
  }

  private void send(Endpoint to, byte[] bytes) {
    datagramsOut++;
    bytesOut += bytes.length;
    transport.send(to, bytes, 0, bytes.length);
  }

  // ------------------------------------------------------------------ incoming

  /** Handles one received datagram; never throws for any content. */
  public void onDatagram(Endpoint from, byte[] data, int offset, int length) {
    if (closed) {
      return;
    }
    datagramsIn++;
    bytesIn += length;
    Message message;
    try {
      message = KrpcCodec.decode(data, offset, length);
    } catch (DecodeException e) {
      undecodable++;
      return;
    } catch (MalformedMessageException e) {
      undecodable++;
      // a malformed query is still a query: read-only nodes stay silent and the per-IP rate applies
      if (e.isQuery() && e.transactionId().isPresent() && !config.readOnly()) {
        if (throttle.allow(from.address(), clock.nanos())) {
          sendError(from, e.transactionId().get(), ErrorCode.PROTOCOL, e.getMessage());
        } else {
          throttled++;
        }
      }
      return;
    } catch (RuntimeException e) {
      internalError("decode", e);
      return;
    }
    try {
      if (message instanceof Query q) {
        if (config.readOnly()) {
          return; // BEP 43: a read-only node answers no queries
        }
        if (!throttle.allow(from.address(), clock.nanos())) {
          throttled++;
          return;
        }
        handleQuery(from, q);
      } else if (message instanceof Response r) {
        handleResponse(from, r);
      } else if (message instanceof ErrorReply e) {
        handleError(from, e);
      } else {
        throw new AssertionError(message);
      }
    } catch (RuntimeException e) {
      internalError("handle", e);
    }
  }

  private void internalError(String where, RuntimeException e) {
    internalErrors++;
    LOG.log(System.Logger.Level.ERROR, "node " + id + ": unexpected failure in " + where, e);
  }

  private Rpc match(Endpoint from, BString tid) {
    if (tid.length() != 2) {
      return null;
    }
    int key = (tid.byteAt(0) & 0xff) << 8 | (tid.byteAt(1) & 0xff);
    Rpc rpc = pending.get(key);
    if (rpc == null || !rpc.to.equals(from)) {
      return null;
    }
    return rpc;
  }

  private void handleResponse(Endpoint from, Response r) {
    Rpc rpc = match(from, r.transactionId());
    if (rpc == null) {
      unsolicited++;
      return;
    }
    responsesIn++;
    rpc.finish();
    long now = clock.nanos();
    long sample = now - rpc.sentNanos;
    rtt.sample(sample);
    r.requesterAddress().ifPresent(ip -> considerExternalAddress(from, ip.address()));
    rpc.callback.onResponse(r, from, sample);
  }

  private void handleError(Endpoint from, ErrorReply e) {
    Rpc rpc = match(from, e.transactionId());
    if (rpc == null) {
      unsolicited++;
      return;
    }
    errorsIn++;
    errorsInByCode[ErrorCounts.slot(e.code())]++;
    rpc.finish();
    rpc.callback.onError(e);
  }

  private void handleQuery(Endpoint from, Query query) {
    queriesIn++;
    long now = clock.nanos();
    Contact sender = new Contact(query.sender(), from);
    if (!query.readOnly()) {
      RoutingTable table = tableFor(from);
      table.onQuery(sender, now);
      // mldht's id-mismatch rule: a known IP with a new id is not believed until the old entry fails to answer
      Optional<Contact> atAddress = table.contactAt(from.address());
      if (atAddress.isPresent() && !atAddress.get().id().equals(sender.id())) {
        pingForTable(atAddress.get().endpoint(), atAddress.get().id());
      }
      // an unknown querier with room in its bucket, or a known one that has failed since it last answered (it
      // restarted, or moved): its answer to a ping puts it in the table, or back in the lookups' answers
      if (pinging.size() < MAX_VERIFICATIONS && table.wouldAccept(sender, now)) {
        pingForTable(from, sender.id());
      }
    }
    if (query instanceof Query.Ping p) {
      pingsIn++;
      replyDirect(from, p.transactionId(), null, null, null, null);
    } else if (query instanceof Query.FindNode f) {
      findNodesIn++;
      replyWithNodes(from, f.transactionId(), f.target(), f.want());
    } else if (query instanceof Query.GetPeers g) {
      getPeersIn++;
      answerGetPeers(from, g, now);
    } else if (query instanceof Query.AnnouncePeer a) {
      announcesIn++;
      answerAnnounce(from, a, now);
    } else if (query instanceof Query.Get g) {
      itemGetsIn++;
      answerGet(from, g, now);
    } else if (query instanceof Query.Put p) {
      itemPutsIn++;
      answerPut(from, p, now);
    } else if (query instanceof Query.SampleInfohashes s) {
      samplesIn++;
      answerSample(from, s);
    } else if (query instanceof Query.Unknown u) {
      unknownQueriesIn++;
      if (u.target().isPresent()) {
        replyWithNodes(from, u.transactionId(), u.target().get(), u.want());
      } else {
        sendError(from, u.transactionId(), ErrorCode.METHOD_UNKNOWN, "method unknown: " + u.method());
      }
    } else {
      throw new AssertionError(query);
    }
  }

  private void answerGetPeers(Endpoint from, Query.GetPeers g, long now) {
    BString token = tokens.issue(from.address(), g.infoHash(), now);
    long nodesNow = clock.nanos();
    boolean v6 = from.isIpv6();
    List<Contact> nodes = g.want().wantsV4(v6) ? table4.closest(g.infoHash(), config.k(), nodesNow) : null;
    List<Contact> nodes6 = g.want().wantsV6(v6) ? table6.closest(g.infoHash(), config.k(), nodesNow) : null;
    Optional<ScrapeFilter[]> filters = g.scrape() ? peers.scrape(g.infoHash(), now) : Optional.empty();
    if (filters.isEmpty()) {
      // No bloom filters (the common case): written directly, with the same decisions as the general path below
      // and its byte-for-byte result, sized arithmetically instead of by trial encodings.
      BString tid = g.transactionId();
      if (directReplyLength(from, tid, nodes, nodes6, token, null) > config.maxReplyBytes()) {
        nodes6 = null;
        if (directReplyLength(from, tid, nodes, null, token, null) > config.maxReplyBytes()) {
          nodes = null;
        }
      }
      int base = directReplyLength(from, tid, nodes, nodes6, token, null);
      List<Endpoint> values = peers.peers(g.infoHash(), valuesRoom(base, v6), v6, g.noSeed(), now);
      replyDirect(from, tid, nodes, nodes6, token, values.isEmpty() ? null : values);
      return;
    }
    BDictionary.Builder body = BDictionary.builder();
    body.put("token", token);
    if (nodes != null) {
      body.put("nodes", KrpcCodec.compactNodes(nodes));
    }
    if (nodes6 != null) {
      body.put("nodes6", KrpcCodec.compactNodes(nodes6));
    }
    body.put("BFsd", filters.get()[0].toBytes());
    body.put("BFpe", filters.get()[1].toBytes());
    // BEP 33: two bloom filters take 530 bytes; drop node lists (IPv6 first) until the reply fits.
    for (String optional : new String[] {"nodes6", "nodes"}) {
      if (KrpcCodec.encodeResponse(g.transactionId(), id, copy(body), from, version).length
          > config.maxReplyBytes()) {
        body = without(body, optional);
      }
    }
    int base = KrpcCodec.encodeResponse(g.transactionId(), id, copy(body), from, version).length;
    List<Endpoint> values = peers.peers(g.infoHash(), valuesRoom(base, v6), v6, g.noSeed(), now);
    if (!values.isEmpty()) {
      body.put("values", KrpcCodec.compactPeers(values));
    }
    reply(from, g.transactionId(), body);
  }

  /**
   * How many peers fit in a get_peers reply of {@code base} bytes without {@code values}: 8 bytes each for IPv4
   * ({@code 6:} and 6 bytes), 21 for IPv6, plus {@code 6:valuesl} and {@code e}.
   */
  private int valuesRoom(int base, boolean v6) {
    int perValue = v6 ? 3 + Endpoint.COMPACT_V6 : 2 + Endpoint.COMPACT_V4;
    return (config.maxReplyBytes() - base - "6:valuesle".length()) / perValue;
  }

  private static BDictionary.Builder without(BDictionary.Builder b, String key) {
    BDictionary built = b.build();
    BDictionary.Builder out = BDictionary.builder();
    built.entries().forEach((k, v) -> {
      if (!k.asUtf8().equals(key)) {
        out.put(k, v);
      }
    });
    return out;
  }

  private static BDictionary.Builder copy(BDictionary.Builder b) {
    BDictionary built = b.build();
    BDictionary.Builder out = BDictionary.builder();
    built.entries().forEach(out::put);
    return out;
  }

  private void answerAnnounce(Endpoint from, Query.AnnouncePeer a, long now) {
    if (!tokens.isValid(a.token(), from.address(), a.infoHash(), now)) {
      invalidTokens++;
      sendError(from, a.transactionId(), ErrorCode.PROTOCOL, "bad token");
      return;
    }
    int port = a.impliedPort() ? from.port() : a.port();
    if (port < 1 || port > 65535) {
      sendError(from, a.transactionId(), ErrorCode.PROTOCOL, "bad port");
      return;
    }
    peers.announce(a.infoHash(), new Endpoint(from.address(), port), a.seed(), now);
    replyDirect(from, a.transactionId(), null, null, null, null);
  }

  // ------------------------------------------------------------------ BEP 44 server

  private void answerGet(Endpoint from, Query.Get g, long now) {
    BDictionary.Builder body = BDictionary.builder();
    body.put("token", tokens.issue(from.address(), g.target(), now));
    Optional<Item> stored = items.get(g.target(), now);
    if (stored.isPresent()) {
      Item item = stored.get();
      if (item instanceof MutableItem m) {
        body.put("seq", m.seq());
        if (g.seq().isEmpty() || g.seq().getAsLong() < m.seq()) {
          body.put("k", m.publicKey());
          body.put("sig", m.signature());
          body.put("v", decodeValue(m.value()));
        }
      } else {
        body.put("v", decodeValue(item.value()));
      }
    }
    BDictionary.Builder withNodes = copy(body);
    putNodes(withNodes, from, g.target(), g.want());
    byte[] full = KrpcCodec.encodeResponse(g.transactionId(), id, copy(withNodes), from, version);
    // A 1000-byte value leaves no room for nodes within the datagram budget: send the item without them.
    if (stored.isEmpty()) {
      reply(from, g.transactionId(), withNodes);
    } else {
      BDictionary.Builder chosen = full.length <= config.maxReplyBytes() ? withNodes : body;
      // only a reply that carries the value may use the larger budget
      boolean carriesValue = chosen.build().containsKey("v");
      reply(from, g.transactionId(), chosen, carriesValue ? ITEM_REPLY_MAX_BYTES : config.maxReplyBytes());
    }
  }

  private static BValue decodeValue(BString raw) {
    try {
      byte[] b = raw.toByteArray();
      return Bencode.decode(b, 0, b.length, DecodeLimits.krpc());
    } catch (DecodeException e) {
      throw new IllegalStateException("stored items hold valid bencode", e);
    }
  }

  private void answerPut(Endpoint from, Query.Put p, long now) {
    BString tid = p.transactionId();
    if (p.value().length() > Item.MAX_VALUE_BYTES) {
      sendError(from, tid, ErrorCode.VALUE_TOO_BIG, "v too big: " + p.value().length() + " > 1000 bytes");
      return;
    }
    Item item;
    if (p.publicKey().isPresent()) {
      BString k = p.publicKey().get();
      BString sig = p.signature().orElseThrow();
      long seq = p.seq().orElseThrow();
      if (p.salt().length() > MutableItem.MAX_SALT_BYTES) {
        sendError(from, tid, ErrorCode.SALT_TOO_BIG, "salt too big: " + p.salt().length() + " > 64 bytes");
        return;
      }
      if (k.length() != 32 || sig.length() != 64) {
        sendError(from, tid, ErrorCode.PROTOCOL, "k must be 32 bytes and sig 64 bytes");
        return;
      }
      if (seq < 0) {
        sendError(from, tid, ErrorCode.PROTOCOL, "invalid (negative) sequence number");
        return;
      }
      MutableItem m = new MutableItem(k, p.salt(), seq, p.value(), sig);
      if (!tokens.isValid(p.token(), from.address(), m.target(), now)) {
        invalidTokens++;
        sendError(from, tid, ErrorCode.PROTOCOL, "bad token");
        return;
      }
      if (!m.verify()) {
        sendError(from, tid, ErrorCode.INVALID_SIGNATURE, "invalid signature");
        return;
      }
      item = m;
    } else {
      item = new ImmutableItem(p.value());
      if (!tokens.isValid(p.token(), from.address(), item.target(), now)) {
        invalidTokens++;
        sendError(from, tid, ErrorCode.PROTOCOL, "bad token");
        return;
      }
    }
    switch (storeItem(item, p.cas(), now)) {
      case 0 -> reply(from, tid, BDictionary.builder());
      case ErrorCode.CAS_MISMATCH -> {
        long storedSeq = ((MutableItem) items.get(item.target(), now).orElseThrow()).seq();
        sendError(from, tid, ErrorCode.CAS_MISMATCH, "cas mismatch: stored seq is " + storedSeq);
      }
      case ErrorCode.SEQUENCE_TOO_LOW ->
          sendError(from, tid, ErrorCode.SEQUENCE_TOO_LOW, "sequence number less than current");
      default -> sendError(from, tid, ErrorCode.SERVER, "item store full");
    }
  }

  /**
   * Stores a valid item unless BEP 44's rules for the version we hold forbid it: with {@code cas}, our stored seq
   * must equal it (301); a mutable item's seq must not be lower than ours, nor equal with another value (302).
   * Returns 0 when stored, else the error code (202 when the store is full).
   */
  private int storeItem(Item item, OptionalLong cas, long now) {
    if (item instanceof MutableItem m
        && items.get(m.target(), now).orElse(null) instanceof MutableItem old) {
      if (cas.isPresent() && cas.getAsLong() != old.seq()) {
        return ErrorCode.CAS_MISMATCH;
      }
      if (m.seq() < old.seq() || (m.seq() == old.seq() && !old.value().equals(m.value()))) {
        return ErrorCode.SEQUENCE_TOO_LOW;
      }
    }
    if (!items.put(item, now)) {
      return ErrorCode.SERVER;
    }
    wakeMaintenance(); // held items are checked and handed off by maintenance
    return 0;
  }

  /** A reply with BEP 32's {@code nodes} and/or {@code nodes6} (as {@link #putNodes}), written directly. */
  private void replyWithNodes(Endpoint from, BString tid, NodeId target, Want want) {
    long now = clock.nanos();
    boolean v6 = from.isIpv6();
    List<Contact> nodes = want.wantsV4(v6) ? table4.closest(target, config.k(), now) : null;
    List<Contact> nodes6 = want.wantsV6(v6) ? table6.closest(target, config.k(), now) : null;
    replyDirect(from, tid, nodes, nodes6, null, null);
  }

  /** BEP 32: {@code nodes} and/or {@code nodes6}, the k closest of each family asked for. */
  private void putNodes(BDictionary.Builder body, Endpoint requester, NodeId target, Want want) {
    long now = clock.nanos();
    boolean v6 = requester.isIpv6();
    if (want.wantsV4(v6)) {
      body.put("nodes", KrpcCodec.compactNodes(table4.closest(target, config.k(), now)));
    }
    if (want.wantsV6(v6)) {
      body.put("nodes6", KrpcCodec.compactNodes(table6.closest(target, config.k(), now)));
    }
  }

  /** BEP 51: a random sample of the info-hashes we store, how many we store, and nodes close to target. */
  private void answerSample(Endpoint from, Query.SampleInfohashes q) {
    BDictionary.Builder body = BDictionary.builder();
    putNodes(body, from, q.target(), q.want());
    List<NodeId> sample = peers.sample(MAX_SAMPLES, random);
    byte[] samples = new byte[sample.size() * NodeId.LENGTH];
    for (int i = 0; i < sample.size(); i++) {
      sample.get(i).writeTo(samples, i * NodeId.LENGTH);
    }
    body.put("samples", samples);
    body.put("num", peers.infoHashCount());
    body.put("interval", config.sampleInterval().getSeconds());
    reply(from, q.transactionId(), body);
  }

  private void reply(Endpoint to, BString tid, BDictionary.Builder body) {
    reply(to, tid, body, config.maxReplyBytes());
  }

  /**
   * Sends a reply no larger than {@code maxBytes}. Only a BEP 44 get carrying a value may exceed the 1,024-byte
   * budget (a 1000-byte value plus key, signature and id cannot fit in it); everything else stays within it.
   */
  private void reply(Endpoint to, BString tid, BDictionary.Builder body, int maxBytes) {
    byte[] bytes = KrpcCodec.encodeResponse(tid, id, body, to, version);
    if (bytes.length > maxBytes) {
      return; // only an absurd transaction id can do this; an oversized reply is never sent
    }
    if (withinReplyBudget(bytes.length)) {
      send(to, bytes);
    }
  }

  /**
   * Sends a reply written straight into {@link #replyBuffer} by {@link KrpcCodec#writeResponse}, without a bencode
   * tree: byte for byte what {@link #reply(Endpoint, BString, BDictionary.Builder)} sends for a body of our {@code
   * id} and the given parts (each left out when null), with the same size limit, reply-bytes budget and counters.
   */
  private void replyDirect(
      Endpoint to,
      BString tid,
      List<Contact> nodes,
      List<Contact> nodes6,
      BString token,
      List<Endpoint> values) {
    int length = directReplyLength(to, tid, nodes, nodes6, token, values);
    if (length > config.maxReplyBytes()) {
      return; // only an absurd transaction id can do this; an oversized reply is never sent
    }
    if (withinReplyBudget(length)) {
      KrpcCodec.writeResponse(replyBuffer, 0, tid, id, nodes, nodes6, token, values, to, version);
      datagramsOut++;
      bytesOut += length;
      transport.send(to, replyBuffer, 0, length);
    }
  }

  private int directReplyLength(
      Endpoint to,
      BString tid,
      List<Contact> nodes,
      List<Contact> nodes6,
      BString token,
      List<Endpoint> values) {
    return KrpcCodec.responseLength(tid, nodes, nodes6, token, values, to, version);
  }

  private void sendError(Endpoint to, BString tid, int code, String text) {
    byte[] bytes = KrpcCodec.encodeError(tid, code, text, to, version);
    if (bytes.length > config.maxReplyBytes() || !withinReplyBudget(bytes.length)) {
      return;
    }
    errorsSent++;
    errorsSentByCode[ErrorCounts.slot(code)]++;
    send(to, bytes);
  }

  /** The reply-bytes cap: a token bucket of {@code maxReplyBytesPerSecond} with 3 s of burst. */
  private boolean withinReplyBudget(int bytes) {
    int rate = config.maxReplyBytesPerSecond();
    if (rate == 0) {
      return true;
    }
    long now = clock.nanos();
    long cap = 3L * rate;
    long elapsed = Math.max(0, now - replyBudgetTime);
    replyBudgetTime = now;
    long refill = elapsed >= 3 * SECOND ? cap : elapsed * rate / SECOND;
    replyBudgetBytes = Math.min(cap, replyBudgetBytes + refill);
    if (replyBudgetBytes < bytes) {
      repliesDropped++;
      return false;
    }
    replyBudgetBytes -= bytes;
    return true;
  }

  // ------------------------------------------------------------------ routing-table upkeep

  /** Pings a node so that it enters the table if it answers (verification, ping-before-evict, freshness). */
  private void pingForTable(Endpoint endpoint, NodeId expected) {
    if (!pinging.add(endpoint)) {
      return;
    }
    boolean sent =
        sendQuery(
            endpoint,
            "ping",
            BDictionary.builder(),
            new RpcCallback() {
              @Override
              public void onResponse(Response r, Endpoint from, long rttNanos) {
                pinging.remove(endpoint);
                if (expected == null || r.responder().equals(expected)) {
                  learn(new Contact(r.responder(), from));
                } else {
                  // another id answers at the address we knew: the old entry has failed
                  tableFor(endpoint).onTimeout(endpoint, clock.nanos());
                }
              }

              @Override
              public void onError(ErrorReply error) {
                pinging.remove(endpoint);
              }

              @Override
              public void onTimeout() {
                pinging.remove(endpoint);
              }
            },
            false);
    if (!sent) {
      pinging.remove(endpoint);
    }
  }

  /** A node answered us: into the table, and ping the questionable entries the table wants checked. */
  private void learn(Contact contact) {
    RoutingTable table = tableFor(contact.endpoint());
    boolean known = table.contains(contact.id());
    for (Contact questionable : table.onReply(contact, clock.nanos())) {
      pingForTable(questionable.endpoint(), questionable.id());
    }
    if (!known && table.contains(contact.id())) {
      onNewNode(contact);
    }
  }

  // ------------------------------------------------------------------ commands

  /** Like {@link #track}, and refused when {@code maxConcurrentLookups} lookups are already running. */
  private <T> CompletableFuture<T> trackLookup(CompletableFuture<T> future) {
    if (!closed && lookupsActive >= config.maxConcurrentLookups()) {
      future.completeExceptionally(
          new DhtException("too many lookups in flight (" + lookupsActive + "); try again later"));
      return future;
    }
    return track(future);
  }

  private <T> CompletableFuture<T> track(CompletableFuture<T> future) {
    if (closed) {
      future.completeExceptionally(new NodeClosedException());
      return future;
    }
    long key = operationSeq++;
    operations.put(key, future);
    future.whenComplete((v, e) -> operations.remove(key));
    return future;
  }

  /** Pings an endpoint; completes with the responder's contact or fails with {@link RpcTimeoutException}. */
  public CompletableFuture<PingResult> ping(Endpoint endpoint) {
    CompletableFuture<PingResult> future = track(new CompletableFuture<>());
    if (future.isDone()) {
      return future;
    }
    boolean sent =
        sendQuery(
            endpoint,
            "ping",
            BDictionary.builder(),
            new RpcCallback() {
              @Override
              public void onResponse(Response r, Endpoint from, long rttNanos) {
                Contact c = new Contact(r.responder(), from);
                learn(c);
                future.complete(new PingResult(c, rttNanos));
              }

              @Override
              public void onError(ErrorReply e) {
                future.completeExceptionally(
                    new DhtException(endpoint + " answered error " + e.code() + ": " + e.message()));
              }

              @Override
              public void onTimeout() {
                future.completeExceptionally(new RpcTimeoutException(endpoint));
              }
            },
            false);
    if (!sent) {
      future.completeExceptionally(new DhtException("too many queries in flight"));
    }
    return future;
  }

  /**
   * Sends find_node(our id) to the seeds and to contacts restored from a saved table, then looks up our own id to
   * fill the routing table. Fails only when nobody answered and the table is empty.
   */
  public CompletableFuture<LookupResult> bootstrap(List<Endpoint> seeds) {
    CompletableFuture<LookupResult> future = track(new CompletableFuture<>());
    if (future.isDone()) {
      return future;
    }
    Set<Endpoint> targets = new LinkedHashSet<>(seeds);
    for (Contact c : savedContacts) {
      if (targets.size() >= seeds.size() + MAX_SAVED_SEEDS) {
        break;
      }
      targets.add(c.endpoint());
    }
    savedContacts.clear();
    List<Contact> learned = new ArrayList<>();
    int[] outstanding = {0};
    Runnable maybeLookup =
        () -> {
          if (outstanding[0] > 0 || future.isDone()) {
            return;
          }
          if (table4.size() + table6.size() == 0 && learned.isEmpty()) {
            future.completeExceptionally(
                new DhtException("bootstrap failed: none of " + targets.size() + " contacts answered"));
            return;
          }
          startLookup(
              new LookupTask(id, LookupKind.FIND_NODE, LookupPurpose.BOOTSTRAP),
              learned,
              (lookup, task) -> refreshAllBuckets(() -> future.complete(task.lookupResult(lookup))));
        };
    for (Endpoint seed : targets) {
      boolean sent =
          sendQuery(
              seed,
              "find_node",
              BDictionary.builder().put("target", id.toBytes()),
              new RpcCallback() {
                @Override
                public void onResponse(Response r, Endpoint from, long rttNanos) {
                  Contact c = new Contact(r.responder(), from);
                  learn(c);
                  learned.add(c);
                  learned.addAll(familyNodes(r, from));
                  outstanding[0]--;
                  maybeLookup.run();
                }

                @Override
                public void onError(ErrorReply error) {
                  outstanding[0]--;
                  maybeLookup.run();
                }

                @Override
                public void onTimeout() {
                  outstanding[0]--;
                  maybeLookup.run();
                }
              },
              false);
      if (sent) {
        outstanding[0]++;
      }
    }
    maybeLookup.run();
    return future;
  }

  /**
   * Kademlia's join: after the self-lookup, look up a random id in every bucket farther than our closest
   * neighbours, so the table knows nodes at every distance (not only near our own id). Runs the lookups in
   * parallel; {@code done} runs when all have finished.
   */
  private void refreshAllBuckets(Runnable done) {
    List<NodeId> targets = new ArrayList<>();
    for (RoutingTable table : new RoutingTable[] {table4, table6}) {
      if (table.size() == 0) {
        continue;
      }
      for (int i = 0; i < table.bucketCount() - 1; i++) {
        targets.add(table.randomIdInBucket(i, random));
      }
    }
    int[] outstanding = {targets.size()};
    if (targets.isEmpty()) {
      done.run();
      return;
    }
    for (NodeId target : targets) {
      startLookup(
          new LookupTask(target, LookupKind.FIND_NODE, LookupPurpose.REFRESH),
          List.of(),
          (lookup, task) -> {
            if (--outstanding[0] == 0) {
              done.run();
            }
          });
    }
  }

  /** Iterative find_node for {@code target}. */
  public CompletableFuture<LookupResult> findNode(NodeId target) {
    CompletableFuture<LookupResult> future = trackLookup(new CompletableFuture<>());
    if (!future.isDone()) {
      startLookup(target, LookupKind.FIND_NODE, (lookup, task) -> future.complete(task.lookupResult(lookup)));
    }
    return future;
  }

  /** Iterative get_peers for {@code infoHash}. */
  public CompletableFuture<PeersResult> getPeers(NodeId infoHash) {
    return getPeers(infoHash, null);
  }

  /**
   * As {@link #getPeers(NodeId)}, also handing {@code onNewPeers} the peers of each reply that were not seen before,
   * as they arrive (on this node's thread, before the future completes; it must not block): a BitTorrent client can
   * connect to the first peers while the lookup runs on to the k closest. An exception it throws is logged and
   * ignored.
   */
  public CompletableFuture<PeersResult> getPeers(NodeId infoHash, Consumer<List<Endpoint>> onNewPeers) {
    CompletableFuture<PeersResult> future = trackLookup(new CompletableFuture<>());
    if (!future.isDone()) {
      LookupTask task = new LookupTask(infoHash, LookupKind.GET_PEERS);
      task.onNewPeers = onNewPeers;
      startLookup(task, List.of(), (lookup, t) -> future.complete(t.peersResult(lookup)));
    }
    return future;
  }

  /** get_peers, then announce_peer to the k closest that gave a token; port 0 means implied_port. */
  public CompletableFuture<AnnounceResult> announce(NodeId infoHash, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range 0..65535: " + port);
    }
    CompletableFuture<AnnounceResult> future = trackLookup(new CompletableFuture<>());
    if (!future.isDone()) {
      startLookup(
          new LookupTask(infoHash, LookupKind.GET_PEERS, LookupPurpose.ANNOUNCE),
          List.of(),
          (lookup, task) -> announceTo(infoHash, port, task, lookup, future));
    }
    return future;
  }

  private void announceTo(
      NodeId infoHash, int port, LookupTask task, Lookup lookup, CompletableFuture<AnnounceResult> future) {
    PeersResult found = task.peersResult(lookup);
    sendToEach(
        task.tokenHolders(lookup),
        "announce_peer",
        c -> {
          BDictionary.Builder args =
              BDictionary.builder()
                  .put("info_hash", infoHash.toBytes())
                  .put("port", port == 0 ? 1L : port)
                  .put("token", task.tokens.get(c.id()));
          if (port == 0) {
            args.put("implied_port", 1L);
          }
          return args;
        },
        outcome -> future.complete(new AnnounceResult(infoHash, port, outcome.acked(), found)));
  }

  /** How the nodes sent a store request (put, announce_peer) answered it. */
  private record StoreOutcome(List<Contact> acked, List<Refusal> refused, List<Contact> unanswered) {}

  /**
   * Sends one query to each target and reports, once all have answered or timed out, those whose reply came from
   * the id we expected, those that answered with an error, and those that did not answer.
   */
  private void sendToEach(
      List<Contact> targets,
      String method,
      Function<Contact, BDictionary.Builder> argsFor,
      Consumer<StoreOutcome> done) {
    StoreOutcome outcome = new StoreOutcome(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    int[] outstanding = {0};
    Runnable maybeDone =
        () -> {
          if (outstanding[0] == 0) {
            done.accept(outcome);
          }
        };
    for (Contact c : targets) {
      RpcCallback callback =
          new RpcCallback() {
            @Override
            public void onResponse(Response r, Endpoint from, long rttNanos) {
              if (r.responder().equals(c.id())) {
                outcome.acked().add(c);
              } else {
                outcome.unanswered().add(c); // someone else now lives at that address
              }
              outstanding[0]--;
              maybeDone.run();
            }

            @Override
            public void onError(ErrorReply e) {
              outcome.refused().add(new Refusal(c, e.code(), e.message()));
              outstanding[0]--;
              maybeDone.run();
            }

            @Override
            public void onTimeout() {
              outcome.unanswered().add(c);
              outstanding[0]--;
              maybeDone.run();
            }
          };
      if (sendQuery(c.endpoint(), method, argsFor.apply(c), callback, false)) {
        outstanding[0]++;
      }
    }
    maybeDone.run();
  }


  // ------------------------------------------------------------------ BEP 44 client

  /**
   * BEP 44 get of {@code target}: the immutable item whose SHA-1 is the target, or the valid mutable item with the
   * highest {@code seq} (its target must equal SHA-1(k ‖ salt); pass the salt the item was stored under, empty for
   * none). Completes with an empty item when no node has it.
   */
  public CompletableFuture<ItemResult> getItem(NodeId target, byte[] salt) {
    CompletableFuture<ItemResult> future = trackLookup(new CompletableFuture<>());
    if (!future.isDone()) {
      LookupTask task = new LookupTask(target, LookupKind.GET);
      task.salt = BString.of(salt);
      startLookup(task, List.of(), (lookup, t) -> future.complete(t.itemResult(lookup)));
    }
    return future;
  }

  /**
   * BEP 44 put: a get lookup collects write tokens (and the seq each node holds), then the item is put to the k
   * closest nodes that returned a token. With {@code cas}, mutable puts carry it (BEP 44's compare-and-swap).
   */
  public CompletableFuture<PutResult> putItem(Item item, OptionalLong cas) {
    CompletableFuture<PutResult> future = trackLookup(new CompletableFuture<>());
    if (future.isDone()) {
      return future;
    }
    LookupTask task = new LookupTask(item.target(), LookupKind.GET, LookupPurpose.PUT);
    if (item instanceof MutableItem m) {
      task.salt = m.salt();
      task.knownSeq = OptionalLong.of(m.seq());
    }
    startLookup(
        task,
        List.of(),
        (lookup, t) -> {
          // Among the k closest ourselves, we keep a copy like any holder. Not when nobody answered (the put
          // failed), nor as a read-only node (BEP 43: nobody asks us, we are transient).
          List<Contact> closest = lookup.closestResponded(config.k());
          boolean local =
              !closest.isEmpty() && !config.readOnly() && amongClosest(item.target(), closest)
                  && storeItem(item, cas, clock.nanos()) == 0;
          sendPuts(item, cas, t.tokenHolders(lookup), t, outcome -> future.complete(
              new PutResult(
                  item.target(), outcome.acked(), outcome.refused(), outcome.unanswered(), local,
                  t.lookupResult(lookup))));
        });
    return future;
  }

  /** Whether we are closer to {@code target} than the k-th of {@code closest} (or it has fewer than k). */
  private boolean amongClosest(NodeId target, List<Contact> closest) {
    return closest.size() < config.k()
        || target.compareDistance(id, closest.get(closest.size() - 1).id()) < 0;
  }

  /** Puts {@code item} to each target (using the tokens in {@code task}); reports how they answered. */
  private void sendPuts(
      Item item, OptionalLong cas, List<Contact> targets, LookupTask task, Consumer<StoreOutcome> done) {
    sendToEach(
        targets,
        "put",
        c -> {
          BDictionary.Builder args =
              BDictionary.builder().put("token", task.tokens.get(c.id())).put("v", decodeValue(item.value()));
          if (item instanceof MutableItem m) {
            args.put("k", m.publicKey()).put("sig", m.signature()).put("seq", m.seq());
            if (m.salt().length() > 0) {
              args.put("salt", m.salt());
            }
            if (cas.isPresent() && task.seqs.containsKey(c.id())) {
              args.put("cas", cas.getAsLong()); // BEP 44: never send cas to a node that returned no data
            }
          }
          return args;
        },
        done);
  }


  // ------------------------------------------------------------------ durability

  private long jittered(long base, double fraction) {
    return base + (long) ((random.nextDouble() * 2 - 1) * fraction * base);
  }

  /**
   * Publisher side: puts {@code item} now and re-puts it every {@code republishInterval} (jittered) until
   * {@link #cancelDurable} (OpenDHT's permanent put). Putting another item with the same target replaces it (a
   * new seq of a mutable item).
   */
  public CompletableFuture<PutResult> putDurable(Item item) {
    NodeId target = item.target();
    durable.put(target, item);
    scheduleRepublish(target, item);
    return putItem(item, OptionalLong.empty());
  }

  private void scheduleRepublish(NodeId target, Item item) {
    long delay = jittered(config.republishInterval().toNanos(), 0.1);
    schedule(
        clock.nanos() + delay,
        () -> {
          if (durable.get(target) == item) {
            republishesSent++;
            putItem(item, OptionalLong.empty());
            scheduleRepublish(target, item);
          }
        });
  }

  /** Stops re-putting a durable item; true if it was durable. */
  public boolean cancelDurable(NodeId target) {
    return durable.remove(target) != null;
  }

  /** The items this node keeps alive as their publisher. */
  public List<Item> durableItems() {
    return new ArrayList<>(durable.values());
  }

  /** Holder side: schedule a jittered check for new items, and start due checks within the concurrency bound. */
  private void scheduleItemChecks(long now) {
    List<NodeId> held = items.targets();
    health.keySet().retainAll(new HashSet<>(held));
    long interval = config.itemCheckInterval().toNanos();
    for (NodeId target : held) {
      ItemHealth h = health.computeIfAbsent(target, t -> new ItemHealth());
      if (h.nextCheckNanos == 0) {
        h.nextCheckNanos = now + jittered(interval, 0.5);
      }
      if (!h.checking && h.nextCheckNanos <= now && checksInFlight < config.maxConcurrentItemChecks()) {
        checkItem(target, h);
      }
    }
  }

  /**
   * Looks up the item's k closest nodes (a get, with our seq for mutable items) and re-puts it to those that lack
   * a copy. We count ourselves as a copy when we are among the k closest, and then refresh our own copy: a node
   * responsible for an item keeps it; a node that no longer is lets it expire after BEP 44's 2 hours.
   */
  private void checkItem(NodeId target, ItemHealth h) {
    Optional<Item> held = items.get(target, clock.nanos());
    if (held.isEmpty()) {
      return;
    }
    Item item = held.get();
    h.checking = true;
    checksInFlight++;
    LookupTask task = new LookupTask(target, LookupKind.GET, LookupPurpose.ITEM_CHECK);
    if (item instanceof MutableItem m) {
      task.salt = m.salt();
      task.knownSeq = OptionalLong.of(m.seq());
    }
    startLookup(
        task,
        List.of(),
        (lookup, t) -> {
          checksInFlight--;
          h.checking = false;
          itemsChecked++;
          List<Contact> closest = lookup.closestResponded(config.k());
          boolean selfInTopK = amongClosest(target, closest);
          if (selfInTopK) {
            // still responsible: keep our own copy alive past BEP 44's 2 hours, even with a silent publisher
            items.put(item, clock.nanos());
          }
          int slots = selfInTopK ? config.k() - 1 : config.k();
          List<Contact> responsible = closest.subList(0, Math.min(slots, closest.size()));
          List<Contact> missing = new ArrayList<>();
          int copies = selfInTopK ? 1 : 0;
          for (Contact c : responsible) {
            if (t.holds(c.id()) || (t.best == null && t.holders.contains(c.id()))) {
              copies++;
            } else if (t.tokens.containsKey(c.id())) {
              missing.add(c);
            }
          }
          h.replicas = copies;
          h.farthestHolder = closest.isEmpty() ? null : closest.get(closest.size() - 1).id();
          h.nextCheckNanos = clock.nanos() + jittered(config.itemCheckInterval().toNanos(), 0.5);
          if (!missing.isEmpty()) {
            repairPutsSent += missing.size();
            sendPuts(item, OptionalLong.empty(), missing, t, stored -> {});
          }
        });
  }

  /** Handoff: a newly met node closer to an item than its farthest known holder gets the item. */
  private void onNewNode(Contact contact) {
    if (config.handoffsPerSecond() == 0) {
      return; // handoff off
    }
    for (Map.Entry<NodeId, ItemHealth> e : health.entrySet()) {
      NodeId farthest = e.getValue().farthestHolder;
      if (farthest != null
          && e.getKey().compareDistance(contact.id(), farthest) < 0
          && handoffs.size() < 4096) {
        handoffs.add(new Handoff(contact, e.getKey()));
      }
    }
  }

  /** Sends queued handoffs at no more than {@code handoffsPerSecond}: get (for a token and its seq), then put. */
  private void runHandoffs(long now) {
    long elapsedSeconds = Math.max(1, (now - lastHandoffRun) / SECOND);
    lastHandoffRun = now;
    long budget = Math.min(elapsedSeconds * config.handoffsPerSecond(), 10L * config.handoffsPerSecond());
    while (budget-- > 0 && !handoffs.isEmpty()) {
      Handoff h = handoffs.poll();
      items.get(h.target(), now).ifPresent(item -> handOff(item, h.to()));
    }
  }

  private void handOff(Item item, Contact to) {
    LookupTask task = new LookupTask(item.target(), LookupKind.GET);
    BDictionary.Builder args = BDictionary.builder().put("target", item.target().toBytes());
    if (item instanceof MutableItem m) {
      task.salt = m.salt();
      task.knownSeq = OptionalLong.of(m.seq());
      args.put("seq", m.seq());
    }
    sendQuery(
        to.endpoint(),
        "get",
        args,
        new RpcCallback() {
          @Override
          public void onResponse(Response r, Endpoint from, long rttNanos) {
            if (!r.responder().equals(to.id()) || r.token().isEmpty()) {
              return;
            }
            task.tokens.put(to.id(), r.token().get());
            task.onItemReply(to.id(), r.body());
            boolean has = item instanceof MutableItem ? task.holds(to.id()) : task.holders.contains(to.id());
            if (!has) {
              handoffsSent++;
              sendPuts(item, OptionalLong.empty(), List.of(to), task, stored -> {});
            }
          }

          @Override
          public void onError(ErrorReply error) {}

          @Override
          public void onTimeout() {}
        },
        false);
  }

  /**
   * Graceful shutdown, first half: puts every held item to the nodes now responsible for it (at most
   * {@code maxConcurrentItemChecks} at a time). Completes with the number of items handed off; close the node
   * afterwards.
   */
  public CompletableFuture<Integer> handOffAll() {
    CompletableFuture<Integer> future = track(new CompletableFuture<>());
    if (future.isDone()) {
      return future;
    }
    ArrayDeque<NodeId> queue = new ArrayDeque<>(items.targets());
    int[] state = {0, 0}; // in flight, handed off
    Runnable[] pump = new Runnable[1];
    pump[0] =
        () -> {
          long now = clock.nanos();
          while (state[0] < config.maxConcurrentItemChecks() && !queue.isEmpty()) {
            Optional<Item> item = items.get(queue.poll(), now);
            if (item.isEmpty()) {
              continue;
            }
            state[0]++;
            putItem(item.get(), OptionalLong.empty())
                .whenComplete(
                    (r, e) -> {
                      state[0]--;
                      if (r != null && !r.storedOn().isEmpty()) {
                        state[1]++;
                      }
                      pump[0].run();
                    });
          }
          if (state[0] == 0 && queue.isEmpty()) {
            future.complete(state[1]);
          }
        };
    pump[0].run();
    return future;
  }

  /** Replication health of the held items, from their last checks. */
  public DurabilityStats durabilityStats() {
    int below = 0;
    int checked = 0;
    long sum = 0;
    for (ItemHealth h : health.values()) {
      if (h.replicas >= 0) {
        checked++;
        sum += h.replicas;
        if (h.replicas < config.k()) {
          below++;
        }
      }
    }
    return new DurabilityStats(
        items.size(),
        itemsChecked,
        below,
        checked == 0 ? 0.0 : (double) sum / checked,
        repairPutsSent,
        handoffsSent,
        durable.size(),
        republishesSent);
  }

  /** Copies seen among the k closest nodes at the last check of each held item (-1: not checked yet). */
  public Map<NodeId, Integer> replicaCounts() {
    Map<NodeId, Integer> out = new TreeMap<>();
    health.forEach((t, h) -> out.put(t, h.replicas));
    return out;
  }

  /** Items this node holds for others (BEP 44). */
  public ItemStore itemStore() {
    return items;
  }

  /** Peers announced to this node (for persistence: install a journal, restore saved peers). */
  public PeerStore peerStore() {
    return peers;
  }

  // ------------------------------------------------------------------ lookups

  private enum LookupKind {
    FIND_NODE("find_node", "target", LookupPurpose.FIND_NODE),
    GET_PEERS("get_peers", "info_hash", LookupPurpose.GET_PEERS),
    GET("get", "target", LookupPurpose.GET);

    final String method;
    final String targetKey;
    /** The purpose of a lookup of this kind run for the owner's plain request. */
    final LookupPurpose purpose;

    LookupKind(String method, String targetKey, LookupPurpose purpose) {
      this.method = method;
      this.targetKey = targetKey;
      this.purpose = purpose;
    }
  }

  /** Per-lookup state beyond the engine's: peers and tokens collected by get_peers. */
  private final class LookupTask {
    final NodeId target;
    final LookupKind kind;
    final LookupPurpose purpose;
    final Set<Endpoint> peersFound = new LinkedHashSet<>();
    /** When the lookup started, and when the first reply carrying peers arrived (-1 until then). */
    long startNanos;
    long firstPeersNanos = -1;
    /** get_peers: told of each reply's peers not seen before; null when nobody asked. */
    Consumer<List<Endpoint>> onNewPeers;
    final Map<NodeId, BString> tokens = new HashMap<>();
    /** BEP 44 get: the salt (to check mutable targets), the seq we already know, and what was found. */
    BString salt = BString.of(new byte[0]);
    OptionalLong knownSeq = OptionalLong.empty();
    Item best;
    /** BEP 44 get: nodes that hold the item (the best one, or a newer or equal seq). */
    final Set<NodeId> holders = new HashSet<>();
    /** BEP 44 get: the seq each responder reported, for cas. */
    final Map<NodeId, Long> seqs = new HashMap<>();

    LookupTask(NodeId target, LookupKind kind) {
      this(target, kind, kind.purpose);
    }

    LookupTask(NodeId target, LookupKind kind, LookupPurpose purpose) {
      this.target = target;
      this.kind = kind;
      this.purpose = purpose;
    }

    LookupResult lookupResult(Lookup lookup) {
      return new LookupResult(
          target,
          lookup.closestResponded(config.k()),
          lookup.rounds(),
          lookup.messagesSent(),
          lookup.responses(),
          lookup.timeouts(),
          lookup.durationNanos(),
          lookup.steps());
    }

    /** The k closest responders that gave us a write token: where announces and puts go. */
    List<Contact> tokenHolders(Lookup lookup) {
      List<Contact> out = new ArrayList<>(config.k());
      for (Contact c : lookup.closestResponded(Integer.MAX_VALUE)) {
        if (tokens.containsKey(c.id())) {
          out.add(c);
          if (out.size() == config.k()) {
            break;
          }
        }
      }
      return out;
    }

    PeersResult peersResult(Lookup lookup) {
      return new PeersResult(
          target,
          new ArrayList<>(peersFound),
          firstPeersNanos < 0 ? OptionalLong.empty() : OptionalLong.of(firstPeersNanos - startNanos),
          lookupResult(lookup));
    }

    ItemResult itemResult(Lookup lookup) {
      int count = 0;
      for (NodeId h : holders) {
        if (best != null && holds(h)) {
          count++;
        }
      }
      return new ItemResult(Optional.ofNullable(best), count, lookupResult(lookup));
    }

    /** Whether node {@code h} reported the best item (or, for mutable items, at least its seq). */
    boolean holds(NodeId h) {
      if (best instanceof MutableItem m) {
        Long seq = seqs.get(h);
        return seq != null && seq >= m.seq();
      }
      return holders.contains(h);
    }

    /** Takes in what a get reply says about the item. */
    void onItemReply(NodeId from, BDictionary body) {
      BValue v = body.getOrNull("v");
      BInteger seq = body.getInteger("seq");
      BString k = body.getString("k");
      BString sig = body.getString("sig");
      if (seq != null) {
        seqs.put(from, seq.value());
      }
      if (v == null) {
        if (seq != null) {
          holders.add(from); // answered "you are current" to our seq
        }
        return;
      }
      BString raw = BString.of(Bencode.encode(v));
      if (raw.length() > Item.MAX_VALUE_BYTES) {
        return;
      }
      if (k == null) {
        ImmutableItem item = new ImmutableItem(raw);
        if (item.target().equals(target)) {
          best = item;
          holders.add(from);
        }
        return;
      }
      if (sig == null || seq == null || k.length() != 32 || sig.length() != 64 || seq.value() < 0) {
        return;
      }
      MutableItem item = new MutableItem(k, salt, seq.value(), raw, sig);
      if (!item.target().equals(target) || !item.verify()) {
        seqs.remove(from); // a forged or mismatched item proves nothing
        return;
      }
      holders.add(from);
      if (!(best instanceof MutableItem m) || m.seq() < item.seq()) {
        best = item;
      }
    }
  }

  private interface LookupDone {
    void done(Lookup lookup, LookupTask task);
  }

  private void startLookup(NodeId target, LookupKind kind, LookupDone done) {
    startLookup(new LookupTask(target, kind), List.of(), done);
  }

  private void startLookup(LookupTask task, List<Contact> extraSeeds, LookupDone done) {
    NodeId target = task.target;
    lookupsStarted++;
    lookupsActive++;
    long now = clock.nanos();
    task.startNanos = now;
    Lookup lookup =
        new Lookup(
            target,
            id,
            config.k(),
            config.alpha(),
            config.lookupMaxInFlight(),
            (l, candidate) -> queryForLookup(l, task, candidate),
            l -> {
              lookupsCompleted++;
              lookupsActive--;
              lookupHistory.record(
                  task.purpose, l.rounds(), l.messagesSent(), l.responses(), l.timeouts(), l.durationNanos());
              done.done(l, task);
            },
            now);
    List<Contact> seeds = new ArrayList<>(table4.closest(target, config.k() * 2, now));
    seeds.addAll(table6.closest(target, config.k() * 2, now));
    seeds.addAll(extraSeeds);
    lookup.start(seeds, now);
  }

  private static BDictionary.Builder lookupArgs(LookupTask task) {
    BDictionary.Builder args = BDictionary.builder().put(task.kind.targetKey, task.target.toBytes());
    task.knownSeq.ifPresent(seq -> args.put("seq", seq));
    return args;
  }

  private boolean queryForLookup(Lookup lookup, LookupTask task, Contact candidate) {
    return sendQuery(
        candidate.endpoint(),
        task.kind.method,
        lookupArgs(task),
        new RpcCallback() {
          @Override
          public void onResponse(Response r, Endpoint from, long rttNanos) {
            long now = clock.nanos();
            learn(new Contact(r.responder(), from));
            if (!r.responder().equals(candidate.id())) {
              lookup.onFailure(candidate, now); // someone else answers at that address
              return;
            }
            if (task.kind == LookupKind.GET) {
              if (NodeIdSecurity.isValid(candidate.id(), from.address())) {
                r.token().ifPresent(t -> task.tokens.put(candidate.id(), t));
              }
              task.onItemReply(candidate.id(), r.body());
            }
            if (task.kind == LookupKind.GET_PEERS) {
              // BEP 42: never announce (or put) to a node whose id does not match its address
              if (NodeIdSecurity.isValid(candidate.id(), from.address())) {
                r.token().ifPresent(t -> task.tokens.put(candidate.id(), t));
              }
              if (task.firstPeersNanos < 0 && !r.values().isEmpty()) {
                task.firstPeersNanos = now;
              }
              List<Endpoint> fresh = null;
              for (Endpoint peer : r.values()) {
                if (task.peersFound.add(peer) && task.onNewPeers != null) {
                  if (fresh == null) {
                    fresh = new ArrayList<>();
                  }
                  fresh.add(peer);
                }
              }
              if (fresh != null) {
                try {
                  task.onNewPeers.accept(List.copyOf(fresh));
                } catch (RuntimeException e) {
                  LOG.log(System.Logger.Level.WARNING, "a get_peers callback threw; ignored", e);
                }
              }
            }
            lookup.onReply(candidate, familyNodes(r, from), now);
          }

          @Override
          public void onError(ErrorReply error) {
            lookup.onFailure(candidate, clock.nanos());
          }

          @Override
          public void onTimeout() {
            lookup.onTimeout(candidate, clock.nanos());
          }

          @Override
          public void onSlow() {
            lookup.onSlow(candidate, clock.nanos());
          }

          @Override
          public void onStraggling() {
            lookup.onStraggling(candidate, clock.nanos());
          }
        },
        true);
  }

  /** The nodes of a reply we can use: both families when dual-stack, else the family of {@code from}. */
  private List<Contact> familyNodes(Response r, Endpoint from) {
    if (transport.dualStack()) {
      List<Contact> both = new ArrayList<>(r.nodes().size() + r.nodes6().size());
      both.addAll(r.nodes());
      both.addAll(r.nodes6());
      return both;
    }
    return from.isIpv6() ? r.nodes6() : r.nodes();
  }

  // ------------------------------------------------------------------ BEP 42

  /** Counts a reporter's view of our address; adopts a conforming id once a public address wins the vote. */
  private void considerExternalAddress(Endpoint reporter, InetAddress reported) {
    if (reported.getAddress().length != reporter.address().getAddress().length) {
      return;
    }
    addressVote.vote(reporter.address(), reported);
    if (!config.secureNodeId()) {
      return;
    }
    addressVote
        .winner()
        .filter(ip -> !NodeIdSecurity.isExempt(ip) && !NodeIdSecurity.isValid(id, ip))
        .ifPresent(this::adoptSecureId);
  }

  private void adoptSecureId(InetAddress external) {
    NodeId old = id;
    id = NodeIdSecurity.generate(external, random);
    idChanges++;
    long now = clock.nanos();
    List<Contact> known = new ArrayList<>(table4.contacts());
    known.addAll(table6.contacts());
    table4 = newTable(id, now);
    table6 = newTable(id, now);
    for (Contact c : known) {
      tableFor(c.endpoint()).onReply(c, now);
    }
    LOG.log(
        System.Logger.Level.INFO,
        "external address " + external.getHostAddress() + ": node id " + old + " -> " + id + " (BEP 42)");
  }

  /** The external address the {@code ip} fields of replies agree on, if they do. */
  public Optional<InetAddress> externalAddress() {
    return addressVote.winner();
  }

  // ------------------------------------------------------------------ state

  /** The live routing-table entries (for saving, and for inspection). */
  public List<Contact> routingTableContacts() {
    List<Contact> all = new ArrayList<>(table4.contacts());
    all.addAll(table6.contacts());
    return all;
  }

  /**
   * Remembers saved contacts; the next {@link #bootstrap} queries them (with its seeds), and those that answer
   * re-enter the table. Contacts are never trusted without an answer.
   */
  public void restoreRoutingTable(List<Contact> contacts) {
    savedContacts.addAll(contacts);
  }

  /** The n closest non-bad nodes in our routing table to {@code target}. */
  public List<Contact> closestKnown(NodeId target, int n) {
    long now = clock.nanos();
    List<Contact> all = new ArrayList<>(table4.closest(target, n, now));
    all.addAll(table6.closest(target, n, now));
    all.sort((a, b) -> target.compareDistance(a.id(), b.id()));
    return all.size() > n ? new ArrayList<>(all.subList(0, n)) : all;
  }

  /** The IPv4 routing table, for inspection and invariant checks on the owner thread. */
  public RoutingTable routingTable() {
    return table4;
  }

  /** The IPv6 routing table (BEP 32), for inspection on the owner thread. */
  public RoutingTable routingTable6() {
    return table6;
  }

  public NodeStats stats() {
    return new NodeStats(
        datagramsIn,
        datagramsOut,
        bytesIn,
        bytesOut,
        queriesIn,
        pingsIn,
        findNodesIn,
        getPeersIn,
        announcesIn,
        unknownQueriesIn,
        responsesIn,
        errorsIn,
        undecodable,
        unsolicited,
        errorsSent,
        invalidTokens,
        timeouts,
        rpcsRejected,
        pending.size(),
        table4.size() + table6.size(),
        Math.max(table4.bucketCount(), table6.bucketCount()),
        peers.infoHashCount(),
        peers.peerCount(),
        lookupsStarted,
        lookupsCompleted,
        internalErrors,
        throttled,
        idChanges,
        itemGetsIn,
        itemPutsIn,
        items.size(),
        repliesDropped,
        queriesOut[0],
        queriesOut[1],
        queriesOut[2],
        queriesOut[3],
        queriesOut[4],
        queriesOut[5],
        queriesOut[6],
        datagramsOut - Arrays.stream(queriesOut).sum() - errorsSent,
        samplesIn,
        ErrorCounts.of(errorsInByCode),
        ErrorCounts.of(errorsSentByCode),
        clock.nanos() - startedNanos,
        throttle.throttledSources(clock.nanos()),
        throttle.episodeCount());
  }

  /**
   * The lookups (of every purpose: the owner's and the node's own upkeep) completed with a sequence number of at
   * least {@code seq}; start at 0 and pass {@link CompletedLookups#nextSeq()} next time. The last {@value
   * #COMPLETED_LOOKUPS_KEPT} are kept.
   */
  public CompletedLookups completedLookupsSince(long seq) {
    return lookupHistory.since(seq);
  }

  /** Stops the node: outstanding futures fail with {@link NodeClosedException}; later calls are ignored. */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    timers.clear();
    pending.clear();
    List<CompletableFuture<?>> open = new ArrayList<>(operations.values());
    operations.clear();
    for (CompletableFuture<?> f : open) {
      f.completeExceptionally(new NodeClosedException());
    }
  }

  public boolean isClosed() {
    return closed;
  }
}

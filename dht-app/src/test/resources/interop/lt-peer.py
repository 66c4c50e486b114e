#!/usr/bin/python3
"""One libtorrent-rasterbar DHT node on loopback, driven by line commands (test fixture of LibtorrentPeer.java).

Run with Debian's interpreter (python3-libtorrent is built for it):
    /usr/bin/python3 -u lt-peer.py --host 127.0.0.61 --port 26000 --bootstrap 127.0.0.51:40000
                                   [--nodes 127.0.0.52:40001,...] [--save-dir DIR] [--ttl 300] [--log-file F]

--bootstrap becomes libtorrent's dht_bootstrap_nodes ("router" nodes: libtorrent asks them while bootstrapping but
never keeps them in its routing table); --nodes are handed to add_dht_node and may enter the table. --log-file gets
libtorrent's DHT log (dht_log_alert) and every DHT packet (dht_pkt_alert), for diagnosing interop problems.

Protocol. Every stdin line is "<tag> <command> [args...]"; every command gets exactly one stdout line
"<tag> ok key=value ..." or "<tag> err <text>". Values never contain spaces; lists are comma-separated (empty
value = empty list). Other stdout lines: "ready key=value ..." once at start, "fatal <text>" if the session cannot
start, and "# <text>" for logs. Commands (T = timeout in seconds, every wait is bounded by it):
  id                    -> id=<hex> addr=<host:port> version=<v> dht_nodes=<n>
  bootstrap T           -> waits for dht_bootstrap_alert; elapsed_ms=<ms>
  ping HOST PORT T      -> add_dht_node(HOST:PORT) makes libtorrent query it; waits for the reply:
                           id=<hex of r.id> q=<method libtorrent used> rtt_ms=<ms>
  table T               -> nodes=<n> replacements=<n> live=<hex@host:port,...> (dht_stats + dht_live_nodes)
  get_peers IH T [EXP]  -> dht_get_peers; collects dht_get_peers_reply_alert peers until EXP (host:port) is among
                           them or T: peers=<host:port,...> replies=<alerts>
  announce IH T         -> adds a magnet torrent for IH (the Debian binding cannot call dht_announce), so libtorrent
                           announces on its listen port by itself; waits until an announce_peer is acknowledged:
                           sent=<host:port,...> acked=<host:port,...> errors=<host:port/code,...>
  announces             -> announce_peer queries libtorrent accepted: got=<ih@ip:port,...>
  errors                -> KRPC errors seen either way: in=<n> out=<n> detail=<dir/host:port/code,...>
  packets HOST PORT N   -> prints the last N packets exchanged with HOST:PORT as "# " lines; count=<n>
  BEP 44 (byte strings in hex; "-" for an empty salt):
  put_immutable VHEX T  -> dht_put_immutable_item(the bytes as a string entry); waits for its dht_put_alert:
                           target=<hex> num_success=<n>
  get_immutable TARGET T -> dht_get_immutable_item; waits for its dht_immutable_item_alert:
                           found=0|1 vhex=<hex of the string value>
  put_mutable SK PK SALT VHEX T -> dht_put_mutable_item(SK = 64-byte expanded secret, PK, data, salt): libtorrent
                           gets the item, signs the data with seq = found seq + 1 and puts it; waits for the
                           dht_put_alert: target=<hex> seq=<n> num_success=<n>
  get_mutable PK SALT T -> dht_get_mutable_item; waits for the authoritative dht_mutable_item_alert:
                           found=0|1 seq=<n> vhex=<hex> sig=<hex> (found=0: no valid item)
  quit                  -> ok, then the process exits
Exits on stdin EOF, on quit, on SIGTERM/SIGINT, and after --ttl seconds.
"""
import argparse
import os
import queue
import re
import signal
import sys
import tempfile
import threading
import time
import warnings

warnings.simplefilter('ignore', DeprecationWarning)  # dht_state() and status() still work in 2.0.8

try:
    import libtorrent as lt
except Exception as e:  # reported to the Java side, which decides whether to skip or fail
    print('fatal cannot import libtorrent: %r' % (e,), flush=True)
    sys.exit(3)

ap = argparse.ArgumentParser()
ap.add_argument('--host', required=True)
ap.add_argument('--port', type=int, required=True)
ap.add_argument('--bootstrap', default='', help='comma list host:port (dht_bootstrap_nodes)')
ap.add_argument('--nodes', default='', help='comma list host:port (add_dht_node)')
ap.add_argument('--save-dir', default='')
ap.add_argument('--ttl', type=float, default=300)
ap.add_argument('--log-file', default='', help="writes libtorrent's DHT log and packets here")
opt = ap.parse_args()

out_lock = threading.Lock()


def emit(line):
    with out_lock:
        sys.stdout.write(line + '\n')
        sys.stdout.flush()


def log(text):
    emit('# ' + text.replace('\n', ' '))


log_file = open(opt.log_file, 'w', encoding='utf-8', errors='replace') if opt.log_file else None


def log_to_file(text):
    if log_file:
        log_file.write('%.3f %s\n' % (time.time() - start, text))


save_dir = opt.save_dir or tempfile.mkdtemp(prefix='lt-peer-')
os.makedirs(save_dir, exist_ok=True)

settings = {
    'listen_interfaces': '%s:%d' % (opt.host, opt.port),
    'enable_dht': True,
    'enable_lsd': False,
    'enable_upnp': False,
    'enable_natpmp': False,
    'dht_bootstrap_nodes': opt.bootstrap,  # the default names a public host
    # All our nodes share 127.0.0.0/24: without these libtorrent keeps one node per /24 (per bucket / per lookup).
    'dht_restrict_routing_ips': False,
    'dht_restrict_search_ips': False,
    # Anti-flood (defaults: 5 msgs/s per source IP over 10 s -> ignored for 300 s; 8000 bytes/s of replies).
    'dht_block_ratelimit': 1000000,
    'dht_upload_rate_limit': 1000000000,
    # dht_operation: get_peers replies; dht_log: raw packets (dht_pkt_alert), kept for checks and diagnostics.
    'alert_mask': lt.alert_category.dht | lt.alert_category.dht_operation | lt.alert_category.dht_log
    | lt.alert_category.status | lt.alert_category.error,
    'alert_queue_size': 100000,
}
try:
    ses = lt.session(settings)
except Exception as e:
    print('fatal cannot start the libtorrent session: %r' % (e,), flush=True)
    sys.exit(4)


def parse_hp(hp):
    h, p = hp.rsplit(':', 1)
    return h, int(p)


for hp in filter(None, opt.nodes.split(',')):
    ses.add_dht_node(parse_hp(hp))

# ---------------------------------------------------------------- alert state

PKT_RE = re.compile(r'^(<==|==>)\s*\[([0-9.]+):(\d+)\]')
MAX_PACKETS = 20000
packets = []  # (time, 'in'|'out', 'host:port', decoded dict or None, raw bytes)
packets_dropped = 0  # trimmed from the front of packets; marks count from the first packet ever
bootstrap_at = None
listen_ok = False
stats_alerts = []  # (nodes, replacements)
live_alerts = []  # ['id@host:port', ...]
get_peers_replies = []  # (info-hash hex, [host:port])
announces_in = []  # 'ih@ip:port'
put_alerts = []  # (target hex, public key hex, salt hex, seq, num_success)
immutable_items = []  # (target hex, value bytes or None)
mutable_items = []  # (public key hex, salt hex, seq, value bytes or None, signature hex, authoritative)
error_packets = []  # 'in|out/host:port/code msg'
start = time.time()


def s(v):
    return v.decode('utf-8', 'replace') if isinstance(v, bytes) else str(v)


def token(v):
    """v as one reply token: no spaces, no commas (the list separator)."""
    return re.sub(r'[\s,]+', '_', s(v))


def raw(v):
    """bytes of a binding value: some are bytes, some str (std::string decoded as UTF-8)."""
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode('utf-8', 'surrogateescape')
    return bytes(v)


def on_packet(a):
    global packets_dropped
    m = PKT_RE.match(a.message())
    if not m:
        return
    direction = 'in' if m.group(1) == '<==' else 'out'
    ep = '%s:%s' % (m.group(2), m.group(3))
    raw = bytes(a.pkt_buf)
    try:
        msg = lt.bdecode(raw)
    except Exception:
        msg = None
    if not isinstance(msg, dict):
        msg = None
    packets.append((time.time(), direction, ep, msg, raw))
    if len(packets) > MAX_PACKETS:
        del packets[:MAX_PACKETS // 10]
        packets_dropped += MAX_PACKETS // 10
    if msg is not None and msg.get(b'y') == b'e':
        err = msg.get(b'e')
        detail = '%s/%s/%s' % (direction, ep, token(err))
        error_packets.append(detail)
        log('KRPC error %s: %r' % (detail, raw))


def packet_mark():
    return packets_dropped + len(packets)


def packets_since(mark):
    return packets[max(0, mark - packets_dropped):]


def pump(wait_ms=50):
    """Handles the pending alerts (waits at most wait_ms for the first one)."""
    global bootstrap_at, listen_ok
    ses.wait_for_alert(wait_ms)
    for a in ses.pop_alerts():
        if isinstance(a, lt.dht_pkt_alert):
            on_packet(a)
            log_to_file(a.message())
        elif isinstance(a, lt.dht_log_alert):
            log_to_file(a.message())
        elif isinstance(a, lt.dht_bootstrap_alert):
            if bootstrap_at is None:
                bootstrap_at = time.time()
        elif isinstance(a, lt.listen_succeeded_alert):
            listen_ok = True
        # An alert is only valid until the next pop_alerts(): copy what we need now.
        elif isinstance(a, lt.dht_stats_alert):
            rt = a.routing_table
            stats_alerts.append((sum(b['num_nodes'] for b in rt), sum(b['num_replacements'] for b in rt)))
        elif isinstance(a, lt.dht_live_nodes_alert):
            live_alerts.append(['%s@%s:%d' % (n['nid'], n['endpoint'][0], n['endpoint'][1]) for n in a.nodes])
        elif isinstance(a, lt.dht_get_peers_reply_alert):
            get_peers_replies.append((str(a.info_hash), ['%s:%d' % (p[0], p[1]) for p in a.peers()]))
        elif isinstance(a, lt.dht_announce_alert):
            announces_in.append('%s@%s:%d' % (a.info_hash, a.ip, a.port))
        elif isinstance(a, lt.dht_put_alert):
            put_alerts.append((str(a.target), raw(a.public_key).hex(), raw(a.salt).hex(), a.seq, a.num_success))
        elif isinstance(a, lt.dht_immutable_item_alert):
            try:
                value = raw(a.item['value'])
            except Exception:  # no item: the binding cannot convert an undefined entry
                value = None
            immutable_items.append((str(a.target), value))
        elif isinstance(a, lt.dht_mutable_item_alert):
            try:
                item = a.item
                entry = (raw(item['key']).hex(), raw(item['salt']).hex(), item['seq'], raw(item['value']),
                         raw(item['signature']).hex(), bool(item['authoritative']))
            except Exception:  # no item found: only the key, salt and authoritative flag are meaningful
                entry = (raw(a.key).hex(), raw(a.salt).hex(), a.seq, None, '', bool(a.authoritative))
            mutable_items.append(entry)
        elif a.category() & lt.alert_category.error:
            log('alert %s: %s' % (type(a).__name__, a.message()))
        else:
            log_to_file('alert %s: %s' % (type(a).__name__, a.message()))


def wait_until(pred, timeout):
    end = time.time() + timeout
    while True:
        v = pred()
        if v or time.time() >= end:
            return v
        pump(min(50, max(1, int((end - time.time()) * 1000))))


def node_id():
    st = ses.dht_state() or {}  # None until the DHT has started
    ids = st.get(b'node-id') or st.get('node-id') or []
    if isinstance(ids, (bytes, str)):
        ids = [ids]
    for v in ids:
        v = v if isinstance(v, bytes) else v.encode('latin-1')
        if len(v) >= 20:
            return v[:20].hex()
    # Fallback: the id in our own latest outgoing packet.
    for _, d, _, msg, _ in reversed(packets):
        if d == 'out' and msg:
            body = msg.get(b'a') or msg.get(b'r') or {}
            if isinstance(body, dict) and isinstance(body.get(b'id'), bytes) and len(body[b'id']) == 20:
                return body[b'id'].hex()
    return None


def field(msg, *path):
    for k in path:
        if not isinstance(msg, dict):
            return None
        msg = msg.get(k)
    return msg


# ---------------------------------------------------------------- commands

def cmd_id(args):
    nid = wait_until(node_id, 5)
    if not nid:
        raise RuntimeError('no DHT node id yet')
    return 'id=%s addr=%s:%d version=%s dht_nodes=%d' % (
        nid, opt.host, opt.port, lt.__version__, ses.status().dht_nodes)


def cmd_bootstrap(args):
    t = float(args[0])
    if not wait_until(lambda: bootstrap_at is not None, t):
        raise RuntimeError('no dht_bootstrap_alert within %.1f s' % t)
    return 'elapsed_ms=%d' % ((bootstrap_at - start) * 1000)


def cmd_ping(args):
    host, port, t = args[0], int(args[1]), float(args[2])
    ep = '%s:%d' % (host, port)
    mark = packet_mark()
    t0 = time.time()
    ses.add_dht_node((host, port))

    def reply():
        sent = {}
        for when, d, e, msg, _ in packets_since(mark):
            if e != ep or msg is None:
                continue
            if d == 'out' and msg.get(b'y') == b'q':
                sent[msg.get(b't')] = (s(msg.get(b'q')), when)
            elif d == 'in' and msg.get(b'y') in (b'r', b'e') and msg.get(b't') in sent:
                return msg, sent[msg.get(b't')]
        return None

    got = wait_until(reply, t)
    if not got:
        raise RuntimeError('no reply from %s within %.1f s (%d packets sent to it)' % (
            ep, t, sum(1 for p in packets_since(mark) if p[2] == ep and p[1] == 'out')))
    msg, (q, sent_at) = got
    if msg.get(b'y') == b'e':
        raise RuntimeError('%s answered our %s with error %s' % (ep, q, s(msg.get(b'e'))))
    rid = field(msg, b'r', b'id')
    if not isinstance(rid, bytes) or len(rid) != 20:
        raise RuntimeError('reply from %s without a 20-byte id: %r' % (ep, msg))
    return 'id=%s q=%s rtt_ms=%d' % (rid.hex(), q, (time.time() - t0) * 1000)


def cmd_table(args):
    t = float(args[0]) if args else 5
    nid = wait_until(node_id, t)
    del stats_alerts[:]
    del live_alerts[:]
    ses.post_dht_stats()
    ses.dht_live_nodes(lt.sha1_hash(bytes.fromhex(nid)))
    if not wait_until(lambda: stats_alerts and live_alerts, t):
        raise RuntimeError('no dht_stats/dht_live_nodes alert within %.1f s' % t)
    nodes, repl = stats_alerts[-1]
    live = live_alerts[-1]
    return 'nodes=%d replacements=%d live=%s' % (nodes, repl, ','.join(live))


def cmd_get_peers(args):
    ih, t = args[0].lower(), float(args[1])
    expect = args[2] if len(args) > 2 else None
    mark = len(get_peers_replies)
    ses.dht_get_peers(lt.sha1_hash(bytes.fromhex(ih)))

    def found():
        peers = []
        for h, ps in get_peers_replies[mark:]:
            if h == ih:
                peers.extend(p for p in ps if p not in peers)
        return peers

    wait_until(lambda: expect is not None and expect in found(), t)
    replies = sum(1 for h, _ in get_peers_replies[mark:] if h == ih)
    return 'peers=%s replies=%d' % (','.join(found()), replies)


def cmd_announce(args):
    ih, t = args[0].lower(), float(args[1])
    mark = packet_mark()
    ih_raw = bytes.fromhex(ih)
    atp = lt.parse_magnet_uri('magnet:?xt=urn:btih:' + ih)
    atp.save_path = save_dir
    ses.add_torrent(atp)

    def progress():
        sent, acked, errors = {}, [], []
        for _, d, e, msg, _ in packets_since(mark):
            if msg is None:
                continue
            if d == 'out' and msg.get(b'q') == b'announce_peer' and field(msg, b'a', b'info_hash') == ih_raw:
                sent[(e, msg.get(b't'))] = e
            elif d == 'in' and msg.get(b'y') in (b'r', b'e') and (e, msg.get(b't')) in sent:
                if msg.get(b'y') == b'r':
                    acked.append(e)
                else:
                    errors.append('%s/%s' % (e, token(msg.get(b'e'))))
        return sorted(set(sent.values())), acked, errors

    wait_until(lambda: progress()[1], t)
    # Give the other announce_peer replies of the same round a moment.
    end = time.time() + 0.5
    while time.time() < end:
        pump(50)
    sent, acked, errors = progress()
    if not acked:
        raise RuntimeError('no acknowledged announce_peer for %s within %.1f s: sent=%s errors=%s' % (
            ih, t, ','.join(sent), ','.join(errors)))
    return 'sent=%s acked=%s errors=%s' % (','.join(sent), ','.join(sorted(set(acked))), ','.join(errors))


def cmd_announces(args):
    return 'got=%s' % ','.join(announces_in)


def cmd_errors(args):
    n_in = sum(1 for e in error_packets if e.startswith('in/'))
    return 'in=%d out=%d detail=%s' % (n_in, len(error_packets) - n_in, ','.join(error_packets))


def cmd_packets(args):
    ep, n = '%s:%s' % (args[0], args[1]), int(args[2])
    mine = [p for p in packets if p[2] == ep][-n:]
    for when, d, e, msg, raw in mine:
        log('%+.3fs %s %s %r' % (when - start, '<==' if d == 'in' else '==>', e, raw))
    return 'count=%d' % len(mine)


def unhex(arg):
    return b'' if arg == '-' else bytes.fromhex(arg)


def cmd_put_immutable(args):
    value, t = unhex(args[0]), float(args[1])
    mark = len(put_alerts)
    target = str(ses.dht_put_immutable_item(value))
    got = wait_until(lambda: [p for p in put_alerts[mark:] if p[0] == target], t)
    if not got:
        raise RuntimeError('no dht_put_alert for %s within %.1f s' % (target, t))
    return 'target=%s num_success=%d' % (target, got[0][4])


def cmd_get_immutable(args):
    target, t = args[0].lower(), float(args[1])
    mark = len(immutable_items)
    ses.dht_get_immutable_item(lt.sha1_hash(bytes.fromhex(target)))
    got = wait_until(lambda: [i for i in immutable_items[mark:] if i[0] == target], t)
    if not got:
        raise RuntimeError('no dht_immutable_item_alert for %s within %.1f s' % (target, t))
    value = got[0][1]
    return 'found=%d vhex=%s' % (value is not None, value.hex() if value is not None else '')


def cmd_put_mutable(args):
    sk, pk, salt, value, t = unhex(args[0]), unhex(args[1]), unhex(args[2]), unhex(args[3]), float(args[4])
    if len(sk) != 64 or len(pk) != 32:
        raise RuntimeError('put_mutable needs a 64-byte expanded secret and a 32-byte public key')
    mark = len(put_alerts)
    ses.dht_put_mutable_item(sk, pk, value, salt)
    got = wait_until(lambda: [p for p in put_alerts[mark:] if p[1] == pk.hex() and p[2] == salt.hex()], t)
    if not got:
        raise RuntimeError('no dht_put_alert for key %s within %.1f s' % (pk.hex(), t))
    return 'target=%s seq=%d num_success=%d' % (got[0][0], got[0][3], got[0][4])


def cmd_get_mutable(args):
    pk, salt, t = unhex(args[0]), unhex(args[1]), float(args[2])
    mark = len(mutable_items)
    ses.dht_get_mutable_item(pk, salt)

    def final():
        return [m for m in mutable_items[mark:] if m[0] == pk.hex() and m[1] == salt.hex() and m[5]]

    got = wait_until(final, t)
    if not got:
        seen = [m for m in mutable_items[mark:] if m[0] == pk.hex()]
        raise RuntimeError('no authoritative dht_mutable_item_alert within %.1f s (%d others)' % (t, len(seen)))
    _, _, seq, value, sig, _ = got[0]
    if value is None or not sig or set(sig) == {'0'}:
        return 'found=0 seq=%d vhex= sig=' % seq
    return 'found=1 seq=%d vhex=%s sig=%s' % (seq, value.hex(), sig)


COMMANDS = {
    'id': cmd_id, 'bootstrap': cmd_bootstrap, 'ping': cmd_ping, 'table': cmd_table,
    'get_peers': cmd_get_peers, 'announce': cmd_announce, 'announces': cmd_announces,
    'errors': cmd_errors, 'packets': cmd_packets,
    'put_immutable': cmd_put_immutable, 'get_immutable': cmd_get_immutable,
    'put_mutable': cmd_put_mutable, 'get_mutable': cmd_get_mutable,
}

# ---------------------------------------------------------------- main loop

lines = queue.Queue()


def read_stdin():
    for line in sys.stdin:
        lines.put(line)
    lines.put(None)  # EOF: the JVM is gone or closed our stdin


threading.Thread(target=read_stdin, name='stdin', daemon=True).start()

stop = False


def on_signal(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)

if not wait_until(lambda: listen_ok, 10):
    print('fatal libtorrent did not listen on %s:%d within 10 s' % (opt.host, opt.port), flush=True)
    sys.exit(5)
nid = wait_until(node_id, 10)
emit('ready id=%s addr=%s:%d version=%s' % (nid, opt.host, opt.port, lt.__version__))

deadline = start + opt.ttl
while not stop and time.time() < deadline:
    pump(20)
    try:
        line = lines.get_nowait()
    except queue.Empty:
        continue
    if line is None:
        break
    parts = line.split()
    if len(parts) < 2:
        continue
    tag, cmd, args = parts[0], parts[1], parts[2:]
    if cmd == 'quit':
        emit('%s ok' % tag)
        break
    fn = COMMANDS.get(cmd)
    if fn is None:
        emit('%s err unknown command %s' % (tag, cmd))
        continue
    try:
        emit('%s ok %s' % (tag, fn(args)))
    except Exception as e:
        emit('%s err %s' % (tag, str(e).replace('\n', ' ')))

del ses
if log_file:
    log_file.close()
emit('# lt peer stopped after %.1f s' % (time.time() - start))

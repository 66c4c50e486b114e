#!/usr/bin/python3
"""libtorrent-rasterbar as a BitTorrent peer on loopback (test fixture of LibtorrentShareInteropTest.java).

Run with Debian's interpreter (python3-libtorrent is built for it):
    /usr/bin/python3 -u lt-share.py download --magnet M --save DIR --host 127.0.0.175 --port 26000 \
        --bootstrap 127.0.0.170:40000[,...] [--timeout 60]
    /usr/bin/python3 -u lt-share.py seed --file F --host 127.0.0.176 --port 26001 --bootstrap ... [--ttl 120]

download: adds the magnet link (nothing else: peers come from libtorrent's DHT, which bootstraps through the given
          nodes; the metadata from those peers), waits until the torrent is complete, prints
          "done <path> <size>" and exits 0; "fail <reason>" and exit 1 on timeout or error.
seed:     makes a torrent of F (libtorrent's default: a v1+v2 hybrid), seeds it, prints "infohash <v1 hex>", then
          "seeding" once it has checked the file; runs until stdin closes, "quit" on stdin, or --ttl.
Lines starting with "# " are logs (peer connections, errors, progress). Every wait is bounded.
"""
import argparse
import os
import select
import sys
import time
import warnings

warnings.simplefilter('ignore', DeprecationWarning)

try:
    import libtorrent as lt
except Exception as e:  # reported to the Java side, which decides whether to skip or fail
    print('fatal cannot import libtorrent: %r' % (e,), flush=True)
    sys.exit(3)

ap = argparse.ArgumentParser()
ap.add_argument('mode', choices=['download', 'seed'])
ap.add_argument('--host', required=True)
ap.add_argument('--port', type=int, required=True)
ap.add_argument('--bootstrap', required=True, help='comma list host:port (dht_bootstrap_nodes)')
ap.add_argument('--magnet')
ap.add_argument('--save')
ap.add_argument('--file')
ap.add_argument('--timeout', type=float, default=60)
ap.add_argument('--ttl', type=float, default=120)
opt = ap.parse_args()
start = time.time()


def emit(line):
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def log(text):
    emit('# %.2fs %s' % (time.time() - start, str(text).replace('\n', ' ')))


settings = {
    'listen_interfaces': '%s:%d' % (opt.host, opt.port),
    'enable_dht': True,
    'enable_lsd': False,
    'enable_upnp': False,
    'enable_natpmp': False,
    'dht_bootstrap_nodes': opt.bootstrap,  # the default names a public host
    # Every node here is in 127.0.0.0/24 (see PEERS.md): without these libtorrent keeps one node per /24.
    'dht_restrict_routing_ips': False,
    'dht_restrict_search_ips': False,
    'dht_block_ratelimit': 1000000,
    'alert_mask': lt.alert_category.status | lt.alert_category.error | lt.alert_category.peer
    | lt.alert_category.connect | lt.alert_category.dht,
}
ses = lt.session(settings)
for hp in filter(None, opt.bootstrap.split(',')):
    h, p = hp.rsplit(':', 1)
    ses.add_dht_node((h, int(p)))


def drain_alerts():
    for a in ses.pop_alerts():
        if isinstance(a, (lt.peer_connect_alert, lt.peer_disconnected_alert, lt.peer_error_alert,
                          lt.torrent_error_alert, lt.metadata_received_alert, lt.metadata_failed_alert,
                          lt.dht_announce_alert, lt.dht_reply_alert, lt.hash_failed_alert,
                          lt.peer_ban_alert, lt.torrent_finished_alert, lt.listen_failed_alert,
                          lt.listen_succeeded_alert, lt.dht_bootstrap_alert, lt.incoming_connection_alert)):
            log(type(a).__name__ + ': ' + a.message())


def dht_nodes():
    try:
        return ses.status().dht_nodes  # deprecated in 2.0 but still there
    except Exception:
        return -1


def download():
    atp = lt.parse_magnet_uri(opt.magnet)
    atp.save_path = opt.save
    h = ses.add_torrent(atp)
    deadline = start + opt.timeout
    last = 0
    while time.time() < deadline:
        ses.wait_for_alert(200)
        drain_alerts()
        s = h.status()
        if time.time() - last > 1:
            last = time.time()
            log('state=%s progress=%.3f peers=%d down=%d has_metadata=%s dht_nodes=%d' % (
                s.state, s.progress, s.num_peers, s.total_payload_download, s.has_metadata, dht_nodes()))
        if s.has_metadata and (s.is_seeding or s.is_finished) and s.progress >= 1.0:
            ti = h.torrent_file()
            path = os.path.join(opt.save, ti.name())
            emit('done %s %d peers=%d' % (path, ti.total_size(), s.num_peers))
            return 0
    s = h.status()
    emit('fail timeout after %.0fs: state=%s progress=%.3f peers=%d has_metadata=%s' % (
        opt.timeout, s.state, s.progress, s.num_peers, s.has_metadata))
    return 1


def seed():
    fs = lt.file_storage()
    lt.add_files(fs, opt.file)
    ct = lt.create_torrent(fs)
    lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(opt.file)))
    ti = lt.torrent_info(ct.generate())
    atp = lt.add_torrent_params()
    atp.ti = ti
    atp.save_path = os.path.dirname(os.path.abspath(opt.file))
    h = ses.add_torrent(atp)
    v1 = str(ti.info_hashes().v1)
    emit('infohash %s pieces=%d piece_length=%d' % (v1, ti.num_pieces(), ti.piece_length()))
    deadline = start + opt.ttl
    seeding_said = False
    last = 0
    while time.time() < deadline:
        ses.wait_for_alert(200)
        drain_alerts()
        s = h.status()
        if s.is_seeding and not seeding_said:
            seeding_said = True
            emit('seeding')
        if time.time() - last > 1:
            last = time.time()
            log('state=%s peers=%d up=%d' % (s.state, s.num_peers, s.total_payload_upload))
        r, _, _ = select.select([sys.stdin], [], [], 0)
        if r:
            line = sys.stdin.readline()
            if not line or line.strip() == 'quit':
                break
            if line.strip() == 'status':
                emit('status up=%d peers=%d' % (s.total_payload_upload, s.num_peers))
    return 0


try:
    rc = download() if opt.mode == 'download' else seed()
except Exception as e:
    emit('fail %r' % (e,))
    rc = 2
del ses
sys.exit(rc)

#!/usr/bin/python3
"""A libtorrent DHT node on loopback as a benchmark target (Debian python3-libtorrent; run with /usr/bin/python3).

    /usr/bin/python3 bench/lt-node.py --host 127.0.0.22 --port 6881 [--ttl 600]

Lifts libtorrent's DHT anti-flood limits (dht_block_ratelimit: 5 queries/s per source IP averaged over 10 s,
then the IP is ignored for 300 s; dht_upload_rate_limit: 8000 bytes/s of DHT traffic), allows loopback contacts
in the routing table and in searches, and disables everything but the DHT. Stops on SIGTERM/SIGINT or after --ttl.
"""
import argparse, ipaddress, signal, sys, time
import libtorrent as lt

ap = argparse.ArgumentParser()
ap.add_argument('--host', default='127.0.0.22')
ap.add_argument('--port', type=int, default=6881)
ap.add_argument('--ttl', type=float, default=600)
opt = ap.parse_args()
if not ipaddress.ip_address(opt.host).is_loopback:
    sys.exit('lt-node: loopback addresses only')

ses = lt.session({
    'listen_interfaces': f'{opt.host}:{opt.port}',
    'enable_dht': True,
    'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
    'dht_bootstrap_nodes': '',
    'dht_restrict_routing_ips': False,
    'dht_restrict_search_ips': False,
    'dht_block_ratelimit': 1_000_000,
    'dht_upload_rate_limit': 1_000_000_000,
    'alert_mask': lt.alert_category.error,
})

stop = False
def on_signal(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)

print(f'libtorrent {lt.__version__} dht on {opt.host}:{opt.port}', flush=True)
end = time.time() + min(opt.ttl, 3600)
while not stop and time.time() < end:
    ses.wait_for_alert(500)
    for a in ses.pop_alerts():
        print('alert:', a.message(), flush=True)
del ses
print('lt-node stopped', flush=True)

// A cluster of webtorrent bittorrent-dht nodes on loopback, the foreign peer of BittorrentDhtInteropTest.
// Adapted from shared/peers/js-cluster.mjs. Driven by JSON lines on stdin, one reply line per command on
// stdout (the command's "tag" is echoed); unsolicited lines carry an "event" key. Exits on stdin EOF, on
// {"op":"quit"}, on SIGTERM/SIGINT, or after --ttl seconds (default 300), whichever comes first.
// Must sit in the folder that holds node_modules (bittorrent-dht is ESM only).
//
//   node js-cluster.mjs --n 4 --host-base 41 --port 21000 [--ttl 300] [--bootstrap 127.0.0.31:5000,...]
// nodes: 127.0.0.<host-base+i>:<port+i>; node 0 bootstraps from --bootstrap only (none: bootstrap:false),
// node i > 0 from nodes 0..i-1 plus --bootstrap. Never the public routers.
//
// Commands (node = index into the cluster, default 0):
//   {"op":"info"}                                         -> nodes: addr, id, table size, table contacts
//   {"op":"ping","node":0,"host":"127.0.0.31","port":5000} -> id (hex), keys (top level), rkeys (of r)
//   {"op":"addnode","node":0,"host":"127.0.0.31","port":5000}  (bittorrent-dht pings it, then adds it)
//   {"op":"announce","node":1,"ih":"<40 hex>","port":6881} -> hits
//   {"op":"lookup","node":2,"ih":"<40 hex>"}              -> peers ["ip:port"], sources ["peer<-from"]
//   {"op":"getpeers","node":0,"host":"h","port":p,"ih":"<40 hex>"}  one get_peers query, no lookup
//                                                         -> id, token (hex), values ["ip:port"], nodes (count)
//   BEP 44 (values as "v" = UTF-8 text or "vhex" = hex bytes; replies give both "v" and "vhex"):
//   {"op":"put","node":1,"vhex":"68656c6c6f"}              -> target, hits (immutable: v stored as a byte string)
//   {"op":"mput","node":1,"seed":"<64 hex>","salt":"s","seq":1,"v":"text","cas":0}  (salt, cas optional)
//                                                         -> target, pubkey, hits
//   {"op":"get","node":2,"target":"<40 hex>","salt":"s"}  -> found, v, vhex, seq, k (lookup; salt optional)
//   {"op":"getq","node":0,"host":"h","port":p,"target":"<40 hex>","seq":3}  one get query, no lookup
//                                                         -> rkeys, vhex (bencoded v), k, seq, sig, token
//   {"op":"putq","node":0,"host":"h","port":p,"vhex":"<hex>"}  one get (for a token) and one immutable put to h:p,
//                                                         no lookup -> rkeys; an error reply gives ok:false, code
//   {"op":"stored","target":"<40 hex>"}                   -> holders [{node, seq, vhex}] (what each node keeps)
//   {"op":"quit"}
import DHT from 'bittorrent-dht'
import bencode from 'bencode' // bittorrent-dht's own dependency, installed beside it
import crypto from 'crypto'
import readline from 'readline'

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, arr) => {
  if (a.startsWith('--')) acc.push([a.slice(2), arr[i + 1]])
  return acc
}, []))
const N = Number(args.n || 3)
const HOST_BASE = Number(args['host-base'] || 41)
const PORT = Number(args.port || 21000)
const TTL = Number(args.ttl || 300)
const EXTRA = args.bootstrap ? args.bootstrap.split(',') : []

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const hex = (b) => Buffer.isBuffer(b) ? b.toString('hex') : undefined
const peerString = (buf) => `${buf[0]}.${buf[1]}.${buf[2]}.${buf[3]}:${buf.readUInt16BE(4)}`

// Ed25519 with Node's crypto: mutable items need a synchronous verify(sig, msg, pubkey) (bittorrent-dht has none).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
function verify (sig, msg, pub) {
  try {
    const key = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' })
    return crypto.verify(null, msg, key, sig)
  } catch (e) { return false }
}
function keypairFromSeed (seed) {
  const priv = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
  const pubDer = crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' })
  return { priv, pub: pubDer.subarray(pubDer.length - 32) }
}
const valueOf = (c) => c.vhex !== undefined ? Buffer.from(c.vhex, 'hex') : Buffer.from(c.v)
const bencodeValue = (v) => bencode.encode(v)
const asBuffer = (v) => Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))

// Nothing else may end the process before the Java side has heard why.
process.on('uncaughtException', e => { out({ event: 'fatal', msg: String(e && e.stack) }); process.exit(3) })

const hosts = Array.from({ length: N }, (_, i) => `127.0.0.${HOST_BASE + i}`)
const nodes = []
for (let i = 0; i < N; i++) {
  const prev = hosts.slice(0, i).map((h, j) => `${h}:${PORT + j}`)
  const boot = i === 0 ? (EXTRA.length ? EXTRA : false) : prev.concat(EXTRA)
  // timeout 1000: the default 2 s makes every unanswered query cost 2-2.5 s.
  const dht = new DHT({ host: hosts[i], timeout: 1000, bootstrap: boot, verify })
  dht.on('warning', e => out({ event: 'warning', node: i, msg: String(e && e.message) }))
  dht.on('announce_peer', (ih, from) => out({ event: 'announce_peer', node: i, ih: hex(ih), from: `${from.host}:${from.port}` }))
  dht.on('put', (key, v) => out({ event: 'put', node: i, target: hex(key), bytes: Buffer.isBuffer(v) ? v.length : undefined }))
  await new Promise((resolve, reject) => {
    dht.once('error', reject) // EADDRINUSE and the like: fatal before ready
    dht.listen(PORT + i, hosts[i], resolve)
  }).catch(e => { out({ event: 'fatal', node: i, msg: e.message }); process.exit(3) })
  dht.on('error', e => out({ event: 'error', node: i, msg: e.message }))
  await new Promise(resolve => dht.ready ? resolve() : dht.once('ready', resolve))
  nodes.push(dht)
}

function info () {
  return nodes.map((d, i) => {
    const table = d.toJSON().nodes.map(n => `${n.host}:${n.port}`)
    return { node: i, addr: `${hosts[i]}:${PORT + i}`, id: hex(d.nodeId), table: table.length, contacts: table }
  })
}

// One raw KRPC query through the node's k-rpc (which adds a.id and matches the reply by transaction id).
function query (d, host, port, q, a) {
  return new Promise((resolve, reject) => d._rpc.query({ host, port }, { q, a }, (e, res) => e ? reject(e) : resolve(res)))
}

async function handle (c) {
  const d = nodes[c.node || 0]
  if (!d) throw new Error('no node ' + c.node)
  switch (c.op) {
    case 'info': return { nodes: info() }
    case 'ping': {
      const res = await query(d, c.host, c.port, 'ping', {})
      return { id: hex(res.r && res.r.id), keys: Object.keys(res), rkeys: Object.keys(res.r || {}) }
    }
    case 'addnode': d.addNode({ host: c.host, port: c.port }); return {}
    case 'announce': {
      const ih = Buffer.from(c.ih, 'hex')
      const n = await new Promise((resolve, reject) => d.announce(ih, c.port || 0, (e, n) => e ? reject(e) : resolve(n)))
      return { hits: n }
    }
    case 'lookup': {
      const ih = Buffer.from(c.ih, 'hex')
      const peers = new Set()
      const sources = new Set()
      const onPeer = (p, h, from) => {
        if (!h.equals(ih)) return
        peers.add(`${p.host}:${p.port}`)
        sources.add(`${p.host}:${p.port}<-${from ? `${from.host || from.address}:${from.port}` : 'local'}`)
      }
      d.on('peer', onPeer)
      try {
        await new Promise((resolve, reject) => d.lookup(ih, e => e ? reject(e) : resolve()))
      } finally {
        d.removeListener('peer', onPeer)
      }
      return { peers: [...peers], sources: [...sources] }
    }
    case 'getpeers': {
      const res = await query(d, c.host, c.port, 'get_peers', { info_hash: Buffer.from(c.ih, 'hex') })
      const r = res.r || {}
      const values = Array.isArray(r.values) ? r.values.filter(v => Buffer.isBuffer(v) && v.length === 6).map(peerString) : []
      return { id: hex(r.id), token: hex(r.token), values, nodes: Buffer.isBuffer(r.nodes) ? r.nodes.length / 26 : 0, rkeys: Object.keys(r) }
    }
    case 'put': {
      const v = valueOf(c)
      const [key, n] = await new Promise((resolve, reject) => d.put({ v }, (e, k, n) => e ? reject(e) : resolve([k, n])))
      return { target: hex(key), hits: n }
    }
    case 'mput': {
      const kp = keypairFromSeed(Buffer.from(c.seed, 'hex'))
      const opts = { k: kp.pub, seq: c.seq, v: valueOf(c), sign: (buf) => crypto.sign(null, buf, kp.priv) }
      if (c.salt) opts.salt = Buffer.from(c.salt)
      if (typeof c.cas === 'number') opts.cas = c.cas
      const [key, n] = await new Promise((resolve, reject) => d.put(opts, (e, k, n) => e ? reject(e) : resolve([k, n])))
      return { target: hex(key), pubkey: hex(kp.pub), hits: n }
    }
    case 'get': {
      const opts = { cache: false }
      if (c.salt) opts.salt = Buffer.from(c.salt)
      const r = await new Promise((resolve, reject) => d.get(c.target, opts, (e, r) => e ? reject(e) : resolve(r)))
      if (!r) return { found: false }
      const v = asBuffer(r.v)
      return { found: true, v: v.toString('utf8'), vhex: v.toString('hex'), seq: r.seq, k: hex(r.k) }
    }
    case 'getq': {
      const a = { target: Buffer.from(c.target, 'hex') }
      if (typeof c.seq === 'number') a.seq = c.seq
      const res = await query(d, c.host, c.port, 'get', a)
      const r = res.r || {}
      // r.v as k-rpc decoded it, re-encoded: for a byte string the same bytes that were sent.
      const vhex = r.v === undefined ? undefined : Buffer.from(bencodeValue(r.v)).toString('hex')
      return { rkeys: Object.keys(r), vhex, k: hex(r.k), seq: r.seq, sig: hex(r.sig), token: hex(r.token) }
    }
    case 'putq': {
      const v = valueOf(c)
      const target = crypto.createHash('sha1').update(bencodeValue(v)).digest()
      const got = await query(d, c.host, c.port, 'get', { target })
      const token = got.r && got.r.token
      if (!token) throw new Error('no token from ' + c.host + ':' + c.port)
      const res = await query(d, c.host, c.port, 'put', { token, v })
      return { target: hex(target), rkeys: Object.keys(res.r || {}) }
    }
    case 'stored': {
      const holders = []
      nodes.forEach((n, i) => {
        const value = n.toJSON().values[c.target]
        if (value) holders.push({ node: i, seq: value.seq, vhex: value.v, k: value.k })
      })
      return { holders }
    }
    case 'quit': shutdown(); return {}
    default: throw new Error('unknown op ' + c.op)
  }
}

let closing = false
function shutdown () {
  if (closing) return
  closing = true
  let left = nodes.length
  for (const d of nodes) d.destroy(() => { if (--left === 0) process.exit(0) })
  setTimeout(() => process.exit(0), 2000).unref()
}
setTimeout(shutdown, TTL * 1000).unref()
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)

out({ event: 'ready', nodes: info() })
const rl = readline.createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  if (!line.trim()) return
  let c
  try { c = JSON.parse(line) } catch (e) { return out({ ok: false, error: 'bad json: ' + line }) }
  try {
    out(Object.assign({ ok: true, op: c.op, tag: c.tag }, await handle(c)))
  } catch (e) {
    out({ ok: false, op: c.op, tag: c.tag, error: String(e && e.message), code: e && e.code })
  }
})
rl.on('close', shutdown)

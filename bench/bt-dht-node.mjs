// A webtorrent bittorrent-dht node on loopback as a benchmark target. Must sit beside the node_modules that holds
// bittorrent-dht (bench/rivals copies it into bench/.work/js). Stops on SIGTERM/SIGINT or after --ttl seconds.
//
//   node bt-dht-node.mjs --host 127.0.0.23 --port 6881 [--ttl 600]
import DHT from 'bittorrent-dht'

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, arr) => {
  if (a.startsWith('--')) acc.push([a.slice(2), arr[i + 1]])
  return acc
}, []))
const host = args.host || '127.0.0.23'
const port = Number(args.port || 6881)
const ttl = Math.min(Number(args.ttl || 600), 3600)
if (!host.startsWith('127.')) {
  console.error('bt-dht-node: loopback addresses only')
  process.exit(2)
}

const dht = new DHT({ host, bootstrap: false })
dht.on('error', e => console.error('error:', e.message))
dht.listen(port, host, () => console.log(`bittorrent-dht on ${host}:${port}`))

let closing = false
function shutdown () {
  if (closing) return
  closing = true
  dht.destroy(() => process.exit(0))
  setTimeout(() => process.exit(0), 2000).unref()
}
setTimeout(shutdown, ttl * 1000).unref()
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)

/**
 * The node's persistent storage: one embedded RocksDB database under {@code <dataDir>/db/} ({@link
 * io.dht.storage.NodeDatabase}) holding the BEP 44 items stored on us ({@link io.dht.storage.PersistentItemStore},
 * with the same semantics as the core's in-memory store) and a journal of announced peers ({@link
 * io.dht.storage.PeerJournal}), so that a node killed with {@code kill -9} and restarted from its data directory has
 * lost nothing it acknowledged. The engine was chosen by measurement: see {@code docs/storage.md}.
 *
 * <p>This package shares its name with the core's {@code io.dht.storage} (the in-memory peer store and tokens): the
 * persistent side of the same concern, in the module that may do I/O.
 */
package io.dht.storage;

/**
 * What a long-running node keeps between runs: the data directory with its node id and routing table, written
 * atomically (temporary file, fsync, rename) and read back defensively (a corrupt routing table is ignored with a
 * warning; a corrupt node id is a clear error).
 */
package io.dht.daemon;

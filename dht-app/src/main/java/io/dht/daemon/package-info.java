/**
 * What a long-running node keeps and reads: the data directory with its node id and routing table, written
 * atomically (temporary file, fsync, rename) and read back defensively (a corrupt routing table is ignored with a
 * warning; a corrupt node id is a clear error); the strict {@code name = value} config file of {@code dht node
 * --config}; and the run-time log level (SLF4J to Logback). See {@code docs/operations.md}.
 */
package io.dht.daemon;

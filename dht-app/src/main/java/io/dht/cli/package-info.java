/**
 * The {@code dht} command-line program (picocli): each command parses its arguments, calls the public {@link
 * io.dht.Dht} API, waits on its futures with a bound, and prints. Exit codes: 0 success, 1 operational failure,
 * 2 bad arguments; every error is one line on stderr.
 */
package io.dht.cli;

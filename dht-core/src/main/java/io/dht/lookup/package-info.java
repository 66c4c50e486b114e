/** The iterative, parallel Kademlia lookup: one engine for find_node, get_peers and BEP 44 get. */
package io.dht.lookup;

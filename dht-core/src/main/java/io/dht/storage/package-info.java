/** What a node stores for others: announced peers (expiring, bounded) and the rotating write tokens. */
package io.dht.storage;

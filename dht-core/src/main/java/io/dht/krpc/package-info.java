/** KRPC messages as sealed records, and the pure codec between them and datagrams (BEP 5, 32, 42, 43). */
package io.dht.krpc;

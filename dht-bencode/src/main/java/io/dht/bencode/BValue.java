package io.dht.bencode;

/** A bencoded value: a byte string, an integer, a list or a dictionary. All variants are immutable. */
public sealed interface BValue permits BString, BInteger, BList, BDictionary {}

package io.dht.node;

/**
 * How well the items this node holds are replicated, from its periodic checks.
 *
 * @param itemsHeld items held for others now
 * @param itemsChecked item checks completed since start
 * @param itemsBelowTarget held items whose last check found fewer than k copies among the k closest nodes
 * @param averageReplicas mean copies seen among the k closest nodes at the last check of each checked item
 * @param repairPutsSent puts sent by checks to close nodes that lacked a copy
 * @param handoffsSent puts sent to newly met nodes closer to an item than its farthest known holder
 * @param durablePuts publisher-side durable puts currently active
 * @param republishesSent re-puts of durable items (each a full put to the k closest)
 */
public record DurabilityStats(
    int itemsHeld,
    long itemsChecked,
    int itemsBelowTarget,
    double averageReplicas,
    long repairPutsSent,
    long handoffsSent,
    int durablePuts,
    long republishesSent) {}

/**
 * Identity values shared by every layer: 160-bit ids compared by XOR distance without allocation, UDP endpoints
 * and contacts, with their compact wire forms.
 */
package io.dht.id;

/**
 * The local HTTP JSON API and the web dashboard ({@code dht node --http ADDR:PORT}, {@code dht swarm --dashboard}),
 * on the JDK's {@code com.sun.net.httpserver}: {@link io.dht.http.HttpApi} routes {@code /api/*}, {@code /metrics}
 * and the dashboard's static files; {@link io.dht.http.Json} is its strict JSON codec; {@link
 * io.dht.http.ApiClient} is what the CLI's {@code --api URL} uses. The API's threads only wait on the node's futures
 * (bounded); they never touch a node. Described by {@code GET /api/openapi.json}.
 */
package io.dht.http;

package io.dht.cli;

import io.dht.id.Endpoint;
import io.dht.id.NodeId;
import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters for the CLI's value types; each failure names the bad value in one line. */
final class Converters {
  private Converters() {}

  /** 40 hex digits to a {@link NodeId} (an info-hash or node id). */
  static final class InfoHash implements ITypeConverter<NodeId> {
    @Override
    public NodeId convert(String value) {
      try {
        return NodeId.parseHex(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' is not an info-hash (40 hex digits)");
      }
    }
  }

  /** 40 hex digits to the {@link NodeId} of a BEP 44 item. */
  static final class Target implements ITypeConverter<NodeId> {
    @Override
    public NodeId convert(String value) {
      try {
        return NodeId.parseHex(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("'" + value + "' is not a target (40 hex digits)");
      }
    }
  }

  /** {@code HOST:PORT}, {@code IP:PORT} or {@code [IPv6]:PORT}; host names are resolved here. */
  static final class HostPort implements ITypeConverter<Endpoint> {
    @Override
    public Endpoint convert(String value) {
      int colon = value.lastIndexOf(':');
      if (colon <= 0 || colon == value.length() - 1) {
        throw new TypeConversionException("'" + value + "' is not HOST:PORT");
      }
      String host = value.substring(0, colon);
      String portText = value.substring(colon + 1);
      if (host.contains(":") && !(host.startsWith("[") && host.endsWith("]"))) {
        throw new TypeConversionException("'" + value + "' is not HOST:PORT (write IPv6 as [ADDR]:PORT)");
      }
      int port;
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + value + "' is not HOST:PORT (bad port '" + portText + "')");
      }
      if (port < 1 || port > 65535) {
        throw new TypeConversionException("'" + value + "': port must be 1..65535");
      }
      if (host.startsWith("[")) {
        host = host.substring(1, host.length() - 1);
      }
      return new Endpoint(resolve(host, value), port);
    }
  }

  /** An IP literal or a host name. */
  static final class Address implements ITypeConverter<InetAddress> {
    @Override
    public InetAddress convert(String value) {
      return resolve(value, value);
    }
  }

  static InetAddress resolve(String host, String original) {
    if (host.isEmpty()) {
      throw new TypeConversionException("'" + original + "': empty host");
    }
    try {
      return Endpoint.parseAddress(host);
    } catch (IllegalArgumentException notLiteral) {
      // A name: resolve it (the core never does DNS).
    }
    if (!host.matches("[A-Za-z0-9.-]+")) {
      throw new TypeConversionException("'" + original + "': not a host name or IP address");
    }
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new TypeConversionException("'" + original + "': unknown host '" + host + "'");
    }
  }
}

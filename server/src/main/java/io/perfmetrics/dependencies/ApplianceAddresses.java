package io.perfmetrics.dependencies;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The appliance's own addresses, so that collectors' uploads and its SSH sessions are tagged as
 * infrastructure: every address of its interfaces (read at each computation: interfaces come and
 * go) and the host of its public URL when that is an address.
 */
public final class ApplianceAddresses implements Supplier<Set<String>> {
  private final URI publicUrl;

  public ApplianceAddresses(URI publicUrl) {
    this.publicUrl = publicUrl;
  }

  @Override
  public Set<String> get() {
    Set<String> out = new TreeSet<>();
    if (publicUrl != null && publicUrl.getHost() != null) {
      String h = publicUrl.getHost();
      InetAddress a = EdgeBuilder.literal(h.startsWith("[") ? h.substring(1, h.length() - 1) : h);
      if (a != null && !EdgeBuilder.isLocalOnly(EdgeBuilder.canonical(a))) {
        out.add(EdgeBuilder.canonical(a));
      }
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (!a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()) {
            out.add(EdgeBuilder.canonical(a));
          }
        }
      }
    } catch (SocketException e) {
      // without the list, only the public URL's address is known; the map still works
    }
    return out;
  }
}

package io.perfmetrics.network;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AddressesTest {
  @Test
  void ipv4IsKeptAsDottedQuad() {
    assertThat(Addresses.canonical("192.0.2.5")).isEqualTo("192.0.2.5");
    assertThat(Addresses.canonical("0.0.0.0")).isEqualTo("0.0.0.0");
    assertThat(Addresses.canonical("255.255.255.255")).isEqualTo("255.255.255.255");
  }

  @Test
  void malformedIpv4IsRefused() {
    for (String s :
        new String[] {
          "256.0.0.1",
          "1.2.3",
          "1.2.3.4.5",
          "01.2.3.4",
          "1.2.3.",
          "a.b.c.d",
          "1..2.3",
          "",
          "1.2.3.4 ",
          "localhost",
          "example.com"
        }) {
      assertThat(Addresses.canonical(s)).as(s).isNull();
    }
  }

  @Test
  void ipv6IsCompressedLowercaseAsRfc5952Says() {
    assertThat(Addresses.canonical("fe80:0:0:0:0:0:0:1")).isEqualTo("fe80::1");
    assertThat(Addresses.canonical("FE80:0000:0000:0000:0000:0000:0000:0001")).isEqualTo("fe80::1");
    assertThat(Addresses.canonical("0:0:0:0:0:0:0:0")).isEqualTo("::");
    assertThat(Addresses.canonical("::")).isEqualTo("::");
    assertThat(Addresses.canonical("0:0:0:0:0:0:0:1")).isEqualTo("::1");
    // a single zero group is not compressed; of two equal runs the first is
    assertThat(Addresses.canonical("2001:db8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1:1:1:1:1");
    assertThat(Addresses.canonical("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
    assertThat(Addresses.canonical("2001:0:0:1:0:0:0:1")).isEqualTo("2001:0:0:1::1");
    assertThat(Addresses.canonical("2001:db8::")).isEqualTo("2001:db8::");
    assertThat(Addresses.canonical("::2:3:4:5:6:7:8")).isEqualTo("0:2:3:4:5:6:7:8");
  }

  @Test
  void ipv4MappedIpv6BecomesIpv4() {
    assertThat(Addresses.canonical("::ffff:192.0.2.1")).isEqualTo("192.0.2.1");
    assertThat(Addresses.canonical("0:0:0:0:0:ffff:c000:201")).isEqualTo("192.0.2.1");
    assertThat(Addresses.canonical("::ffff:127.0.0.1")).isEqualTo("127.0.0.1");
  }

  @Test
  void malformedIpv6IsRefused() {
    for (String s :
        new String[] {
          ":::",
          "1::2::3",
          "1:2:3:4:5:6:7:8:9",
          "1:2:3:4:5:6:7",
          "12345::",
          "fe80::1%eth0",
          "::g",
          ":1:2:3:4:5:6:7",
          "1:2:3:4:5:6:7:",
          "[::1]",
          "1:2:3:4:5:6:7::8",
          "::1.2.3"
        }) {
      assertThat(Addresses.canonical(s)).as(s).isNull();
    }
  }

  @Test
  void bytesAreTheAddressInNetworkOrder() {
    assertThat(Addresses.bytes("192.0.2.5")).containsExactly(192, 0, 2, 5);
    assertThat(Addresses.bytes("255.255.255.255")).containsExactly(255, 255, 255, 255);
    assertThat(Addresses.bytes("0.0.0.0")).containsExactly(0, 0, 0, 0);
    assertThat(Addresses.bytes("fe80::1"))
        .containsExactly(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    // an embedded dotted quad fills the last two groups
    assertThat(Addresses.bytes("64:ff9b::203.0.113.255"))
        .containsExactly(0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 203, 0, 113, 255);
    assertThat(Addresses.canonical("64:ff9b::203.0.113.255")).isEqualTo("64:ff9b::cb00:71ff");
    assertThat(Addresses.bytes("256.0.0.1")).isNull();
    assertThat(Addresses.bytes("01.2.3.4")).isNull();
  }

  @Test
  void scopeTellsAllInterfacesLoopbackAndSpecific() {
    assertThat(Addresses.scope("0.0.0.0")).isEqualTo("all");
    assertThat(Addresses.scope("::")).isEqualTo("all");
    assertThat(Addresses.scope("127.0.0.53")).isEqualTo("loopback");
    assertThat(Addresses.scope("::1")).isEqualTo("loopback");
    assertThat(Addresses.scope("192.0.2.7")).isEqualTo("specific");
  }
}

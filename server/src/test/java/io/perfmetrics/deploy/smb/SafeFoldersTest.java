package io.perfmetrics.deploy.smb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import jcifs.internal.dtyp.ACE;
import jcifs.internal.dtyp.SecurityDescriptor;
import org.junit.jupiter.api.Test;

class SafeFoldersTest {
  @Test
  void theProtectedDaclDecodesAsFullControlForSystemAndAdministratorsInheritedInside()
      throws Exception {
    byte[] sd =
        new SafeFolders.ProtectedDacl(List.of(SafeFolders.SYSTEM, SafeFolders.ADMINISTRATORS))
            .bytes();

    SecurityDescriptor decoded = new SecurityDescriptor(sd, 0, sd.length);

    // SE_SELF_RELATIVE | SE_DACL_PROTECTED | SE_DACL_PRESENT
    assertThat(decoded.getType()).isEqualTo(0x9004);
    ACE[] aces = decoded.getAces();
    assertThat(Arrays.stream(aces).map(a -> a.getSID().toString()))
        .containsExactly("S-1-5-18", "S-1-5-32-544");
    assertThat(aces)
        .allMatch(
            a ->
                a.isAllow()
                    && a.getAccessMask() == 0x001F01FF
                    && a.getFlags() == 0x03
                    && !a.isInherited());
  }

  @Test
  void sidsAreEncodedAsMsDtypBinary() {
    assertThat(SafeFolders.ProtectedDacl.sid("S-1-5-32-544"))
        .containsExactly(1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0);
    assertThatThrownBy(() -> SafeFolders.ProtectedDacl.sid("X-1-5"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

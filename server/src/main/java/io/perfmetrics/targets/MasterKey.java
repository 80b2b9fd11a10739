package io.perfmetrics.targets;

import io.perfmetrics.config.Config;
import io.perfmetrics.config.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that encrypts stored secrets. It never goes into the database: it comes from {@code
 * PERFMETRICS_MASTER_KEY} or from a key file (mode 0600) created in the data directory on first
 * start. Losing it makes stored credentials unreadable; back it up with the database.
 */
public final class MasterKey {
  static final String FILE_NAME = "master.key";

  private MasterKey() {}

  public static SecretKey load(Config config) {
    if (config.masterKey() != null) {
      return decode(config.masterKey().value(), Config.MASTER_KEY);
    }
    Path file = config.dataDir().resolve(FILE_NAME);
    try {
      Files.createDirectories(config.dataDir());
      if (!Files.exists(file)) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        try {
          Files.createFile(
              file,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(
              file, Base64.getEncoder().encodeToString(key) + "\n", StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
          // another process created it first: use theirs
        }
      }
      return decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the master key file " + file, e);
    }
  }

  private static SecretKey decode(String base64, String where) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          where + " must be 32 bytes in base64 (e.g. from `openssl rand -base64 32`)");
    }
    if (key.length != 32) {
      throw new ConfigException(
          where + " must be 32 bytes in base64, got " + key.length + " bytes");
    }
    return new SecretKeySpec(key, "AES");
  }
}

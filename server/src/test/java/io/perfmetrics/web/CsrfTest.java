package io.perfmetrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsrfTest {
  @Test
  void onlySafeMethodsGoWithoutAToken() {
    assertThat(Csrf.needsToken("GET")).isFalse();
    assertThat(Csrf.needsToken("HEAD")).isFalse();
    assertThat(Csrf.needsToken("OPTIONS")).isFalse();
    assertThat(Csrf.needsToken("POST")).isTrue();
    assertThat(Csrf.needsToken("PUT")).isTrue();
    assertThat(Csrf.needsToken("PATCH")).isTrue();
    assertThat(Csrf.needsToken("DELETE")).isTrue();
  }

  @Test
  void theTokenMustBeTheSessionsExactly() {
    assertThat(Csrf.matches("abc123", "abc123")).isTrue();
    assertThat(Csrf.matches("abc123", "abc124")).isFalse();
    assertThat(Csrf.matches("abc123", "abc12")).isFalse();
    assertThat(Csrf.matches("abc123", "ABC123")).isFalse();
  }

  @Test
  void missingOrEmptyTokensNeverMatch() {
    assertThat(Csrf.matches("abc", null)).isFalse();
    assertThat(Csrf.matches("abc", "")).isFalse();
    assertThat(Csrf.matches("", "")).isFalse();
    assertThat(Csrf.matches(null, null)).isFalse();
  }

  @Test
  void loginRedirectsStayOnTheAppliance() {
    assertThat(LoginRoutes.safeNext("/targets?x=1")).isEqualTo("/targets?x=1");
    assertThat(LoginRoutes.safeNext("//evil.example")).isEqualTo("/");
    assertThat(LoginRoutes.safeNext("/\\evil.example")).isEqualTo("/");
    assertThat(LoginRoutes.safeNext("https://evil.example")).isEqualTo("/");
    assertThat(LoginRoutes.safeNext("/login")).isEqualTo("/");
    assertThat(LoginRoutes.safeNext(null)).isEqualTo("/");
  }
}

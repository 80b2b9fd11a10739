/**
 * The one immutable configuration, read and validated once at start-up. Null-marked: what may be
 * absent says so with {@code @Nullable}, and NullAway checks it in every compile.
 */
@NullMarked
package io.perfmetrics.config;

import org.jspecify.annotations.NullMarked;

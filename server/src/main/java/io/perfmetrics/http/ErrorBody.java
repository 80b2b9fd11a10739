package io.perfmetrics.http;

/** The design's error answer: {@code {"error": "...", "detail": "..."}}. */
public record ErrorBody(String error, String detail) {}

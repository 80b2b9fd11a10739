"""Parses Prometheus text exposition from stdin with the official Python client's parser
(Debian's python3-prometheus-client) and prints every sample as JSON: [name, labels, value]."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        v = s.value
        samples.append([s.name, s.labels, None if math.isnan(v) else v])
json.dump(samples, sys.stdout)

"""Research question: every listing with minors' data, and who provides it (requests + pandas).

Usage: python3 minors_providers.py [gateway base URL]   (default http://localhost:4000)
Prints one JSON object per provider: its USCC, name, kind and listings.
"""
import io
import json
import sys

import pandas as pd
import requests

gateway = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:4000"
response = requests.get(
    f"{gateway}/export/datasets.csv",
    params={"filter": json.dumps({"containsMinorsData": True})},
    timeout=300,
)
# A 503 names the exchanges that did not answer: better no answer than a partial one.
response.raise_for_status()
listings = pd.read_csv(io.StringIO(response.content.decode("utf-8")), dtype=str, keep_default_na=False)

by_provider = listings.groupby(["providerUscc", "providerName", "providerKind"])
for (uscc, name, kind), group in by_provider:
    print(json.dumps({
        "uscc": uscc,
        "name": name,
        "kind": kind,
        "listings": sorted(group["id"]),
        "exchanges": sorted(group["exchange"].unique()),
    }, ensure_ascii=False))

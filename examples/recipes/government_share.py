"""Research question: the share of government providers per exchange (requests + pandas).

Usage: python3 government_share.py [gateway base URL]   (default http://localhost:4000)
A provider counts once per exchange it lists on; "government" is the kind GOVERNMENT_DEPARTMENT.
"""
import io
import json
import sys

import pandas as pd
import requests

gateway = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:4000"
response = requests.get(f"{gateway}/export/datasets.csv", timeout=600)
response.raise_for_status()
listings = pd.read_csv(
    io.StringIO(response.content.decode("utf-8")),
    usecols=["exchange", "providerUscc", "providerKind"],
    dtype=str,
)

providers = listings.drop_duplicates(["exchange", "providerUscc"])
share = (
    providers.assign(government=providers["providerKind"] == "GOVERNMENT_DEPARTMENT")
    .groupby("exchange")["government"]
    .agg(providers="size", government="sum")
)
share["share"] = share["government"] / share["providers"]
print(json.dumps({exchange: {"providers": int(row.providers), "government": int(row.government), "share": round(float(row.share), 4)} for exchange, row in share.iterrows()}))

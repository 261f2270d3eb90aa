#!/bin/sh
# The catalog with nothing but curl. GATEWAY is the gateway's base URL (default http://localhost:4000).
set -eu
GATEWAY=${GATEWAY:-http://localhost:4000}

# A GraphQL query (POST, JSON body): how many FINANCE listings, and did every exchange answer?
curl -s "$GATEWAY/graphql" -H 'content-type: application/json' \
  -d '{"query":"{ datasets(filter: { categories: [FINANCE] }) { totalCount missingExchanges } }"}'
echo

# The same listings as a CSV file, cheapest first (-f: an HTTP error fails the script, no half file kept).
curl -sf -G "$GATEWAY/export/datasets.csv" \
  --data-urlencode 'filter={"categories":["FINANCE"]}' \
  --data-urlencode 'sort=PRICE_ASC' \
  -o finance.csv
echo "finance.csv: $(($(wc -l < finance.csv) - 1)) listings"

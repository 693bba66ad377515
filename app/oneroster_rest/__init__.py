"""OneRoster 1.2 REST rostering service (read-only), under `/ims/oneroster/rostering/v1p2/`."""

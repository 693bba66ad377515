"""OneRoster 1.2 CSV exchange: roster import (zip bundle or users.csv) and bulk export."""

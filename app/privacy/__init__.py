"""PDPA duties for minors' data: read log, data-subject export, retention, pseudonyms."""

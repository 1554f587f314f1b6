#!/usr/bin/env python3
"""Publishes into Hubbub through the standalone server's HTTP API, with the standard library only.

    HUBBUB_URL=http://127.0.0.1:3000 HUBBUB_API_KEY=... python3 publish.py news.weather '{"temp": 21}'

A retry after a timeout sends the same idempotency key, so the message is published once.
"""
import json
import os
import sys
import urllib.error
import urllib.request
import uuid


def publish(base_url, api_key, topic, data, key=None, attempts=3):
    """POST /api/publish; returns {"epoch", "offset", "duplicate"}. Raises on a refusal."""
    body = json.dumps({"topic": topic, "data": data, "key": key or uuid.uuid4().hex}).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + "/api/publish",
        data=body,
        method="POST",
        headers={"Authorization": "Bearer " + api_key, "Content-Type": "application/json"},
    )
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except urllib.error.HTTPError as err:
            try:
                error = json.load(err).get("error", {})
            except ValueError:
                error = {}
            # 503 UNAVAILABLE / OUTCOME_UNKNOWN: retry with the same key; anything else is final.
            if err.code != 503 or attempt == attempts - 1:
                raise RuntimeError(f"{err.code} {error.get('code')}: {error.get('message')}") from None
        except (urllib.error.URLError, TimeoutError):
            if attempt == attempts - 1:
                raise


def main():
    topic = sys.argv[1] if len(sys.argv) > 1 else "news.weather"
    data = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {"text": "hello from Python"}
    key = sys.argv[3] if len(sys.argv) > 3 else None
    result = publish(os.environ.get("HUBBUB_URL", "http://127.0.0.1:3000"), os.environ["HUBBUB_API_KEY"], topic, data, key)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

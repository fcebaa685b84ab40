#!/usr/bin/env python3
"""Reads the case's s3rver bucket directly (anonymous requests, which s3rver
serves), independently of weir:
    s3.py keys PREFIX     every key under PREFIX, one a line, in key order
    s3.py sha256 KEY      the SHA-256 of the object's bytes
The endpoint and bucket come from run_case.py (WEIR_TEST_S3_ENDPOINT,
WEIR_TEST_S3_BUCKET)."""
import hashlib
import os
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET



def local(tag):
    """An XML tag without its namespace (s3rver's is not AWS's)."""
    return tag.rsplit("}", 1)[-1]


def bucket_url():
    return os.environ["WEIR_TEST_S3_ENDPOINT"] + "/" + os.environ["WEIR_TEST_S3_BUCKET"]


def keys(prefix):
    token = None
    while True:
        query = {"list-type": "2", "prefix": prefix}
        if token:
            query["continuation-token"] = token
        with urllib.request.urlopen(bucket_url() + "?" + urllib.parse.urlencode(query)) as reply:
            root = ET.fromstring(reply.read())
        fields = {local(child.tag): child for child in root}
        for contents in root:
            if local(contents.tag) == "Contents":
                yield next(c.text for c in contents if local(c.tag) == "Key")
        if fields.get("IsTruncated") is None or fields["IsTruncated"].text != "true":
            return
        token = fields["NextContinuationToken"].text


def sha256(key):
    with urllib.request.urlopen(bucket_url() + "/" + urllib.parse.quote(key)) as reply:
        return hashlib.sha256(reply.read()).hexdigest()


if __name__ == "__main__":
    command, arg = sys.argv[1], sys.argv[2]
    if command == "keys":
        for key in keys(arg):
            print(key)
    elif command == "sha256":
        print(sha256(arg))
    else:
        sys.exit("usage: s3.py keys PREFIX | sha256 KEY")
